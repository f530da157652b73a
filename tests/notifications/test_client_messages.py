"""Messages to clients leave as notifications: auto-replies and clinicians' replies are rows sent
by the same leased, retried, idempotent sender as pages, and the message says whether it got
there."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.db import connection
from django.urls import reverse
from twilio.request_validator import RequestValidator

from contactpolicy import crypto
from messaging.inbox.services import message_reply
from messaging.models import ContactEvent, EventType, Message, MessageStatus
from messaging.notifications.models import (
    ContactMethodKind,
    Notification,
    NotificationPurpose,
    NotificationStatus,
)
from messaging.notifications.services import (
    MAX_ATTEMPTS,
    automatic_message_record,
    client_message_notify,
    notification_send,
    notification_status_update,
    retry_delay,
)
from tests.factories import TUESDAY_10AM, receive
from tests.notifications.twilio_stub import AUTH_TOKEN

CLIENT_PHONE = "+15550102030"
REPLY_AT = TUESDAY_10AM + timedelta(hours=1)


class FlakyEmailBackend(LocmemEmailBackend):
    """Django's locmem backend behind a mail server that drops the first ``failures`` sends."""

    failures = 0

    def send_messages(self, email_messages):
        if FlakyEmailBackend.failures:
            FlakyEmailBackend.failures -= 1
            raise smtplib.SMTPServerDisconnected("connection unexpectedly closed")
        return super().send_messages(email_messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyEmailBackend"
    FlakyEmailBackend.failures = 0
    yield FlakyEmailBackend
    FlakyEmailBackend.failures = 0


@pytest.fixture
def client_phone(world):
    world.client.user.phone = CLIENT_PHONE
    world.client.user.save(update_fields=["phone"])


def email_reply(world, body="It's $120."):
    received = receive(
        world, "what's the invoice total", channel="email", declared_purpose="logistics"
    )
    return message_reply(message=received.message, by=world.therapist.user, body=body, now=REPLY_AT)


def sms_reply(world, body="See you Thursday at 3."):
    received = receive(world, "can we move thursday", channel="sms", declared_purpose="logistics")
    return message_reply(message=received.message, by=world.therapist.user, body=body, now=REPLY_AT)


def only_notification(message: Message) -> Notification:
    [notification] = message.notifications.all()
    return notification


def events(event_type, message: Message) -> list[ContactEvent]:
    return list(ContactEvent.objects.filter(event_type=event_type, message=message))


def test_an_email_auto_reply_is_a_notification_sent_by_the_sender(world):
    received = receive(
        world, "what's the invoice total", channel="email", declared_purpose="logistics"
    )
    auto_reply = received.auto_reply
    notification = only_notification(auto_reply)
    assert notification.purpose == NotificationPurpose.AUTO_REPLY
    assert notification.channel == ContactMethodKind.EMAIL
    assert notification.address == world.client.user.email
    assert notification.recipient == world.client.user
    assert notification.subject == f"Message from {world.practice.name}"
    assert notification.body == auto_reply.body
    assert notification.status == NotificationStatus.PENDING
    assert mail.outbox == []  # nothing leaves from the web request

    notification = notification_send(notification_id=notification.pk, now=TUESDAY_10AM)

    assert notification.status == NotificationStatus.SENT
    [email] = mail.outbox
    assert email.to == [world.client.user.email] and email.body == auto_reply.body
    assert email.subject == f"Message from {world.practice.name}"
    [sent] = events(EventType.NOTIFICATION_SENT, auto_reply)
    assert sent.summary == f"Auto-reply by Email to {world.client.user} sent (attempt 1)"
    assert sent.client == world.client


def test_a_clinicians_sms_reply_goes_through_twilio(world, twilio, client_phone):
    reply = sms_reply(world)
    notification = only_notification(reply)
    assert (notification.purpose, notification.channel) == ("reply", "sms")
    assert notification.address == CLIENT_PHONE
    assert twilio.requests == []

    notification_send(notification_id=notification.pk, now=REPLY_AT)

    [request] = twilio.requests
    assert request["data"]["To"] == CLIENT_PHONE
    assert request["data"]["Body"] == "See you Thursday at 3."
    [sent] = events(EventType.NOTIFICATION_SENT, reply)
    assert sent.summary == (
        f"Clinician's reply by Text message to {world.client.user} sent (attempt 1)"
    )
    reply.refresh_from_db()
    assert reply.status == MessageStatus.SENT


def test_a_reply_is_written_once_and_sent_once(world, django_capture_on_commit_callbacks):
    received = receive(world, "what's the invoice total", channel="email")
    with django_capture_on_commit_callbacks() as enqueued:
        reply = message_reply(
            message=received.message, by=world.therapist.user, body="It's $120.", now=REPLY_AT
        )
    assert len(enqueued) == 1  # its notification, queued when the reply commits
    first = only_notification(reply)
    again = client_message_notify(message=reply, now=REPLY_AT, purpose=NotificationPurpose.REPLY)
    assert again == first and reply.notifications.count() == 1

    for _ in range(2):
        notification_send(notification_id=first.pk, now=REPLY_AT)

    assert [email.body for email in mail.outbox] == ["It's $120."]
    first.refresh_from_db()
    assert first.attempts == 1 and first.status == NotificationStatus.SENT
    assert len(events(EventType.NOTIFICATION_SENT, reply)) == 1


def test_a_mail_server_failure_is_retried_with_backoff_then_sent(world, flaky_mail):
    reply = email_reply(world)
    notification = only_notification(reply)
    flaky_mail.failures = 2

    notification = notification_send(notification_id=notification.pk, now=REPLY_AT)
    assert notification.status == NotificationStatus.PENDING
    assert notification.last_error == "mail server error (SMTPServerDisconnected)"
    assert notification.next_attempt_at == REPLY_AT + retry_delay(1)

    # Not due yet: nothing is tried.
    early = REPLY_AT + retry_delay(1) - timedelta(seconds=1)
    assert notification_send(notification_id=notification.pk, now=early).attempts == 1

    second = REPLY_AT + retry_delay(1)
    notification = notification_send(notification_id=notification.pk, now=second)
    assert notification.attempts == 2 and notification.next_attempt_at == second + retry_delay(2)

    notification = notification_send(notification_id=notification.pk, now=second + retry_delay(2))
    assert notification.status == NotificationStatus.SENT and notification.attempts == 3
    assert [email.body for email in mail.outbox] == ["It's $120."]
    reply.refresh_from_db()
    assert reply.status == MessageStatus.SENT
    assert not events(EventType.DELIVERY_FAILED, reply)


def test_a_twilio_outage_is_retried_then_sent(world, twilio, client_phone):
    reply = sms_reply(world)
    notification = only_notification(reply)
    twilio.replies = [(503, {"code": 20503, "message": "Service unavailable"})]

    notification = notification_send(notification_id=notification.pk, now=REPLY_AT)
    assert notification.status == NotificationStatus.PENDING
    assert notification.last_error == "Twilio HTTP 503 error 20503"

    retry_at = notification.next_attempt_at
    assert retry_at == REPLY_AT + retry_delay(1)
    notification = notification_send(notification_id=notification.pk, now=retry_at)
    assert notification.status == NotificationStatus.SENT
    assert len(twilio.requests) == 2


def test_a_refused_number_marks_the_reply_not_delivered(world, twilio, client_phone):
    reply = sms_reply(world)
    notification = only_notification(reply)
    twilio.replies = [(400, {"code": 21211, "message": "Invalid 'To' Phone Number"})]

    notification = notification_send(notification_id=notification.pk, now=REPLY_AT)

    assert notification.status == NotificationStatus.FAILED
    reply.refresh_from_db()
    assert reply.status == MessageStatus.FAILED
    [failed] = events(EventType.DELIVERY_FAILED, reply)
    assert failed.summary == (
        "Text message (SMS) to the client not delivered: Twilio HTTP 400 error 21211"
    )
    assert failed.client == world.client and failed.details["notification"] == notification.pk
    [notification_failed] = events(EventType.NOTIFICATION_FAILED, reply)
    assert notification_failed.summary == (
        f"Clinician's reply by Text message to {world.client.user} failed: "
        "Twilio HTTP 400 error 21211"
    )


def test_giving_up_after_the_last_attempt_marks_the_message_not_delivered(world, flaky_mail):
    reply = email_reply(world)
    notification = only_notification(reply)
    flaky_mail.failures = MAX_ATTEMPTS
    now = REPLY_AT
    for _ in range(MAX_ATTEMPTS):
        notification = notification_send(notification_id=notification.pk, now=now)
        now = notification.next_attempt_at
    assert notification.status == NotificationStatus.FAILED
    assert mail.outbox == []
    reply.refresh_from_db()
    assert reply.status == MessageStatus.FAILED
    assert len(events(EventType.DELIVERY_FAILED, reply)) == 1


def test_the_providers_not_delivered_marks_the_message_not_delivered(world, twilio, client_phone):
    reply = sms_reply(world)
    notification = notification_send(notification_id=only_notification(reply).pk, now=REPLY_AT)
    assert notification.status == NotificationStatus.SENT

    notification_status_update(
        provider_id=notification.provider_id, status=NotificationStatus.FAILED, now=REPLY_AT
    )

    reply.refresh_from_db()
    assert reply.status == MessageStatus.FAILED
    [failed] = events(EventType.DELIVERY_FAILED, reply)
    assert failed.details["reason"] == "the provider could not deliver it"


def signed_sms(client, params):
    url = "http://testserver" + reverse("sms_inbound")
    signature = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    return client.post(reverse("sms_inbound"), params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_an_sms_auto_reply_comes_back_in_twiml_and_writes_no_notification(
    client, world, twilio, client_phone
):
    response = signed_sms(
        client,
        {"From": CLIENT_PHONE, "To": "+15550009000", "Body": "running late", "MessageSid": "SM1"},
    )
    assert response.status_code == 200
    message = Message.objects.get(provider_message_id="SM1")
    [auto_reply] = message.replies.all()
    assert f"<Message>{auto_reply.body}</Message>" in response.content.decode()
    assert not Notification.objects.exists()
    assert twilio.requests == []


@pytest.mark.parametrize("channel", ["portal", "phone"])
def test_portal_and_phone_auto_replies_write_no_notification(world, channel):
    received = receive(world, "can we move thursday", channel=channel, declared_purpose="logistics")
    assert received.auto_reply is not None
    assert not Notification.objects.exists()


def test_a_clinicians_answer_to_a_call_goes_by_text(world, client_phone):
    received = receive(world, "please call me back", channel="phone", declared_purpose="logistics")
    reply = message_reply(
        message=received.message, by=world.therapist.user, body="Calling at 4.", now=REPLY_AT
    )
    notification = only_notification(reply)
    assert (notification.channel, notification.address) == ("sms", CLIENT_PHONE)


def test_a_portal_reply_writes_no_notification(world):
    received = receive(world, "can we move thursday", declared_purpose="logistics")
    message_reply(message=received.message, by=world.therapist.user, body="Yes.", now=REPLY_AT)
    assert not Notification.objects.exists()


def test_an_automatic_update_by_sms_is_sent_where_an_auto_reply_is_not(world, client_phone):
    received = receive(world, "running late", channel="sms", declared_purpose="logistics")
    update = automatic_message_record(
        to=received.message,
        text="We're reaching your therapist now.",
        now=REPLY_AT,
        summary="Update",
        includes_crisis_help=False,
    )
    assert (
        client_message_notify(message=update, now=REPLY_AT, purpose=NotificationPurpose.AUTO_REPLY)
        is None
    )
    notification = client_message_notify(
        message=update,
        now=REPLY_AT,
        purpose=NotificationPurpose.CLIENT_UPDATE,
        idempotency_key="update:1",
    )
    assert notification.message == update and notification.channel == "sms"
    assert notification.subject == f"Update from {world.practice.name}"


def test_only_an_outbound_message_goes_to_the_client(world):
    received = receive(world, "what's the invoice total", channel="email")
    with pytest.raises(ValueError, match="outbound"):
        client_message_notify(
            message=received.message, now=REPLY_AT, purpose=NotificationPurpose.REPLY
        )


def test_a_reply_is_encrypted_at_rest_in_its_notification(world):
    reply = email_reply(world, body="Your invoice for October is $120, zebra-orchid.")
    notification = only_notification(reply)
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_notification WHERE id = %s", [notification.pk])
        [stored] = cursor.fetchone()
    assert crypto.looks_like_token(stored) and "zebra" not in stored
    assert Notification.objects.get(pk=notification.pk).body == reply.body
