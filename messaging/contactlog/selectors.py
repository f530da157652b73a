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
from messaging.contactlog import chain
from messaging.models import ContactEvent, ContactLogChain, Direction, Message

PAGE_SIZE = 50
# How many events past the stored checkpoint the dashboard verifies on one request.
CHAIN_WINDOW = 1000
CHAIN_COLUMNS = ("id", "previous_hash", "hash", *chain.FIELDS)


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


def events_for_escalation_messages(message_ids: list[int]) -> QuerySet[ContactEvent]:
    """What happened to an escalation's messages (the first and those that joined it), oldest
    first."""
    return ContactEvent.objects.filter(message_id__in=message_ids).order_by("occurred_at", "pk")


def outbound_reply_count(message: Message) -> int:
    """How many replies went out; an admin sees the number, not the replies."""
    return message.replies.filter(direction=Direction.OUTBOUND).count()


# The hash chain ---------------------------------------------------------------------------------


def chain_head(*, practice_id: int) -> ContactLogChain | None:
    return ContactLogChain.objects.filter(practice_id=practice_id).first()


def chain_events(*, practice_id: int, after: int = 0, upto: int | None = None):
    """A practice's events as the chain hashes them, in chain order (the unique index)."""
    events = ContactEvent.objects.filter(practice_id=practice_id, sequence__gt=after)
    if upto is not None:
        events = events.filter(sequence__lte=upto)
    return events.order_by("sequence").values(*CHAIN_COLUMNS)


def chain_practice_ids() -> list[int]:
    """Every practice with a chain or with events (a chain's head row may be what was lost)."""
    with_events = ContactEvent.objects.values_list("practice_id", flat=True).distinct()
    with_head = ContactLogChain.objects.values_list("practice_id", flat=True)
    return sorted(set(with_events) | set(with_head))


@dataclass(frozen=True)
class ChainStatus:
    """What the dashboard says about a practice's log: verified from the first event up to
    ``verified``, ``unverified`` newer ones not checked yet, or broken at ``broken``."""

    head_sequence: int
    verified: int
    unverified: int
    broken: chain.Break | None
    checkpoint_at: datetime | None

    @property
    def is_empty(self) -> bool:
        return self.head_sequence == 0 and self.broken is None


def chain_status(*, practice_id: int, window: int = CHAIN_WINDOW) -> ChainStatus:
    """The stored checkpoint and at most ``window`` events after it: two queries however long
    the log (one when a break is already on record)."""
    head = chain_head(practice_id=practice_id)
    if head is None:
        return ChainStatus(0, 0, 0, None, None)
    if head.broken_at_sequence is not None:
        broken = chain.Break(head.broken_at_sequence, head.broken_event_id, head.broken_reason)
        return ChainStatus(head.sequence, head.verified_sequence, 0, broken, head.verified_at)
    # Events up to the head read above are all committed (the head moves in the same
    # transaction as its event); later ones are left for the next look.
    upto = min(head.sequence, head.verified_sequence + window)
    result = chain.verify(
        chain_events(practice_id=practice_id, after=head.verified_sequence, upto=upto),
        after_sequence=head.verified_sequence,
        after_hash=head.verified_hash,
    )
    broken = result.broken
    if broken is None and result.sequence < upto:
        broken = chain.Break(result.sequence + 1, None, f"event {result.sequence + 1} is missing")
    return ChainStatus(
        head_sequence=head.sequence,
        verified=result.sequence,
        unverified=0 if broken else head.sequence - result.sequence,
        broken=broken,
        checkpoint_at=head.verified_at,
    )
