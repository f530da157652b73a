"""Hypothesis-generated input on every new endpoint: random Unicode, NUL, surrogates, huge,
empty and wrongly shaped fields. Never a 5xx; every request through the intake is stored; a
declared emergency always becomes a message; bad input is a form error or a 404."""

from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from agreements import services as agreement_services
from agreements.models import CheckInCadence
from messaging.between.services import caring_contacts_start, check_in_plan_next
from messaging.between.tick import check_ins_tick
from messaging.models import CaringSchedule, InboundEnvelope, Message, SessionNote
from tests.between.support import CLIENT_PHONE
from tests.factories import activate_agreement, sign_in
from tests.notifications.twilio_stub import AUTH_TOKEN, FROM_NUMBER

FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ODD = st.sampled_from(
    ["", " ", "\x00", "\r\n", "\t", "\ufeff", "\u202e", "\ufffd", "１", "5", "STOP", "💥"]
)


def texts(max_pieces=6):
    return st.lists(st.one_of(st.text(max_size=30), ODD), max_size=max_pieces).map("".join)


def huge(max_chars=30_000):
    return st.tuples(st.text(min_size=1, max_size=6), st.integers(1_000, max_chars)).map(
        lambda t: (t[0] * (t[1] // len(t[0]) + 1))[: t[1]]
    )


VALUES = st.one_of(texts(), huge())


@pytest.fixture
def open_check_in(world):
    now = timezone.now()
    local = timezone.localtime(now - timedelta(minutes=30), world.client.zone)
    activate_agreement(
        world,
        check_ins_enabled=True,
        check_in_local_time=local.time(),
        can_this_wait=True,
        caring_contacts_enabled=True,
        caring_contacts_channel="sms",
    )
    period = agreement_services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        check_in_cadence=CheckInCadence.DAILY,
    )
    check_in = check_in_plan_next(period=period, now=now)
    check_ins_tick(now=now)
    return check_in


@FUZZ
@given(score=st.one_of(VALUES, st.sampled_from(["1", "3", "5", "0", "6", "-1"])), words=VALUES)
def test_check_in_answer(client, world, open_check_in, score, words):
    sign_in(client, world.client)
    before = InboundEnvelope.objects.count()
    response = client.post(
        reverse("client_check_in_answer", args=[open_check_in.pk]),
        {"score": score, "words": words},
    )
    assert response.status_code in (302, 404)
    if response.status_code == 302:
        assert InboundEnvelope.objects.count() == before + 1


@FUZZ
@given(
    emergency=st.one_of(st.sampled_from(["yes", "no"]), VALUES),
    purpose=st.one_of(st.sampled_from(["clinical", "urgent", "logistics", ""]), VALUES),
    body=VALUES,
    choice=st.one_of(st.sampled_from(["send", "note", ""]), VALUES),
)
def test_compose_with_can_this_wait(client, world, open_check_in, emergency, purpose, body, choice):
    sign_in(client, world.client)
    before = InboundEnvelope.objects.count()
    messages, notes = Message.objects.count(), SessionNote.objects.count()
    response = client.post(
        reverse("message_compose"),
        {"emergency": emergency, "purpose": purpose, "body": body, "choice": choice},
    )
    assert response.status_code in (200, 302)
    assert InboundEnvelope.objects.count() == before + 1
    if emergency == "yes":
        assert Message.objects.count() > messages, "a declared emergency is never kept back"
        assert SessionNote.objects.count() == notes


@FUZZ
@given(body=st.one_of(st.sampled_from(["STOP", "stop!", " Stop. ", "quit"]), VALUES))
def test_sms_stop_and_anything_else(client, world, open_check_in, settings, body):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_WEBHOOK_BASE_URL = ""
    world.client.user.phone = CLIENT_PHONE
    world.client.user.save(update_fields=["phone"])
    if not CaringSchedule.objects.filter(stopped_at=None).exists():
        caring_contacts_start(
            client=world.client,
            by=world.therapist.user,
            bodies=["Thinking of you."],
            after_crisis_period=open_check_in.crisis_period,
        )
    params = {
        "From": CLIENT_PHONE,
        "To": FROM_NUMBER,
        "Body": body,
        "MessageSid": f"SM{InboundEnvelope.objects.count():032d}",
    }
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    before = InboundEnvelope.objects.count()
    response = client.post(
        reverse("sms_inbound"),
        urlencode(params),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE=signature,
    )
    assert response.status_code == 200
    assert InboundEnvelope.objects.count() == before + 1
    assert InboundEnvelope.objects.filter(status="pending").count() == 0


@FUZZ
@given(token=st.one_of(texts(), huge(5_000)), method=st.sampled_from(["get", "post"]))
def test_caring_stop_link(client, db, token, method):
    path = reverse("caring_stop_link", args=["x"]).replace("/x/", "/" + quote(token, safe="") + "/")
    response = getattr(client, method)(path)
    assert response.status_code in (404, 403)


@FUZZ
@given(messages=st.one_of(VALUES, st.lists(texts(), max_size=20).map("\n".join)))
def test_caring_contacts_new(client, world, open_check_in, messages):
    sign_in(client, world.therapist)
    response = client.post(
        reverse("caring_contacts_new", args=[world.client.pk]), {"messages": messages}
    )
    assert response.status_code in (200, 302)


@FUZZ
@given(data=st.dictionaries(st.text(max_size=8), VALUES, max_size=3))
def test_client_caring_messages(client, world, data):
    sign_in(client, world.client)
    assert client.post(reverse("client_caring_messages"), data).status_code == 302
