"""Store first: every inbound request is kept before processing, and a failure loses nothing.

Processing is made to fail for real: a trigger makes the database refuse new messages (as a full
disk or a read-only replica would) after the envelope is stored, and is lifted to let the
sweeper succeed.
"""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from agreements import services as agreement_services
from agreements.models import User
from messaging.intake import envelopes, limits, tasks
from messaging.intake.selectors import envelopes_needing_attention_count
from messaging.models import (
    ContactEvent,
    Direction,
    EnvelopeStatus,
    EventType,
    InboundEnvelope,
    Message,
    MessageStatus,
)
from tests.factories import sign_in

AUTH_TOKEN = "twilio-test-auth-token"
EMAIL_SECRET = "email-webhook-test-secret"
CRISIS = "I am going to kill myself tonight."


@pytest.fixture(autouse=True)
def _provider_secrets(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.EMAIL_WEBHOOK_SECRET = EMAIL_SECRET
    settings.TWILIO_WEBHOOK_BASE_URL = ""


@pytest.fixture
def messages_refused(db):
    """The database refuses every new message until the returned function lifts it."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER test_refuse_messages BEFORE INSERT ON messaging_message "
                "BEGIN SELECT RAISE(ABORT, 'messages refused'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION test_refuse_messages() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'messages refused'; END $$ LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER test_refuse_messages BEFORE INSERT ON messaging_message "
                "FOR EACH ROW EXECUTE FUNCTION test_refuse_messages()"
            )

    def lift():
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("DROP TRIGGER test_refuse_messages")
            else:
                cursor.execute("DROP TRIGGER test_refuse_messages ON messaging_message")
                cursor.execute("DROP FUNCTION test_refuse_messages()")

    return lift


def signed_sms(client, params):
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(reverse("sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def post_email(client, payload):
    return client.post(
        reverse("email_inbound"),
        json.dumps(payload),
        content_type="application/json",
        HTTP_X_WEBHOOK_SECRET=EMAIL_SECRET,
    )


def email(text, **overrides):
    return {
        "from": "someone@elsewhere.test",
        "to": "messages@harbour.test",
        "subject": "",
        "text": text,
        "message_id": "<m1@mail.example>",
        **overrides,
    }


def sweep_later(time_machine, seconds):
    time_machine.move_to(timezone.now() + timedelta(seconds=seconds))
    return tasks.envelopes_sweep()


def inbound():
    return Message.objects.filter(direction=Direction.INBOUND)


# --- stored first --------------------------------------------------------------------------


def test_portal_message_is_stored_raw_then_processed_into_one_message(client, world):
    sign_in(client, world.client)
    response = client.post(
        reverse("message_compose"),
        {"emergency": "no", "purpose": "logistics", "body": "Can we move Tuesday?"},
    )
    assert response.status_code == 302
    envelope = InboundEnvelope.objects.get()
    assert envelope.status == EnvelopeStatus.PROCESSED and envelope.attempts == 1
    assert envelope.message == inbound().get()
    assert envelope.channel == "portal" and envelope.submitted_by == world.client
    assert envelope.practice == world.practice
    assert envelope.raw["fields"] == {
        "emergency": ["no"],
        "purpose": ["logistics"],
        "body": ["Can we move Tuesday?"],
    }
    assert envelope.changes == []
    # Encrypted at rest: the column holds a token, not the words.
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw FROM messaging_inboundenvelope WHERE id = %s", [envelope.pk])
        (stored,) = cursor.fetchone()
    assert stored.startswith("gAAAAA") and "Tuesday" not in stored
    # Processing it again (a sweeper's late retry) makes no second message.
    again = envelopes.envelope_process(envelope_id=envelope.pk)
    assert again.message == envelope.message and again.duplicate
    assert inbound().count() == 1


def test_a_refused_form_is_still_kept_and_marked_refused(client, world):
    sign_in(client, world.client)
    response = client.post(reverse("message_compose"), {"purpose": "logistics", "body": "  "})
    assert response.status_code == 200 and response.context["form"].errors
    envelope = InboundEnvelope.objects.get()
    assert envelope.status == EnvelopeStatus.REFUSED and envelope.refusal == "invalid_form"
    assert not inbound().exists()
    assert envelopes.envelope_process(envelope_id=envelope.pk) is None


# --- processing fails: kept, answered safely, visible, retried -------------------------------


def test_portal_failure_answers_with_help_alerts_staff_and_the_sweeper_recovers(
    client, world, messages_refused, time_machine
):
    sign_in(client, world.client)
    response = client.post(
        reverse("message_compose"),
        {"emergency": "no", "purpose": "logistics", "body": f"Hello. {CRISIS}"},
    )
    page = response.content.decode()
    assert response.status_code == 202
    assert "911" in page and "988" in page and "We have your message" in page
    envelope = InboundEnvelope.objects.get()
    assert envelope.status == EnvelopeStatus.FAILED and envelope.attempts == 1
    # The exception type only (the database refused), never the text.
    assert envelope.last_error in ("IntegrityError", "InternalError", "ProgrammingError")
    assert envelope.next_attempt_at > timezone.now()
    assert not inbound().exists()

    event = ContactEvent.objects.get(event_type=EventType.INTAKE_FAILED)
    assert event.practice == world.practice and event.details["envelope"] == envelope.pk
    assert "kill" not in event.summary and "kill" not in json.dumps(event.details)

    sign_in(client, world.admin)
    banner = client.get(reverse("contact_log")).content.decode()
    assert 'data-testid="intake-alert"' in banner and "1 inbound message could not" in banner

    # Not yet due: the sweeper leaves it; still refused: it fails again, backing off.
    assert tasks.envelopes_sweep() == 0
    assert sweep_later(time_machine, 11) == 0
    envelope.refresh_from_db()
    assert envelope.attempts == 2 and envelope.status == EnvelopeStatus.FAILED
    assert envelope.next_attempt_at - timezone.now() >= timedelta(seconds=19)
    assert ContactEvent.objects.filter(event_type=EventType.INTAKE_FAILED).count() == 1

    messages_refused()
    assert sweep_later(time_machine, 21) == 1
    envelope.refresh_from_db()
    message = inbound().get()
    assert envelope.status == EnvelopeStatus.PROCESSED and envelope.message == message
    assert message.status == MessageStatus.ESCALATED
    assert message.received_at == envelope.received_at
    assert sweep_later(time_machine, 3600) == 0
    assert inbound().count() == 1
    banner = client.get(reverse("contact_log")).content.decode()
    assert 'data-testid="intake-alert"' not in banner


def test_api_failure_is_202_with_the_envelope_and_crisis_help(client, world, messages_refused):
    from agreements.tokens import api_token_create

    raw = api_token_create(user=world.client.user, name="Phone")[1]
    response = client.post(
        "/api/v1/messages",
        {"body": CRISIS, "purpose": "clinical", "emergency": False},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 202, response.content
    data = response.json()
    envelope = InboundEnvelope.objects.get(pk=data["envelope"])
    assert data["status"] == "kept" and "988" in data["crisis_help"]
    assert envelope.status == EnvelopeStatus.FAILED and envelope.channel == "api"


def test_sms_failure_is_still_twiml_with_help(client, world, messages_refused):
    response = signed_sms(
        client, {"From": "+15550001111", "To": "+15550009000", "Body": CRISIS, "MessageSid": "SMf1"}
    )
    body = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert "<Message>" in body and "988" in body
    assert InboundEnvelope.objects.get().status == EnvelopeStatus.FAILED


def test_email_failure_is_202(client, world, messages_refused):
    response = post_email(client, email(CRISIS))
    assert response.status_code == 202
    assert response.json()["envelope"] == InboundEnvelope.objects.get().pk


def test_console_failure_tells_the_operator_to_escalate_by_hand(client, world, messages_refused):
    sign_in(client, world.operator)
    response = client.post(
        reverse("operator_console"),
        {"emergency": "yes", "purpose": "", "caller_phone": "+15550101010", "body": CRISIS},
    )
    page = response.content.decode()
    assert response.status_code == 202
    assert "contact the on-call clinician yourself now" in page and "988" in page
    envelope = InboundEnvelope.objects.get()
    assert envelope.channel == "console" and envelope.submitted_by == world.operator


def test_sms_with_no_practice_yet_is_kept_and_filed_once_one_exists(client, db, time_machine):
    response = signed_sms(
        client, {"From": "+15550001111", "To": "+15550009000", "Body": CRISIS, "MessageSid": "SMn1"}
    )
    assert response.status_code == 200
    assert "911" in response.content.decode()  # the help given where no practice is known
    envelope = InboundEnvelope.objects.get()
    assert envelope.status == EnvelopeStatus.QUARANTINED and envelope.practice is None

    practice = agreement_services.practice_create(name="Harbour Therapy", country="US")
    # A new practice is not a guess either: the envelope waits to be filed.
    assert sweep_later(time_machine, 11) == 0
    root = User.objects.create_superuser(email="root@example.test", password="x", name="Root")
    assert envelopes.envelope_quarantine_assign(envelope_id=envelope.pk, practice=practice, by=root)
    message = inbound().get()
    assert message.practice == practice and message.status == MessageStatus.ESCALATED
    assert message.provider_message_id == "SMn1"


def test_a_live_claim_is_left_alone(client, world):
    sign_in(client, world.client)
    client.post(
        reverse("message_compose"), {"emergency": "no", "purpose": "logistics", "body": "hi"}
    )
    envelope = InboundEnvelope.objects.get()
    # As if another process were still working on it under its lease.
    InboundEnvelope.objects.filter(pk=envelope.pk).update(
        status=EnvelopeStatus.PROCESSING,
        message=None,
        next_attempt_at=timezone.now() + timedelta(seconds=60),
    )
    assert envelopes.envelope_process(envelope_id=envelope.pk) is None
    assert envelopes.envelopes_sweep() == 0
    # Once the lease lapses (the process died), it needs attention, is logged, and the sweeper
    # takes it up again.
    later = timezone.now() + timedelta(seconds=61)
    assert envelopes_needing_attention_count(practice=world.practice, now=later) == 1
    assert envelopes.envelopes_sweep(now=later) == 1
    envelope.refresh_from_db()
    assert envelope.status == EnvelopeStatus.PROCESSED and envelope.attempts == 2
    assert envelope.last_error == ""
    event = ContactEvent.objects.get(event_type=EventType.INTAKE_FAILED)
    assert event.details["error"] == "ProcessingInterrupted"
    assert envelopes_needing_attention_count(practice=world.practice, now=later) == 0


# --- normalisation and length ----------------------------------------------------------------


def test_nul_and_an_over_long_sender_are_handled_and_recorded(client, world):
    sender = "+1555" + "0" * 300
    response = signed_sms(
        client,
        {
            "From": sender,
            "To": "+15550009000",
            "Body": "can I\x00 book friday",
            "MessageSid": "SMl1",
        },
    )
    assert response.status_code == 200
    message = inbound().get()
    assert message.body == "can I book friday"
    assert message.sender_address == sender[: limits.SENDER_ADDRESS_MAX_CHARS]
    envelope = InboundEnvelope.objects.get()
    assert envelope.raw["fields"]["From"] == [sender]
    assert envelope.raw["fields"]["Body"] == ["can I\x00 book friday"]
    assert envelope.changes == [
        {"field": "Body", "change": "nul_removed"},
        {"field": "sender_address", "change": "shortened_from_305_to_254_chars"},
    ]


def test_a_long_email_is_triaged_whole(client, world):
    # Far past the old 20,000-character cut: a body at the documented limit, the crisis at its
    # very end, is stored whole and escalates.
    filler = "Some thoughts about my week and the weather, nothing much. "
    filler = (filler * (limits.MESSAGE_BODY_MAX_CHARS // len(filler) + 1))[
        : limits.MESSAGE_BODY_MAX_CHARS - len(CRISIS)
    ]
    assert len(filler + CRISIS) == limits.MESSAGE_BODY_MAX_CHARS
    response = post_email(client, email(filler + CRISIS))
    assert response.status_code == 201
    assert response.json()["disposition"] == "escalate"
    assert inbound().get().body == filler + CRISIS


def test_over_the_limit_the_sender_is_told_and_the_whole_text_is_kept(client, world, monkeypatch):
    # A lower limit, so the test stays fast; the behaviour is the same at 1,000,000.
    monkeypatch.setattr(limits, "MESSAGE_BODY_MAX_CHARS", 30_000)
    text = "Could you resend the invoice please?" * 1000  # 36,000 characters
    response = post_email(client, email(text))
    assert response.status_code == 201
    message = inbound().get()
    assert message.body == text[:30_000]
    reply = message.replies.get(is_automatic=True).body
    assert "too long to read whole (36,000 characters): the first 30,000" in reply
    envelope = InboundEnvelope.objects.get()
    assert json.loads(envelope.raw["text"])["text"] == text
    assert {"field": "body", "change": "shortened_from_36000_to_30000_chars"} in envelope.changes
    received = ContactEvent.objects.get(event_type=EventType.MESSAGE_RECEIVED)
    assert received.details["body_cut_from"] == 36_000
