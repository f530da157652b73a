"""What a practice admin needs to see whether the agreements are being kept.

Selectors only: every number is counted by the database (``annotate``/``aggregate``), one to
three queries a section and thirteen in all (two for the log chain: its checkpoint and a capped
window of events after it), so the dashboard costs the same for ten messages or a
million. Local hours and weeks are computed in the practice's time zone (``tzinfo=``).

Metadata only. Nothing here selects a message body — the queries name their columns
(``values()``) and never load a ``Message`` row.
"""

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import ExtractHour, TruncWeek

from agreements.models import AgreementStatus, ContactAgreement, Membership, Practice, Role
from agreements.selectors import review_due_cutoff
from messaging.contactlog.selectors import ChainStatus, chain_status
from messaging.models import (
    ContactEvent,
    Direction,
    Disposition,
    Escalation,
    EscalationState,
    EventType,
    Message,
    Purpose,
)

PERIOD_CHOICES = (7, 30, 90)
DEFAULT_PERIOD_DAYS = 30
LATEST_ESCALATIONS = 10
BREAK_GLASS_LIMIT = 50

# Most severe first, as everywhere else; "not triaged" only shows up if a message has no decision.
CATEGORY_ORDER = (Purpose.CRISIS, Purpose.URGENT, Purpose.CLINICAL, Purpose.LOGISTICS)
NOT_TRIAGED = "Not triaged"


# The period --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole local days, ``first`` to ``last`` inclusive, in the practice's time zone."""

    first: date
    last: date
    zone: ZoneInfo
    days_choice: int | None = None  # 7/30/90 when chosen from the presets

    @classmethod
    def last_days(cls, days: int, *, zone: ZoneInfo, today: date) -> "Period":
        return cls(today - timedelta(days=days - 1), today, zone, days_choice=days)

    @classmethod
    def between(cls, first: date, last: date, *, zone: ZoneInfo) -> "Period":
        return cls(first, last, zone)

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.first, time.min, tzinfo=self.zone)

    @property
    def ends_at(self) -> datetime:
        """Exclusive: local midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def week_starts(self) -> list[date]:
        """Every Monday whose week overlaps the period, so empty weeks still show."""
        monday = self.first - timedelta(days=self.first.weekday())
        weeks = []
        while monday <= self.last:
            weeks.append(monday)
            monday += timedelta(days=7)
        return weeks

    def within(self, field_name: str) -> Q:
        """Rows whose ``field_name`` falls in the period."""
        return Q(**{f"{field_name}__gte": self.starts_at, f"{field_name}__lt": self.ends_at})


def practice_zone(practice: Practice) -> ZoneInfo:
    return ZoneInfo(practice.time_zone)


def duration_label(delta: timedelta | None) -> str:
    """ "45 s", "12 min", "3.5 h", "2.0 days"; "—" when there is nothing to measure."""
    if delta is None:
        return "—"
    seconds = max(0.0, delta.total_seconds())
    if seconds < 60:
        return f"{math.floor(seconds + 0.5)} s"
    if seconds < 120 * 60:
        return f"{math.floor(seconds / 60 + 0.5)} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def percent(share: float | None) -> int | None:
    return None if share is None else math.floor(share * 100 + 0.5)


# Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekVolume:
    week_start: date
    counts: tuple[int, ...]  # in the order of ``Volume.categories``

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class HourVolume:
    hour: int
    office_hours: int
    after_hours: int

    @property
    def total(self) -> int:
        return self.office_hours + self.after_hours


@dataclass(frozen=True)
class Volume:
    categories: tuple[str, ...]  # display labels, most severe first
    weeks: list[WeekVolume]
    hours: list[HourVolume]  # 0–23, local time
    total: int
    after_hours: int
    by_category: tuple[int, ...]

    @property
    def after_hours_share(self) -> float | None:
        return self.after_hours / self.total if self.total else None

    @property
    def after_hours_percent(self) -> int | None:
        return percent(self.after_hours_share)


@dataclass(frozen=True)
class Compliance:
    """Replies due in the period for one therapist (``therapist_id`` None: unknown senders)."""

    therapist_id: int | None
    name: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # due time passed, no reply yet
    pending: int = 0  # not replied, not due yet: neither kept nor missed so far

    @property
    def settled(self) -> int:
        return self.due - self.pending

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.settled if self.settled else None

    @property
    def on_time_percent(self) -> int | None:
        return percent(self.on_time_share)


@dataclass(frozen=True)
class EscalationRow:
    id: int
    started_at: datetime
    client_name: str
    category: str
    state: str
    state_label: str
    time_to_ack: timedelta | None

    @property
    def time_to_ack_label(self) -> str:
        return duration_label(self.time_to_ack)


@dataclass(frozen=True)
class Escalations:
    total: int
    crisis: int
    acknowledged: int
    unacknowledged: int
    incidents: int
    median_to_ack: timedelta | None
    max_to_ack: timedelta | None
    latest: list[EscalationRow]

    @property
    def median_label(self) -> str:
        return duration_label(self.median_to_ack)

    @property
    def max_label(self) -> str:
        return duration_label(self.max_to_ack)


@dataclass(frozen=True)
class OverLimit:
    client_id: int
    client_name: str
    therapist_name: str
    messages_over: int
    limit: int | None  # the active agreement's weekly limit today


@dataclass(frozen=True)
class ReviewDue:
    agreement_id: int
    client_id: int
    client_name: str
    therapist_name: str
    version: int
    review_due: date
    overdue: bool


@dataclass(frozen=True)
class BreakGlass:
    occurred_at: datetime
    actor_name: str
    reason: str
    message_id: int | None
    client_name: str


@dataclass(frozen=True)
class WithoutAgreement:
    client_id: int
    client_name: str
    therapist_name: str
    open_status: str  # label of a draft/proposed version, or "" when there is none


@dataclass(frozen=True)
class Oversight:
    period: Period
    today: date
    volume: Volume
    compliance: list[Compliance]
    escalations: Escalations
    over_limit: list[OverLimit]
    reviews_due: list[ReviewDue]
    break_glass: list[BreakGlass]
    break_glass_more: bool
    without_agreement: list[WithoutAgreement]
    log_chain: ChainStatus

    @cached_property
    def totals(self) -> Compliance:
        """The practice as a whole: the headline "replied on time"."""
        return Compliance(
            therapist_id=None,
            name="All",
            due=sum(row.due for row in self.compliance),
            on_time=sum(row.on_time for row in self.compliance),
            late=sum(row.late for row in self.compliance),
            overdue=sum(row.overdue for row in self.compliance),
            pending=sum(row.pending for row in self.compliance),
        )


# Selectors ---------------------------------------------------------------------------------


def _inbound(practice: Practice, period: Period):
    return Message.objects.filter(practice=practice, direction=Direction.INBOUND).filter(
        period.within("received_at")
    )


def contact_volume(*, practice: Practice, period: Period) -> Volume:
    """Inbound messages per local week by category, and per local hour in/after office hours."""
    categories = [c.value for c in CATEGORY_ORDER]
    by_week: dict[date, dict[str | None, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        _inbound(practice, period)
        .annotate(week=TruncWeek("received_at", tzinfo=period.zone))
        .values("week", "current_decision__category")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in rows:
        week = _local_date(row["week"], period.zone)
        by_week[week][row["current_decision__category"] or None] += row["n"]
    untriaged = any(counts.get(None) for counts in by_week.values())
    keys: list[str | None] = [*categories, None] if untriaged else list(categories)
    labels = tuple(Purpose(c).label if c else NOT_TRIAGED for c in keys)
    weeks = [
        WeekVolume(monday, tuple(by_week.get(monday, {}).get(key, 0) for key in keys))
        for monday in period.week_starts()
    ]

    office = [0] * 24
    after = [0] * 24
    hour_rows = (
        _inbound(practice, period)
        .annotate(hour=ExtractHour("received_at", tzinfo=period.zone))
        .values("hour", "current_decision__after_hours")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in hour_rows:
        (after if row["current_decision__after_hours"] else office)[row["hour"]] += row["n"]
    hours = [HourVolume(hour, office[hour], after[hour]) for hour in range(24)]
    return Volume(
        categories=labels,
        weeks=weeks,
        hours=hours,
        total=sum(office) + sum(after),
        after_hours=sum(after),
        by_category=tuple(sum(week.counts[i] for week in weeks) for i in range(len(keys))),
    )


def _local_date(value: datetime | date, zone: ZoneInfo) -> date:
    if isinstance(value, datetime):
        return value.astimezone(zone).date() if value.tzinfo else value.date()
    return value


def response_compliance(*, practice: Practice, period: Period, now: datetime) -> list[Compliance]:
    """Per therapist: delivered messages due in the period, and whether the reply came in time.

    A message that is neither replied nor due yet is *pending*: it counts toward ``due`` but
    not toward the on-time share, which only judges promises whose time has come.
    """
    due_at = F("current_decision__response_due_at")
    counts = (
        Message.objects.filter(
            practice=practice,
            direction=Direction.INBOUND,
            current_decision__disposition=Disposition.DELIVER,
        )
        .filter(period.within("current_decision__response_due_at"))
        .values("therapist_id")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=Q(replied_at__lte=due_at)),
            late=Count("id", filter=Q(replied_at__gt=due_at)),
            overdue=Count(
                "id", filter=Q(replied_at=None, current_decision__response_due_at__lt=now)
            ),
            pending=Count(
                "id", filter=Q(replied_at=None, current_decision__response_due_at__gte=now)
            ),
        )
        .order_by()
    )
    by_therapist = {row.pop("therapist_id"): row for row in counts}
    # Active therapists even with nothing due, and anyone who had replies due (a therapist who
    # has since left still answers for the period).
    therapists = Membership.objects.filter(practice=practice).filter(
        Q(role=Role.THERAPIST, is_active=True)
        | Q(pk__in=[pk for pk in by_therapist if pk is not None])
    )
    rows = [
        Compliance(therapist_id=pk, name=name, **by_therapist.get(pk, {}))
        for pk, name in therapists.values_list("pk", "user__name").order_by("user__name")
    ]
    if None in by_therapist:
        rows.append(Compliance(therapist_id=None, name="Unknown senders", **by_therapist[None]))
    return rows


_TIME_TO_ACK = ExpressionWrapper(
    F("acknowledged_at") - F("started_at"), output_field=DurationField()
)


def escalation_summary(*, practice: Practice, period: Period) -> Escalations:
    """Escalations started in the period: how fast they were acknowledged, and which were not."""
    started = Escalation.objects.filter(practice=practice).filter(period.within("started_at"))
    totals = started.aggregate(
        total=Count("id"),
        crisis=Count("id", filter=Q(message__current_decision__category=Purpose.CRISIS)),
        acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        incidents=Count(
            "id", filter=Q(exhausted_at__isnull=False) | Q(state=EscalationState.EXHAUSTED)
        ),
        max_to_ack=Max(_TIME_TO_ACK),
    )
    acknowledged = totals["acknowledged"]
    # The median as the middle one or two acknowledgement times, sorted by the database. The
    # query runs even with nothing acknowledged, to keep the page's query count constant.
    low, high = (acknowledged - 1) // 2, acknowledged // 2
    middle = list(
        started.filter(acknowledged_at__isnull=False)
        .annotate(time_to_ack=_TIME_TO_ACK)
        .order_by("time_to_ack", "id")
        .values_list("time_to_ack", flat=True)[max(low, 0) : high + 1]
    )
    median = (middle[0] + middle[-1]) / 2 if middle else None
    latest = [
        EscalationRow(
            id=row["id"],
            started_at=row["started_at"],
            client_name=row["client__user__name"] or "",
            category=row["message__current_decision__category"] or "",
            state=row["state"],
            state_label=EscalationState(row["state"]).label,
            time_to_ack=row["time_to_ack"],
        )
        for row in started.annotate(time_to_ack=_TIME_TO_ACK)
        .values(
            "id",
            "started_at",
            "client__user__name",
            "message__current_decision__category",
            "state",
            "time_to_ack",
        )
        .order_by("-started_at", "-id")[:LATEST_ESCALATIONS]
    ]
    return Escalations(
        total=totals["total"],
        crisis=totals["crisis"],
        acknowledged=acknowledged,
        unacknowledged=totals["total"] - acknowledged,
        incidents=totals["incidents"],
        median_to_ack=median,
        max_to_ack=totals["max_to_ack"],
        latest=latest,
    )


def _active_agreement(client_ref: str) -> ContactAgreement:
    return ContactAgreement.objects.filter(
        client=OuterRef(client_ref), status=AgreementStatus.ACTIVE
    )


def clients_over_limit(*, practice: Practice, period: Period) -> list[OverLimit]:
    """Clients with messages triaged as over their weekly limit, most first.

    Counted per message: a re-triage adds a decision but not another message over the limit.
    """
    rows = (
        Membership.objects.filter(
            practice=practice,
            role=Role.CLIENT,
            messages__direction=Direction.INBOUND,
            messages__received_at__gte=period.starts_at,
            messages__received_at__lt=period.ends_at,
            messages__decisions__over_frequency_limit=True,
        )
        .annotate(
            messages_over=Count("messages", distinct=True),
            limit=Subquery(_active_agreement("pk").values("frequency_limit_per_week")[:1]),
        )
        .values("pk", "user__name", "therapist__user__name", "messages_over", "limit")
        .order_by("-messages_over", "user__name")
    )
    return [
        OverLimit(
            client_id=row["pk"],
            client_name=row["user__name"],
            therapist_name=row["therapist__user__name"] or "",
            messages_over=row["messages_over"],
            limit=row["limit"],
        )
        for row in rows
    ]


def reviews_due(*, practice: Practice, today: date) -> list[ReviewDue]:
    """Active agreements whose review date has passed or falls within the review horizon."""
    rows = (
        ContactAgreement.objects.filter(
            practice=practice,
            status=AgreementStatus.ACTIVE,
            review_due__lte=review_due_cutoff(today),
        )
        .values(
            "pk",
            "client_id",
            "client__user__name",
            "therapist__user__name",
            "version",
            "review_due",
        )
        .order_by("review_due", "client__user__name")
    )
    return [
        ReviewDue(
            agreement_id=row["pk"],
            client_id=row["client_id"],
            client_name=row["client__user__name"],
            therapist_name=row["therapist__user__name"],
            version=row["version"],
            review_due=row["review_due"],
            overdue=row["review_due"] < today,
        )
        for row in rows
    ]


def break_glass_accesses(
    *, practice: Practice, period: Period, limit: int = BREAK_GLASS_LIMIT
) -> tuple[list[BreakGlass], bool]:
    """Admins who opened a message body, newest first; ``True`` when there were more."""
    rows = list(
        ContactEvent.objects.filter(practice=practice, event_type=EventType.BODY_BREAK_GLASS)
        .filter(period.within("occurred_at"))
        .values("occurred_at", "actor__name", "actor__email", "details", "message_id")
        .annotate(client_name=F("client__user__name"))
        .order_by("-occurred_at", "-id")[: limit + 1]
    )
    accesses = [
        BreakGlass(
            occurred_at=row["occurred_at"],
            actor_name=row["actor__name"] or row["actor__email"] or "",
            reason=str((row["details"] or {}).get("reason", "")),
            message_id=row["message_id"],
            client_name=row["client_name"] or "",
        )
        for row in rows[:limit]
    ]
    return accesses, len(rows) > limit


def clients_without_agreement(*, practice: Practice) -> list[WithoutAgreement]:
    """Active clients with no active agreement, and how far a draft or proposal has got."""
    open_version = ContactAgreement.objects.filter(
        client=OuterRef("pk"), status__in=[AgreementStatus.DRAFT, AgreementStatus.PROPOSED]
    ).order_by("-version")
    rows = (
        Membership.objects.filter(practice=practice, role=Role.CLIENT, is_active=True)
        .exclude(Exists(_active_agreement("pk")))
        .annotate(open_status=Subquery(open_version.values("status")[:1]))
        .values("pk", "user__name", "therapist__user__name", "open_status")
        .order_by("user__name")
    )
    return [
        WithoutAgreement(
            client_id=row["pk"],
            client_name=row["user__name"],
            therapist_name=row["therapist__user__name"] or "",
            open_status=AgreementStatus(row["open_status"]).label if row["open_status"] else "",
        )
        for row in rows
    ]


def oversight_for_practice(*, practice: Practice, period: Period, now: datetime) -> Oversight:
    """Everything on the dashboard, in a fixed number of queries."""
    today = now.astimezone(practice_zone(practice)).date()
    accesses, more = break_glass_accesses(practice=practice, period=period)
    return Oversight(
        period=period,
        today=today,
        volume=contact_volume(practice=practice, period=period),
        compliance=response_compliance(practice=practice, period=period, now=now),
        escalations=escalation_summary(practice=practice, period=period),
        over_limit=clients_over_limit(practice=practice, period=period),
        reviews_due=reviews_due(practice=practice, today=today),
        break_glass=accesses,
        break_glass_more=more,
        without_agreement=clients_without_agreement(practice=practice),
        log_chain=chain_status(practice_id=practice.pk),
    )
