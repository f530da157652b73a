"""Reads for escalations, escalation policies and on-call schedules.

Who may open which of them is decided in ``access``. The rotation rules themselves live in the
pure ``messaging.escalation.oncall``; this module only loads rows for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from agreements.models import Membership, Practice, Role
from messaging.models import (
    Escalation,
    EscalationPolicy,
    EscalationStep,
    Message,
    Notification,
    OnCallMember,
    OnCallOverride,
    OnCallSchedule,
    StepAction,
)

from . import oncall
from .machine import DEFAULT_POLICY


def on_call_candidates(*, practice: Practice) -> QuerySet[Membership]:
    """Who may be in a rotation or cover a shift: on-call-eligible therapists of the practice."""
    return Membership.objects.filter(
        practice=practice, role=Role.THERAPIST, on_call_eligible=True, is_active=True
    ).select_related("user")


def has_on_call_candidates(*, practice: Practice) -> bool:
    return on_call_candidates(practice=practice).exists()


def backup_candidates(*, practice: Practice) -> QuerySet[Membership]:
    """Who a "named backup" step may page: therapists and admins of the practice."""
    return Membership.objects.filter(
        practice=practice, role__in=[Role.THERAPIST, Role.ADMIN], is_active=True
    ).select_related("user")


def _rotation(schedule: OnCallSchedule, members: Iterable[OnCallMember]) -> oncall.Rotation:
    return oncall.Rotation(
        time_zone=schedule.time_zone,
        handoff_weekday=schedule.handoff_weekday,
        handoff_time=schedule.handoff_time,
        rotation_start=schedule.rotation_start,
        member_ids=tuple(m.membership_id for m in sorted(members, key=lambda m: m.position)),
    )


def rotation_for(schedule: OnCallSchedule) -> oncall.Rotation:
    """The schedule's rotation (uses prefetched ``members`` when there are any)."""
    return _rotation(schedule, schedule.members.all())


def _override_specs(overrides: Sequence[OnCallOverride]) -> list[oncall.Override]:
    return [oncall.Override(o.membership_id, o.starts_at, o.ends_at) for o in overrides]


def _members_query() -> QuerySet[OnCallMember]:
    return OnCallMember.objects.select_related("membership__user").order_by("position")


def _overrides_query(where: Q) -> QuerySet[OnCallOverride]:
    # Creation order: the latest-created override wins where several overlap.
    return (
        OnCallOverride.objects.filter(where)
        .select_related("membership__user")
        .order_by("created_at", "id")
    )


def _who(
    member_id: int | None, members: Iterable[OnCallMember], overrides: Iterable[OnCallOverride]
) -> Membership | None:
    if member_id is None:
        return None
    for row in (*members, *overrides):
        if row.membership_id == member_id:
            return row.membership
    return None


def on_call_now(*, schedule: OnCallSchedule, at: datetime | None = None) -> Membership | None:
    """Who is on call at ``at`` (now by default): two queries, whatever the rotation's size."""
    at = at or timezone.now()
    members = list(_members_query().filter(schedule=schedule))
    overrides = list(
        _overrides_query(Q(schedule=schedule)).filter(starts_at__lte=at, ends_at__gt=at)
    )
    rotation = _rotation(schedule, members)
    member_id = oncall.on_call_at(rotation, _override_specs(overrides), at)
    return _who(member_id, members, overrides)


def schedules_for_practice(
    *, practice: Practice, at: datetime | None = None
) -> list[OnCallSchedule]:
    """The practice's schedules, each with ``rotation`` (memberships in order) and ``on_call``.

    Three queries for any number of schedules.
    """
    at = at or timezone.now()
    schedules = list(
        OnCallSchedule.objects.filter(practice=practice)
        .prefetch_related(
            Prefetch("members", queryset=_members_query(), to_attr="rotation_members"),
            Prefetch(
                "overrides",
                queryset=_overrides_query(Q()).filter(starts_at__lte=at, ends_at__gt=at),
                to_attr="current_overrides",
            ),
        )
        .order_by("name")
    )
    for schedule in schedules:
        rotation = _rotation(schedule, schedule.rotation_members)
        member_id = oncall.on_call_at(rotation, _override_specs(schedule.current_overrides), at)
        schedule.rotation = [m.membership for m in schedule.rotation_members]
        schedule.on_call = _who(member_id, schedule.rotation_members, schedule.current_overrides)
    return schedules


def schedule_choices(*, practice: Practice) -> QuerySet[OnCallSchedule]:
    return OnCallSchedule.objects.filter(practice=practice).order_by("name")


def schedule_default_choice(*, practice: Practice) -> OnCallSchedule | None:
    """What a new policy pages by default: the first schedule by name."""
    return schedule_choices(practice=practice).first()


def schedule_members(*, schedule: OnCallSchedule) -> list[OnCallMember]:
    return list(_members_query().filter(schedule=schedule))


def overrides_upcoming(
    *, schedule: OnCallSchedule, now: datetime | None = None
) -> QuerySet[OnCallOverride]:
    """Overrides that are running or still to come, soonest first."""
    now = now or timezone.now()
    return (
        OnCallOverride.objects.filter(schedule=schedule, ends_at__gt=now)
        .select_related("membership__user", "created_by")
        .order_by("starts_at", "id")
    )


@dataclass(frozen=True)
class ShiftChoice:
    """A whole rotation shift someone may swap, with the person who covers it."""

    shift: oncall.Shift
    member: Membership


def upcoming_rotation_shifts(
    *, schedule: OnCallSchedule, now: datetime | None = None, weeks: int = 12
) -> list[ShiftChoice]:
    """The rotation's shifts (overrides ignored) from the current one on, for swapping."""
    now = now or timezone.now()
    members = schedule_members(schedule=schedule)
    by_id = {m.membership_id: m.membership for m in members}
    rotation = _rotation(schedule, members)
    shifts = oncall.rotation_shifts_between(rotation, now, now + timedelta(weeks=weeks))
    return [ShiftChoice(shift, by_id[shift.member_id]) for shift in shifts]


@dataclass(frozen=True)
class CalendarEntry:
    """Someone (or nobody) on call for part of a day. Times are UTC; templates show them in
    the schedule's zone."""

    member: Membership | None
    starts_at: datetime
    ends_at: datetime
    is_override: bool
    reason: str
    from_previous_day: bool
    into_next_day: bool


@dataclass(frozen=True)
class CalendarDay:
    day: date
    starts_at: datetime
    ends_at: datetime
    entries: tuple[CalendarEntry, ...]
    handoffs: tuple[datetime, ...]

    @property
    def has_override(self) -> bool:
        return any(entry.is_override for entry in self.entries)

    @property
    def has_gap(self) -> bool:
        return any(entry.member is None for entry in self.entries)


def _local_midnight(day: date, time_zone: str) -> datetime:
    return oncall.wall_time_to_utc(datetime.combine(day, time(0)), time_zone)


def on_call_calendar(*, schedule: OnCallSchedule, start: date, days: int) -> list[CalendarDay]:
    """One row per local day from ``start``: who is on call when, handoffs, overrides marked.

    Two queries (members, overrides) whatever the number of days or overrides.
    """
    zone = schedule.time_zone
    bounds = [_local_midnight(start + timedelta(days=n), zone) for n in range(days + 1)]
    range_start, range_end = bounds[0], bounds[-1]
    members = schedule_members(schedule=schedule)
    # A day past each end, so the first and last rows know what carries on across midnight.
    outer_start, outer_end = range_start - timedelta(days=1), range_end + timedelta(days=1)
    overrides = list(
        _overrides_query(Q(schedule=schedule)).filter(
            starts_at__lt=outer_end, ends_at__gt=outer_start
        )
    )
    rotation = _rotation(schedule, members)
    specs = _override_specs(overrides)
    shifts = oncall.shifts_between(rotation, specs, outer_start, outer_end)
    handoffs = oncall.handoffs_between(rotation, range_start, range_end)

    rows = []
    for n in range(days):
        day_start, day_end = bounds[n], bounds[n + 1]
        entries = []
        for shift in shifts:
            if shift.ends_at <= day_start or shift.starts_at >= day_end:
                continue
            reason = ""
            if shift.is_override:
                winner = next(
                    o for o in reversed(overrides) if o.starts_at <= shift.starts_at < o.ends_at
                )
                reason = winner.reason
            entries.append(
                CalendarEntry(
                    member=_who(shift.member_id, members, overrides),
                    starts_at=max(shift.starts_at, day_start),
                    ends_at=min(shift.ends_at, day_end),
                    is_override=shift.is_override,
                    reason=reason,
                    from_previous_day=shift.starts_at < day_start,
                    into_next_day=shift.ends_at > day_end,
                )
            )
        rows.append(
            CalendarDay(
                day=start + timedelta(days=n),
                starts_at=day_start,
                ends_at=day_end,
                entries=tuple(entries),
                handoffs=tuple(h for h in handoffs if day_start <= h < day_end),
            )
        )
    return rows


def local_today(*, schedule: OnCallSchedule) -> date:
    """Today's date on the schedule's clock."""
    return timezone.now().astimezone(ZoneInfo(schedule.time_zone)).date()


StepTuple = tuple[str, Membership | None, int]


def _as_tuples(steps: Iterable[EscalationStep]) -> list[StepTuple]:
    return [(s.action, s.target, s.wait_minutes) for s in steps]


def _steps_query() -> QuerySet[EscalationStep]:
    return EscalationStep.objects.select_related("target__user").order_by("position")


_ACTION_WORDS = {
    StepAction.NOTIFY_THERAPIST: "Notify the client's therapist (their cover when away)",
    StepAction.NOTIFY_ADMINS: "Notify the practice admins",
}


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def policy_preview(
    *,
    steps: Sequence[StepTuple],
    repeat_count: int,
    on_call_schedule: OnCallSchedule | None,
) -> list[str]:
    """The chain in plain words, numbered, ending with what happens if nobody acknowledges.

    Rounds follow ``machine.advance``: ``repeat_count`` is how many times the chain runs.
    """
    lines = []
    for number, (action, target, wait_minutes) in enumerate(steps, start=1):
        if action == StepAction.NOTIFY_ON_CALL:
            # The engine reads the first active schedule when the policy names none.
            schedule = on_call_schedule.name if on_call_schedule else "the first schedule"
            whom = f"Notify whoever is on call ({schedule}; the admins if nobody is)"
        elif action == StepAction.NOTIFY_USER:
            whom = f"Notify {target.user.name if target else 'the named backup'}"
        else:
            whom = _ACTION_WORDS[StepAction(action)]
        lines.append(f"{number}. {whom}, wait {wait_minutes} min")
    if steps:
        total = sum(wait for _, _, wait in steps) * repeat_count
        lines.append(
            f"Go through these steps {_times(repeat_count)}; if nobody has acknowledged "
            f"after {total} min, alert the admins as an incident."
        )
    return lines


def default_steps() -> list[tuple[str, None, int]]:
    """The chain the engine uses while a policy has no steps of its own."""
    return [
        (StepAction(step.action.value), None, int(step.wait.total_seconds() // 60))
        for step in DEFAULT_POLICY.steps
    ]


def policy_steps(policy: EscalationPolicy) -> list[StepTuple]:
    """The policy's steps in order, as (action, named backup or None, wait minutes)."""
    return _as_tuples(_steps_query().filter(policy=policy))


def policies_for_practice(*, practice: Practice) -> list[EscalationPolicy]:
    """The practice's policies, default first, each with ``preview`` lines. Three queries."""
    policies = list(
        EscalationPolicy.objects.filter(practice=practice)
        .select_related("on_call_schedule")
        .prefetch_related(Prefetch("steps", queryset=_steps_query(), to_attr="ordered_steps"))
        .order_by("-is_default", "name")
    )
    for policy in policies:
        steps = _as_tuples(policy.ordered_steps)
        policy.uses_default_steps = not steps
        policy.preview = policy_preview(
            steps=steps or default_steps(),
            repeat_count=policy.repeat_count or DEFAULT_POLICY.repeat_count,
            on_call_schedule=policy.on_call_schedule,
        )
    return policies


def escalations_recent(escalations: QuerySet[Escalation], *, limit: int = 100) -> list[Escalation]:
    """The newest escalations of those given (the caller decides which the viewer may see)."""
    return list(
        escalations.select_related("client__user", "acknowledged_by").order_by("-started_at")[
            :limit
        ]
    )


def escalation_joined_messages(escalation: Escalation) -> list[Message]:
    """The client's later crisis messages that joined this escalation, oldest first."""
    return list(Message.objects.filter(joined_escalation=escalation).order_by("received_at", "pk"))


def escalation_notifications(escalation: Escalation) -> QuerySet[Notification]:
    """Every page sent for one escalation, in the order they were made."""
    return (
        Notification.objects.filter(escalation=escalation)
        .select_related("recipient")
        .order_by("created_at", "pk")
    )
