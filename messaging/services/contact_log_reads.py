"""Reads that are themselves recorded: an admin opening a body, an export of the log."""

from django.db import transaction

from agreements.models import Membership, User
from messaging.models import EventType, Message
from messaging.services.contact_log import contact_event_record


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
