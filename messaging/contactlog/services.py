"""The one place that writes the contact log."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from agreements.models import Membership, User
from messaging.models import ContactEvent, EventType, Message


class ContactLogOutsideTransaction(RuntimeError):
    """A log row must be written in the same transaction as the change it records."""


def contact_event_record(
    *,
    practice,
    event_type: EventType,
    summary: str,
    actor=None,
    client=None,
    agreement=None,
    message=None,
    therapist=None,
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> ContactEvent:
    """Append one event. The caller holds the transaction of the change being recorded.

    Channel, category, disposition and therapist are copied from the message (and its current
    decision) or the agreement, so the review page can filter without joins.
    """
    if not transaction.get_connection().in_atomic_block:
        raise ContactLogOutsideTransaction(
            f"{event_type} must be recorded inside the transaction that makes the change"
        )
    channel = category = disposition = ""
    if message is not None:
        channel = message.channel
        decision = message.current_decision if message.current_decision_id else None
        if decision is None and message.in_reply_to_id:
            parent = message.in_reply_to
            decision = parent.current_decision if parent.current_decision_id else None
        if decision is not None:
            category, disposition = decision.category, decision.disposition
        therapist = therapist or message.therapist
        client = client or message.client
    if therapist is None and agreement is not None:
        therapist = agreement.therapist
    if therapist is None and client is not None:
        therapist = client.therapist
    return ContactEvent.objects.create(
        practice=practice,
        event_type=event_type,
        summary=summary[:300],
        actor=actor,
        client=client,
        agreement=agreement,
        message=message,
        therapist=therapist,
        channel=channel,
        category=category,
        disposition=disposition,
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )


def message_body_break_glass(*, message: Message, by: User, reason: str) -> None:
    """An admin reads a body: the reason is logged before the body is shown."""
    reason = reason.strip()
    if len(reason) < 10:
        raise ValueError("A break-glass reason needs at least 10 characters.")
    with transaction.atomic():
        contact_event_record(
            practice=message.practice,
            event_type=EventType.BODY_BREAK_GLASS,
            actor=by,
            message=message,
            summary=f"{by} opened a message body: {reason}"[:300],
            details={"reason": reason, "message": message.pk},
        )


def log_exported(*, viewer: Membership, by: User, query: str) -> None:
    with transaction.atomic():
        contact_event_record(
            practice=viewer.practice,
            event_type=EventType.LOG_EXPORTED,
            actor=by,
            summary=f"{by} exported the contact log as CSV",
            details={"filters": query},
        )
