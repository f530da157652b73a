"""The one place that writes the contact log."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from messaging.models import ContactEvent, EventType


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
    details: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> ContactEvent:
    """Append one event. The caller holds the transaction of the change being recorded."""
    if not transaction.get_connection().in_atomic_block:
        raise ContactLogOutsideTransaction(
            f"{event_type} must be recorded inside the transaction that makes the change"
        )
    return ContactEvent.objects.create(
        practice=practice,
        event_type=event_type,
        summary=summary[:300],
        actor=actor,
        client=client,
        agreement=agreement,
        message=message,
        details=details or {},
        occurred_at=occurred_at or timezone.now(),
    )
