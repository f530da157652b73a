"""Tenancy: an inbound text or email from an unknown sender to a number or address no practice
has is never filed under a practice by guess (it used to go to the oldest practice). It is kept,
quarantined, the sender gets crisis help, and an instance administrator files it; then it is
triaged and escalated like any other. An instance serving one practice may name it instead."""

import pytest
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from agreements.models import User
from messaging.intake import envelopes
from messaging.models import Direction, EnvelopeStatus, InboundEnvelope, Message, MessageStatus
from tests.factories import FUZZ, PASSWORD, sign_in_user

CRISIS = "I took all my pills and I want to die"
AUTH_TOKEN = "quarantine-test-twilio-token"


def signed_sms(client, params):
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(reverse("sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def _sms_to_nowhere(client, body=CRISIS, sid="SMq1"):
    return signed_sms(
        client, {"From": "+15550001111", "To": "+15559990000", "Body": body, "MessageSid": sid}
    )


@pytest.fixture(autouse=True)
def _provider_secrets(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_WEBHOOK_BASE_URL = ""


@pytest.fixture
def root(db):
    return User.objects.create_superuser(email="root@example.test", password=PASSWORD, name="Root")


def test_an_unconfigured_number_is_quarantined_not_filed_under_the_oldest_practice(client, world):
    response = _sms_to_nowhere(client)
    assert response.status_code == 200 and "988" in response.content.decode()
    envelope = InboundEnvelope.objects.get()
    assert envelope.status == EnvelopeStatus.QUARANTINED
    assert envelope.practice_id is None and envelope.message_id is None
    assert not Message.objects.exists()
    # Not retried by the sweeper: it waits for a person.
    assert envelopes.envelopes_sweep() == 0
    assert InboundEnvelope.objects.get().status == EnvelopeStatus.QUARANTINED


def test_an_email_to_an_unknown_address_is_quarantined(client, world, settings):
    settings.EMAIL_WEBHOOK_SECRET = "s3cret"
    response = client.post(
        reverse("email_inbound"),
        {
            "from": "x@elsewhere.test",
            "to": "help@nowhere.test",
            "text": CRISIS,
            "message_id": "<q>",
        },
        content_type="application/json",
        headers={"X-Webhook-Secret": "s3cret"},
    )
    assert response.status_code == 202 and "988" in response.json()["reply"]
    assert InboundEnvelope.objects.get().status == EnvelopeStatus.QUARANTINED


def test_the_single_practice_setting_takes_every_unconfigured_address(client, world, settings):
    settings.CONTACTPOLICY_SINGLE_PRACTICE_ID = world.other_practice.pk
    _sms_to_nowhere(client)
    message = Message.objects.get(direction=Direction.INBOUND)
    assert message.practice == world.other_practice
    assert message.status == MessageStatus.ESCALATED


def test_an_instance_admin_files_a_quarantined_crisis_and_it_escalates(client, world, root):
    _sms_to_nowhere(client)
    envelope = InboundEnvelope.objects.get()
    sign_in_user(client, root)
    page = client.get(reverse("quarantine_list")).content.decode()
    assert "+15559990000" in page and "+15550001111" in page
    assert 'data-testid="quarantine-alert"' in page
    assert CRISIS not in page, "instance administrators see metadata, not the text"
    response = client.post(
        reverse("quarantine_assign", args=[envelope.pk]),
        {f"e{envelope.pk}-practice": world.practice.pk},
    )
    assert response.status_code == 302
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.PROCESSED
    assert envelope.message.practice == world.practice
    assert envelope.message.status == MessageStatus.ESCALATED
    # Filed once: a second post finds nothing quarantined.
    again = client.post(
        reverse("quarantine_assign", args=[envelope.pk]),
        {f"e{envelope.pk}-practice": world.practice.pk},
    )
    assert again.status_code == 404
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1


def test_practice_staff_cannot_see_or_assign_quarantine(client, world):
    _sms_to_nowhere(client)
    envelope = InboundEnvelope.objects.get()
    for membership in (world.admin, world.therapist, world.other_admin):
        client.logout()
        sign_in_user(client, membership.user)
        assert client.get(reverse("quarantine_list")).status_code == 403
        assign = reverse("quarantine_assign", args=[envelope.pk])
        assert (
            client.post(assign, {f"e{envelope.pk}-practice": membership.practice.pk}).status_code
            == 403
        )
    assert InboundEnvelope.objects.get().status == EnvelopeStatus.QUARANTINED


@settings(FUZZ, max_examples=30)
@given(
    practice=st.one_of(st.text(max_size=50), st.integers(), st.just("")), eid=st.integers(0, 10**12)
)
def test_fuzzed_assignments_never_5xx(client, world, root, practice, eid):
    sign_in_user(client, root)
    response = client.post(reverse("quarantine_assign", args=[eid]), {f"e{eid}-practice": practice})
    assert response.status_code in (302, 404)
