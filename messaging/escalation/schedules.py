"""Every write to on-call schedules and overrides, each logged in the same transaction.

Bad input raises ``ValidationError`` keyed by the argument's name; nothing is written then.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agreements.models import Membership, Practice, Role, User
from messaging.contactlog.services import contact_event_record
from messaging.escalation.policies import TIME_ZONES, FieldErrors
from messaging.escalation.selectors import rotation_for
from messaging.models import (
    EventType,
    OnCallMember,
    OnCallOverride,
    OnCallSchedule,
)

from . import oncall


def _check_schedule(
    *,
    practice: Practice,
    schedule: OnCallSchedule | None,
    name: str,
    time_zone: str,
    handoff_weekday: int,
    handoff_time: time,
    rotation_start: date,
    member_ids: Sequence[int],
) -> list[Membership]:
    """Validate, and return the rotation's memberships in rotation order."""
    errors = FieldErrors()
    if not name:
        errors.add("name", "Give the schedule a name.")
    else:
        taken = OnCallSchedule.objects.filter(practice=practice, name__iexact=name)
        if schedule is not None:
            taken = taken.exclude(pk=schedule.pk)
        if taken.exists():
            errors.add("name", "Another schedule of the practice has this name.")
    if time_zone not in TIME_ZONES:
        errors.add("time_zone", "Choose a time zone from the list.")
    if isinstance(handoff_weekday, bool) or handoff_weekday not in range(7):
        errors.add("handoff_weekday", "Choose a weekday.")
    if not isinstance(handoff_time, time) or handoff_time.tzinfo is not None:
        errors.add("handoff_time", "Give the handoff as a local time of day.")
    if isinstance(rotation_start, datetime) or not isinstance(rotation_start, date):
        errors.add("rotation_start", "Give the date of the first handoff.")
    members: list[Membership] = []
    if not member_ids:
        errors.add("member_ids", "Add at least one person to the rotation.")
    elif len(set(member_ids)) != len(member_ids):
        errors.add("member_ids", "Each person appears once in the rotation.")
    else:
        eligible = {
            m.pk: m
            for m in Membership.objects.select_related("user").filter(
                pk__in=member_ids,
                practice=practice,
                role=Role.THERAPIST,
                on_call_eligible=True,
                is_active=True,
            )
        }
        if set(eligible) != set(member_ids):
            errors.add(
                "member_ids", "Only on-call-eligible therapists of the practice can be on call."
            )
        else:
            members = [eligible[pk] for pk in member_ids]
    errors.raise_if_any()
    return members


def _schedule_for_log(schedule: OnCallSchedule, members: Sequence[Membership]) -> dict:
    return {
        "schedule": schedule.pk,
        "time_zone": schedule.time_zone,
        "handoff_weekday": schedule.handoff_weekday,
        "handoff_time": schedule.handoff_time.isoformat(timespec="minutes"),
        "rotation_start": schedule.rotation_start.isoformat(),
        "members": [m.pk for m in members],
    }


def _members_replace(schedule: OnCallSchedule, members: Sequence[Membership]) -> None:
    schedule.members.all().delete()
    OnCallMember.objects.bulk_create(
        OnCallMember(schedule=schedule, membership=membership, position=position)
        for position, membership in enumerate(members)
    )


def schedule_create(
    *,
    practice: Practice,
    by: User,
    name: str,
    time_zone: str,
    handoff_weekday: int,
    handoff_time: time,
    rotation_start: date,
    member_ids: Sequence[int],
) -> OnCallSchedule:
    """A weekly rotation; ``member_ids`` in rotation order (the first covers the first week)."""
    name = name.strip()
    members = _check_schedule(
        practice=practice,
        schedule=None,
        name=name,
        time_zone=time_zone,
        handoff_weekday=handoff_weekday,
        handoff_time=handoff_time,
        rotation_start=rotation_start,
        member_ids=member_ids,
    )
    with transaction.atomic():
        schedule = OnCallSchedule.objects.create(
            practice=practice,
            name=name,
            time_zone=time_zone,
            handoff_weekday=handoff_weekday,
            handoff_time=handoff_time,
            rotation_start=rotation_start,
        )
        _members_replace(schedule, members)
        contact_event_record(
            practice=practice,
            event_type=EventType.ON_CALL_CHANGED,
            actor=by,
            summary=f"On-call schedule “{name}” created: "
            + ", then ".join(m.user.name for m in members),
            details={"change": "schedule_created", **_schedule_for_log(schedule, members)},
        )
    return schedule


def schedule_update(
    *,
    schedule: OnCallSchedule,
    by: User,
    name: str,
    time_zone: str,
    handoff_weekday: int,
    handoff_time: time,
    rotation_start: date,
    member_ids: Sequence[int],
) -> OnCallSchedule:
    """Replace the rotation. Overrides are instants, so they stay as they were."""
    name = name.strip()
    practice = schedule.practice
    members = _check_schedule(
        practice=practice,
        schedule=schedule,
        name=name,
        time_zone=time_zone,
        handoff_weekday=handoff_weekday,
        handoff_time=handoff_time,
        rotation_start=rotation_start,
        member_ids=member_ids,
    )
    with transaction.atomic():
        schedule = OnCallSchedule.objects.select_for_update().get(pk=schedule.pk)
        schedule.name = name
        schedule.time_zone = time_zone
        schedule.handoff_weekday = handoff_weekday
        schedule.handoff_time = handoff_time
        schedule.rotation_start = rotation_start
        schedule.save(
            update_fields=["name", "time_zone", "handoff_weekday", "handoff_time", "rotation_start"]
        )
        _members_replace(schedule, members)
        contact_event_record(
            practice=practice,
            event_type=EventType.ON_CALL_CHANGED,
            actor=by,
            summary=f"On-call schedule “{name}” changed: "
            + ", then ".join(m.user.name for m in members),
            details={"change": "schedule_updated", **_schedule_for_log(schedule, members)},
        )
    return schedule


def _is_aware(value: object) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None


def override_add(
    *,
    schedule: OnCallSchedule,
    by: User,
    membership: Membership,
    starts_at: datetime,
    ends_at: datetime,
    reason: str = "",
) -> OnCallOverride:
    """``membership`` covers [starts_at, ends_at), whatever the rotation says.

    A later override wins over an earlier one where they overlap.
    """
    errors = FieldErrors()
    if (
        membership.practice_id != schedule.practice_id
        or membership.role != Role.THERAPIST
        or not membership.on_call_eligible
        or not membership.is_active
    ):
        errors.add("membership", "Choose an on-call-eligible therapist of the practice.")
    if not _is_aware(starts_at):
        errors.add("starts_at", "Give a start date and time.")
    if not _is_aware(ends_at):
        errors.add("ends_at", "Give an end date and time.")
    elif _is_aware(starts_at) and ends_at <= starts_at:
        errors.add("ends_at", "The end must be after the start.")
    elif ends_at <= timezone.now():
        errors.add("ends_at", "That time has passed; cover a shift that is still to come.")
    if len(reason) > 200:
        errors.add("reason", "Keep the reason under 200 characters.")
    errors.raise_if_any()
    with transaction.atomic():
        OnCallSchedule.objects.select_for_update().get(pk=schedule.pk)
        override = OnCallOverride.objects.create(
            schedule=schedule,
            membership=membership,
            starts_at=starts_at,
            ends_at=ends_at,
            reason=reason.strip(),
            created_by=by,
        )
        contact_event_record(
            practice=schedule.practice,
            event_type=EventType.ON_CALL_CHANGED,
            actor=by,
            summary=f"{membership.user} covers “{schedule.name}” "
            f"{starts_at:%Y-%m-%d %H:%M} to {ends_at:%Y-%m-%d %H:%M} UTC",
            details={
                "change": "override_added",
                "schedule": schedule.pk,
                "override": override.pk,
                "membership": membership.pk,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
            },
        )
    return override


def override_swap(
    *,
    schedule: OnCallSchedule,
    by: User,
    first_shift_start: datetime,
    second_shift_start: datetime,
) -> tuple[OnCallOverride, OnCallOverride]:
    """Swap two members' whole rotation shifts by writing two overrides.

    Each argument is the instant a rotation shift starts (a handoff). The overrides are newer
    than any before them, so they win over earlier covers of those shifts.
    """
    practice = schedule.practice
    with transaction.atomic():
        schedule = OnCallSchedule.objects.select_for_update().get(pk=schedule.pk)
        rotation = rotation_for(schedule)
        now = timezone.now()
        errors = FieldErrors()
        shifts: dict[str, oncall.Shift] = {}
        for field, start in (
            ("first_shift_start", first_shift_start),
            ("second_shift_start", second_shift_start),
        ):
            shift = oncall.rotation_shift_at(rotation, start) if _is_aware(start) else None
            if shift is None or shift.starts_at != start:
                errors.add(field, "Choose a shift of the rotation.")
            elif shift.ends_at <= now:
                errors.add(field, "That shift is over.")
            else:
                shifts[field] = shift
        errors.raise_if_any()
        first, second = shifts["first_shift_start"], shifts["second_shift_start"]
        if first.starts_at == second.starts_at:
            errors.add("second_shift_start", "Choose two different shifts.")
        elif first.member_id == second.member_id:
            errors.add("second_shift_start", "Both shifts are the same person's.")
        errors.raise_if_any()
        people = Membership.objects.select_related("user").in_bulk(
            [first.member_id, second.member_id]
        )
        first_person, second_person = people[first.member_id], people[second.member_id]
        trade = (
            f"{first_person.user.name} and {second_person.user.name} trade the shifts "
            f"starting {first.starts_at:%Y-%m-%d} and {second.starts_at:%Y-%m-%d}"
        )
        reason = f"Swap: {trade}"
        overrides = (
            OnCallOverride.objects.create(
                schedule=schedule,
                membership=second_person,
                starts_at=first.starts_at,
                ends_at=first.ends_at,
                reason=reason[:200],
                created_by=by,
            ),
            OnCallOverride.objects.create(
                schedule=schedule,
                membership=first_person,
                starts_at=second.starts_at,
                ends_at=second.ends_at,
                reason=reason[:200],
                created_by=by,
            ),
        )
        contact_event_record(
            practice=practice,
            event_type=EventType.ON_CALL_CHANGED,
            actor=by,
            summary=f"“{schedule.name}”: {trade}",
            details={
                "change": "shifts_swapped",
                "schedule": schedule.pk,
                "overrides": [o.pk for o in overrides],
                "shifts": [
                    [first.starts_at.isoformat(), first.member_id],
                    [second.starts_at.isoformat(), second.member_id],
                ],
            },
        )
    return overrides


def override_remove(*, override: OnCallOverride, by: User) -> None:
    """Remove a cover that is running or still to come; past ones stay on the record."""
    if override.ends_at <= timezone.now():
        raise ValidationError("This cover is over; it stays on the record.")
    schedule = override.schedule
    with transaction.atomic():
        OnCallSchedule.objects.select_for_update().get(pk=schedule.pk)
        contact_event_record(
            practice=schedule.practice,
            event_type=EventType.ON_CALL_CHANGED,
            actor=by,
            summary=f"Cover by {override.membership.user} on “{schedule.name}” removed",
            details={
                "change": "override_removed",
                "schedule": schedule.pk,
                "membership": override.membership_id,
                "starts_at": override.starts_at.isoformat(),
                "ends_at": override.ends_at.isoformat(),
                "reason": override.reason,
            },
        )
        override.delete()
