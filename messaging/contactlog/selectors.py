"""Reading the contact log: who may see which rows, the review filters, keyset pages, CSV.

Admins see their practice's metadata (never bodies, which need a break-glass reason);
therapists see their own clients' rows; clients see their own history. Pages are keyset pages
on (occurred_at, id), so a page costs the same on row 10 and on row 1,000,000, and there is no
COUNT over the whole table.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Q, QuerySet

from agreements.models import Membership
from messaging.models import ContactEvent, Direction, Message

PAGE_SIZE = 50


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class LogFilters:
    therapist: Membership | None = None
    client: Membership | None = None
    channel: str = ""
    category: str = ""
    disposition: str = ""
    event_type: str = ""
    start: datetime | None = None
    end: datetime | None = None


def filtered_events(events: QuerySet[ContactEvent], filters: LogFilters) -> QuerySet[ContactEvent]:
    if filters.therapist is not None:
        events = events.filter(therapist=filters.therapist)
    if filters.client is not None:
        events = events.filter(client=filters.client)
    for field in ("channel", "category", "disposition", "event_type"):
        value = getattr(filters, field)
        if value:
            events = events.filter(**{field: value})
    if filters.start is not None:
        events = events.filter(occurred_at__gte=filters.start)
    if filters.end is not None:
        events = events.filter(occurred_at__lt=filters.end)
    return events


@dataclass(frozen=True)
class Cursor:
    occurred_at: datetime
    pk: int

    def encode(self) -> str:
        # Microseconds since the epoch: URL-safe, exact, no time zone to lose.
        delta = self.occurred_at - EPOCH
        micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
        return f"{micros}_{self.pk}"

    @classmethod
    def decode(cls, raw: str) -> "Cursor | None":
        micros, _, pk = (raw or "").partition("_")
        if not (micros.lstrip("-").isdigit() and pk.isdigit()):
            return None
        try:
            occurred_at = EPOCH + timedelta(microseconds=int(micros))
        except OverflowError:
            return None
        return cls(occurred_at, int(pk))


@dataclass(frozen=True)
class LogPage:
    rows: list[ContactEvent]
    older: Cursor | None
    is_first: bool


def log_page(events: QuerySet[ContactEvent], *, before: Cursor | None) -> LogPage:
    """Newest first, PAGE_SIZE rows older than ``before``; one query."""
    query = events
    if before is not None:
        query = query.filter(
            Q(occurred_at__lt=before.occurred_at)
            | Q(occurred_at=before.occurred_at, pk__lt=before.pk)
        )
    rows = list(
        query.select_related(
            "actor", "client__user", "therapist__user", "message__escalation"
        ).order_by("-occurred_at", "-pk")[: PAGE_SIZE + 1]
    )
    older = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        older = Cursor(rows[-1].occurred_at, rows[-1].pk)
    return LogPage(rows=rows, older=older, is_first=before is None)


def events_for_export(events: QuerySet[ContactEvent]):
    """Rows for the CSV, streamed from the database in chunks (constant memory)."""
    return (
        events.select_related("actor", "client__user", "therapist__user")
        .order_by("-occurred_at", "-pk")
        .iterator(chunk_size=2000)
    )


def events_for_message(message: Message) -> QuerySet[ContactEvent]:
    """What happened to one message, oldest first."""
    return ContactEvent.objects.filter(message=message).order_by("occurred_at", "pk")


def outbound_reply_count(message: Message) -> int:
    """How many replies went out; an admin sees the number, not the replies."""
    return message.replies.filter(direction=Direction.OUTBOUND).count()
