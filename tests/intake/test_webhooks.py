"""Inbound SMS and email: signatures and secrets checked, nothing lost, bad input told clearly."""

import json
import logging
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from twilio.request_validator import RequestValidator

from messaging.models import Message
from tests.factories import activate_agreement

AUTH_TOKEN = "twilio-test-auth-token"
EMAIL_SECRET = "email-webhook-test-secret"


@pytest.fixture(autouse=True)
def _provider_secrets(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.EMAIL_WEBHOOK_SECRET = EMAIL_SECRET
    settings.TWILIO_WEBHOOK_BASE_URL = ""


def signed_sms(client, params, *, token=AUTH_TOKEN):
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(reverse("sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def sms(body, sender="+1 (555) 010-2030", sid="SM0001"):
    return {"From": sender, "To": "+15550009000", "Body": body, "MessageSid": sid}


def test_signed_sms_from_a_client_is_triaged_and_answered_in_twiml(client, world):
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    response = signed_sms(client, sms("running 10 min late for my appt"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    assert "<Message>" in response.content.decode()
    message = Message.objects.get(provider_message_id="SM0001")
    assert message.client == world.client and message.channel == "sms"
    assert message.current_decision is not None


def test_crisis_by_sms_gets_crisis_help_in_the_reply(client, world):
    response = signed_sms(client, sms("i took all my pills. goodbye", sid="SM0002"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "988" in body and "911" in body
    message = Message.objects.get(provider_message_id="SM0002")
    assert message.client is None  # unknown number: kept for the practice
    assert message.current_decision.disposition == "escalate"


def test_bad_signature_is_refused_logged_and_nothing_is_kept(client, world, caplog):
    with caplog.at_level(logging.WARNING, logger="contactpolicy.webhooks"):
        response = signed_sms(client, sms("hello", sid="SM0003"), token="someone-elses-token")
    assert response.status_code == 403
    assert not Message.objects.filter(provider_message_id="SM0003").exists()
    assert any("bad signature" in r.getMessage() for r in caplog.records)
    assert all("hello" not in r.getMessage() for r in caplog.records)


def test_missing_fields_are_a_clear_400(client, world):
    params = {"From": "+15550102030", "Body": "hi"}
    response = signed_sms(client, params)
    assert response.status_code == 400
    assert b"MessageSid" in response.content


def test_sms_retry_is_answered_once(client, world):
    first = signed_sms(client, sms("can I book friday", sid="SM0004"))
    again = signed_sms(client, sms("can I book friday", sid="SM0004"))
    assert first.status_code == again.status_code == 200
    assert first.content == again.content
    assert Message.objects.filter(provider_message_id="SM0004").count() == 1


def post_email(client, payload, *, secret=EMAIL_SECRET, raw=None):
    return client.post(
        reverse("email_inbound"),
        raw if raw is not None else json.dumps(payload),
        content_type="application/json",
        HTTP_X_WEBHOOK_SECRET=secret,
    )


def email(**overrides):
    payload = {
        "from": "client@harbour.test",
        "to": "messages@harbour.test",
        "subject": "Invoice",
        "text": "Could you resend last month's invoice?",
        "message_id": "<abc@mail.example>",
    }
    payload.update(overrides)
    return payload


def test_email_from_a_client_is_received(client, world, time_machine):
    time_machine.move_to(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York")))
    activate_agreement(world)
    response = post_email(client, email())
    assert response.status_code == 201
    data = response.json()
    assert data["category"] == "logistics" and data["disposition"] == "deliver"
    message = Message.objects.get(pk=data["message"])
    assert message.client == world.client
    assert message.body.startswith("Invoice\n\nCould you resend")
    again = post_email(client, email())
    assert again.status_code == 200 and again.json()["duplicate"] is True


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"secret": "wrong"}, 403, "forbidden"),
        ({"secret": ""}, 403, "forbidden"),
        ({"raw": "{not json"}, 400, "invalid_json"),
        ({"raw": "[1, 2]"}, 400, "invalid_json"),
    ],
)
def test_email_bad_requests_get_json_errors(client, world, kwargs, status, error):
    response = post_email(client, email(), **kwargs)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert not Message.objects.exists()


def test_email_missing_fields_are_named(client, world):
    response = post_email(client, email(text="   ", message_id=None))
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"text", "message_id"}


def test_email_from_an_unknown_address_goes_to_the_practice(client, world):
    response = post_email(client, email(**{"from": "stranger@example.org"}))
    assert response.status_code == 201
    message = Message.objects.get(pk=response.json()["message"])
    assert message.client is None and message.practice == world.practice
    assert message.sender_address == "stranger@example.org"


def test_clinician_acknowledges_a_page_by_replying_with_the_code(client, world):
    from messaging.escalation import lifecycle as engine
    from messaging.models import Escalation, Notification

    world.therapist.user.phone = "+15550107777"
    world.therapist.user.save(update_fields=["phone"])
    world.client.user.phone = "+15550102030"
    world.client.user.save(update_fields=["phone"])
    signed_sms(client, sms("i took all my pills, goodbye", sid="SM0100"))
    escalation = Escalation.objects.get()
    engine.escalation_tick()
    page = Notification.objects.get(escalation=escalation, channel="sms", purpose="page")
    before = Message.objects.filter(direction="inbound").count()
    response = signed_sms(client, sms(f"ACK {page.ack_code}", sender="+15550107777", sid="SM0101"))
    assert response.status_code == 200
    assert "Paging has stopped" in response.content.decode()
    escalation.refresh_from_db()
    assert escalation.state == "acknowledged" and escalation.acknowledged_via == "sms"
    assert Message.objects.filter(direction="inbound").count() == before, "not a client message"
