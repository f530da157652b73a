"""Sending outbound messages on their channel, after the transaction that created them commits.

Portal messages are shown in the app. An auto-reply to an inbound SMS goes back in the webhook's
own TwiML response, and one to a phone call is read out by the operator, so neither needs a
provider call. Email goes through Django's mail; other SMS through Twilio when it is configured.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from agreements.models import Channel
from messaging.models import Direction, EventType, Message, MessageStatus
from messaging.services.contact_log import contact_event_record

logger = logging.getLogger(__name__)


def outbound_deliver_on_commit(message: Message) -> None:
    if message.channel == Channel.PORTAL:
        return
    if message.is_automatic and message.channel in (Channel.SMS, Channel.PHONE):
        return
    transaction.on_commit(lambda: outbound_deliver(message.pk))


def automatic_message_record(
    *, to: Message, text: str, now: datetime, summary: str, includes_crisis_help: bool
) -> Message:
    """Write an automatic message to the client on the channel ``to`` came by, and log it.

    Used for the auto-reply to every inbound message and for the updates an escalation sends;
    how it leaves the app (returned in TwiML, read out, emailed, paged) is up to the caller.
    """
    outbound = Message.objects.create(
        practice=to.practice,
        client=to.client,
        therapist=to.therapist,
        channel=to.channel,
        direction=Direction.OUTBOUND,
        body=text,
        sender_address=to.sender_address,
        received_at=now,
        status=MessageStatus.SENT,
        is_automatic=True,
        in_reply_to=to,
    )
    contact_event_record(
        practice=to.practice,
        event_type=EventType.AUTO_REPLY_SENT,
        client=to.client,
        message=outbound,
        summary=summary,
        details={"in_reply_to": to.pk, "includes_crisis_help": includes_crisis_help},
        occurred_at=now,
    )
    return outbound


def recipient_address(message: Message) -> str:
    """Where a message to the client goes on its channel: their email or phone, else the
    address an unknown sender wrote from."""
    if message.client_id is None:
        return message.sender_address
    if message.channel == Channel.EMAIL:
        return message.client.user.email
    return message.client.user.phone or message.sender_address


def outbound_deliver(message_id: int) -> None:
    message = Message.objects.select_related("client__user", "practice").get(pk=message_id)
    address = recipient_address(message)
    try:
        if not address:
            raise DeliveryError("no address on file for this channel")
        if message.channel == Channel.EMAIL:
            send_mail(
                subject=f"Message from {message.practice.name}",
                message=message.body,
                from_email=None,
                recipient_list=[address],
            )
        else:
            _send_sms(address, message.body)
    except Exception as error:  # noqa: BLE001 - any provider failure is recorded
        logger.warning("outbound message %s not delivered: %s", message.pk, type(error).__name__)
        _delivery_failed(
            message, str(error) if isinstance(error, DeliveryError) else "provider error"
        )


class DeliveryError(Exception):
    pass


def _send_sms(to: str, body: str) -> None:
    if not (
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    ):
        raise DeliveryError("SMS provider is not configured")
    from twilio.rest import Client

    Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN).messages.create(
        to=to, from_=settings.TWILIO_FROM_NUMBER, body=body
    )


def _delivery_failed(message: Message, why: str) -> None:
    with transaction.atomic():
        Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
        contact_event_record(
            practice=message.practice,
            event_type=EventType.DELIVERY_FAILED,
            client=message.client,
            message=message,
            summary=f"{message.get_channel_display()} message not delivered: {why}",
            details={"reason": why},
        )
