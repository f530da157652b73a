"""Fuzzing every voice webhook: random Unicode, NUL, huge, empty and missing Twilio parameters,
odd query strings, repeated and unknown CallSids. Whatever arrives (correctly signed), the
answer is valid TwiML or a 4xx, never a 5xx; what a caller says is never lost: a "1" always
escalates, and every recording and transcript is kept."""

import itertools
from urllib.parse import urlencode
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.models import Escalation, InboundEnvelope, Message
from tests.voice.calls import PRACTICE_LINE, signed_post

FUZZ = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

ODD = st.sampled_from(
    ["", " ", "\x00", "\x00\x00", "\r\n", "\t", "\ufeff", "\u202e", "\ufffd", "ＡＢＣ", "💥", "é"]
)


def texts(max_pieces=6):
    return st.lists(st.one_of(st.text(max_size=30), ODD), max_size=max_pieces).map("".join)


def huge():
    return st.tuples(st.text(min_size=1, max_size=6), st.integers(1_000, 20_000)).map(
        lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]]
    )


def values():
    return st.one_of(
        texts(),
        huge(),
        st.sampled_from(["1", "2", "9", "*", "12", "completed", "no-answer", "busy", "canceled"]),
    )


SIDS = itertools.count(1)
KNOWN_SID = "CA" + "f" * 32

PARAMS = (
    "CallSid",
    "From",
    "To",
    "Digits",
    "SpeechResult",
    "DialCallStatus",
    "RecordingSid",
    "RecordingUrl",
    "RecordingDuration",
    "TranscriptionText",
    "TranscriptionStatus",
    "CallStatus",
    "CallDuration",
)
WEBHOOKS = (
    "voice_incoming",
    "voice_choice",
    "voice_connect",
    "voice_hold",
    "voice_end_choice",
    "voice_whisper",
    "voice_whisper_answer",
    "voice_recorded",
    "voice_transcription",
    "voice_page_answer",
    "voice_status",
)
QUERY = st.dictionaries(
    st.sampled_from(["call", "clinician", "notification"]),
    st.one_of(st.just(KNOWN_SID), st.text("0123456789", max_size=20), st.text(max_size=10)),
    max_size=3,
)


@pytest.fixture
def phones(world):
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    return world


def post(client, name, params, query):
    url = reverse(name) + (f"?{urlencode(query)}" if query else "")
    return signed_post(client, url, params)


def assert_twiml_or_4xx(response):
    assert response.status_code < 500, response.content[:300]
    if response.status_code == 200:
        assert ElementTree.fromstring(response.content).tag == "Response"
    else:
        assert response.status_code == 204 or 400 <= response.status_code < 500


@pytest.mark.parametrize("name", WEBHOOKS)
@FUZZ
@given(
    params=st.dictionaries(st.sampled_from(PARAMS), values(), max_size=len(PARAMS)),
    known_call=st.booleans(),
    query=QUERY,
)
def test_every_voice_webhook(client, phones, name, params, known_call, query):
    if known_call:
        params = {**params, "CallSid": KNOWN_SID}
    assert_twiml_or_4xx(post(client, name, params, query))


@FUZZ
@given(
    caller=st.one_of(st.just("+15550102030"), texts(), huge()),
    extra=st.dictionaries(st.sampled_from(PARAMS[3:]), values(), max_size=3),
    speech=texts(),
)
def test_pressing_1_always_escalates(client, phones, caller, extra, speech):
    call_sid = f"CA{next(SIDS):032d}"
    params = {**extra, "CallSid": call_sid, "From": caller, "To": PRACTICE_LINE}
    post(client, "voice_incoming", params, {})
    response = post(client, "voice_choice", {**params, "Digits": "1", "SpeechResult": speech}, {})
    assert_twiml_or_4xx(response)
    message = Message.objects.get(provider_message_id=f"call:{call_sid}")
    assert message.declared_emergency is True
    assert Escalation.objects.filter(message=message).exists() or message.joined_escalation_id
    assert b"911" in response.content


@FUZZ
@given(
    transcript=st.one_of(texts(), huge()),
    url=values(),
    caller=st.one_of(st.just("+15550102030"), texts()),
    status=st.one_of(st.sampled_from(["completed", "failed"]), texts()),
)
def test_every_recording_and_transcript_is_kept(client, phones, transcript, url, caller, status):
    call_sid = f"CA{next(SIDS):032d}"
    recording = f"RE{next(SIDS):032d}"
    params = {"CallSid": call_sid, "From": caller, "To": PRACTICE_LINE}
    recorded = {**params, "RecordingSid": recording, "RecordingUrl": url}
    before = InboundEnvelope.objects.count()
    assert_twiml_or_4xx(post(client, "voice_recorded", recorded, {}))
    transcribed = {**recorded, "TranscriptionText": transcript, "TranscriptionStatus": status}
    assert_twiml_or_4xx(post(client, "voice_transcription", transcribed, {}))
    assert InboundEnvelope.objects.count() == before + 2
    assert Message.objects.filter(provider_message_id__startswith=f"voicemail:{recording}").exists()
