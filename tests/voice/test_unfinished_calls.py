"""A call that ends before the caller chose, or before they left the message they chose, is
taken in as a phone message through intake, once per CallSid, delivered now so a clinician can
call back; a call that pressed 1, chose the crisis line or left a voicemail is not doubled."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from messaging.models import CallSession, EnvelopeStatus, Escalation, InboundEnvelope, Message
from tests.factories import activate_agreement
from tests.voice.calls import (
    CLIENT_PHONE,
    PRACTICE_LINE,
    call_params,
    leave_voicemail,
    press,
    turn,
    xml,
)

ENDED = ("completed", "no-answer", "busy", "canceled")
RULE = "unfinished_call"


def hang_up(client, call_sid="CA" + "1" * 32, status="completed", **extra):
    params = call_params(call_sid, CallStatus=status, **extra)
    return turn(client, "voice_status", params)


def unfinished_messages():
    return Message.objects.filter(provider_message_id__startswith="call-ended:")


@pytest.mark.parametrize("status", ENDED)
def test_a_hang_up_before_choosing_is_a_message_delivered_now(client, phones, night, status):
    activate_agreement(phones)
    xml(turn(client, "voice_incoming", call_params()))
    assert hang_up(client, status=status, CallDuration="7").status_code == 204
    message = unfinished_messages().get()
    assert message.channel == "phone" and message.client == phones.client
    assert message.sender_address == CLIENT_PHONE
    assert message.body.startswith(
        "Call to the answering service ended before a choice was made (hung up after 7 s)."
    )
    assert CLIENT_PHONE in message.body
    decision = message.current_decision
    assert decision.category == "urgent" and decision.disposition == "deliver"
    reasons = [rule["reason"] for rule in decision.rules if rule["code"] == RULE]
    assert reasons and reasons[0].startswith(
        "A call that ended before the emergency question was answered"
    )
    assert not Escalation.objects.exists(), "delivered now for a call back, not a page"
    assert "taken in as a message" in CallSession.objects.get().events[-1]["what"]


def test_repeated_callbacks_make_one_message(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    for status in ("completed", "completed", "canceled"):
        assert hang_up(client, status=status).status_code == 204
    assert unfinished_messages().count() == 1
    assert not InboundEnvelope.objects.exclude(
        status__in=[EnvelopeStatus.PROCESSED, EnvelopeStatus.REFUSED]
    ).exists()


def test_without_a_duration_the_length_is_counted_from_the_greeting(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    night.shift(12)
    hang_up(client)
    assert "(hung up after 12 s)" in unfinished_messages().get().body


def test_choosing_a_message_then_hanging_up_before_the_tone(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    xml(press(client, "voice_choice", "2"))
    hang_up(client, CallDuration="20")
    message = unfinished_messages().get()
    assert "ended before a message was left (hung up after 20 s)" in message.body
    assert message.declared_emergency is False
    assert message.current_decision.disposition == "deliver"


def test_a_call_that_pressed_1_is_not_doubled(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    xml(press(client, "voice_choice", "1"))
    hang_up(client)
    assert not unfinished_messages().exists()
    assert Message.objects.filter(direction="inbound").count() == 1


def test_a_call_that_left_a_voicemail_is_not_doubled(client, phones, night):
    leave_voicemail(client, "please call me back about billing")
    hang_up(client)
    assert not unfinished_messages().exists()
    assert Message.objects.filter(direction="inbound").count() == 1


def test_a_call_to_the_crisis_line_is_not_doubled(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    xml(press(client, "voice_choice", "9"))
    hang_up(client)
    assert not unfinished_messages().exists()


def test_statuses_that_are_not_an_end_do_nothing(client, phones, night):
    xml(turn(client, "voice_incoming", call_params()))
    for status in ("ringing", "in-progress", "queued"):
        assert hang_up(client, status=status).status_code == 204
    assert not unfinished_messages().exists()


def test_an_unknown_call_to_the_practice_line_is_still_a_message(client, phones, night):
    """Its greeting never reached us: the caller is recognised by number all the same."""
    hang_up(client, call_sid="CA" + "9" * 32, CallDuration="3")
    message = unfinished_messages().get()
    assert message.client == phones.client and "(hung up after 3 s)" in message.body


def test_an_unknown_call_from_an_unknown_number_to_the_line_goes_to_the_practice(
    client, phones, night
):
    hang_up(client, call_sid="CA" + "8" * 32, caller="+15559990000")
    message = unfinished_messages().get()
    assert message.client is None and message.practice == phones.practice
    assert message.sender_address == "+15559990000"
    assert message.current_decision.disposition == "deliver"


def test_an_unknown_call_to_a_number_we_do_not_know_is_still_kept(client, phones, night):
    """As every voice webhook does, a call to a line no practice lists goes to the practice."""
    params = call_params("CA" + "7" * 32, caller="+15559990001", CallStatus="completed")
    params["To"] = "+15559990002"
    assert turn(client, "voice_status", params).status_code == 204
    assert unfinished_messages().get().practice is not None


def test_missing_call_sid_or_status_is_a_400(client, phones):
    assert turn(client, "voice_status", {"CallStatus": "completed"}).status_code == 400
    assert turn(client, "voice_status", {"CallSid": "CA1"}).status_code == 400


SIDS = itertools.count(1)


@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    choice=st.sampled_from([None, "1", "2"]),
    statuses=st.lists(st.sampled_from([*ENDED, "ringing", "in-progress"]), min_size=1, max_size=4),
    duration=st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["0", "5", "99999999999"])),
    caller=st.one_of(st.just(CLIENT_PHONE), st.text(max_size=40)),
)
def test_every_call_ends_with_exactly_what_it_said(
    client, phones, choice, statuses, duration, caller
):
    """Whatever the callbacks and their parameters: never a 5xx, and a call ends with exactly one
    message when it ended with no choice, or its own message otherwise."""
    call_sid = f"CA{next(SIDS):032d}"
    before = Message.objects.filter(direction="inbound").count()
    xml(turn(client, "voice_incoming", call_params(call_sid, caller=CLIENT_PHONE)))
    if choice:
        xml(press(client, "voice_choice", choice, call_sid=call_sid))
    for status in statuses:
        extra = {"CallDuration": duration} if duration is not None else {}
        response = turn(
            client,
            "voice_status",
            {**call_params(call_sid, caller=caller), "CallStatus": status, **extra},
        )
        assert response.status_code == 204
    ended = any(status in ENDED for status in statuses)
    made = Message.objects.filter(direction="inbound").count() - before
    ours = unfinished_messages().filter(provider_message_id=f"call-ended:{call_sid}").count()
    if choice == "1":
        assert (made, ours) == (1, 0)
    else:
        assert ours == made == (1 if ended else 0)


def test_the_practice_line_is_the_one_the_tests_call():
    assert call_params()["To"] == PRACTICE_LINE
