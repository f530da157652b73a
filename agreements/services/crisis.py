"""Closer contact for a while: crisis periods (one at a time) and the client's safety plan."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from messaging.contactlog.services import contact_event_record
from messaging.models import EventType

from ..models import CheckInCadence, CrisisPeriod, Membership, SafetyPlan, User


def crisis_period_start(
    *,
    client: Membership,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    check_in_cadence: CheckInCadence,
    note: str = "",
) -> CrisisPeriod:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=client.pk)
        now = timezone.now()
        # One crisis period at a time: a new one replaces what is still running.
        for running in client.crisis_periods.filter(ended_early_at=None, ends_at__gt=now):
            running.ended_early_at = max(now, running.starts_at)
            running.save(update_fields=["ended_early_at"])
        period = CrisisPeriod.objects.create(
            client=client,
            starts_at=starts_at,
            ends_at=ends_at,
            check_in_cadence=check_in_cadence,
            note=note,
            created_by=by,
        )
        contact_event_record(
            practice=client.practice,
            event_type=EventType.CRISIS_PERIOD_STARTED,
            actor=by,
            client=client,
            summary=f"Crisis period until {ends_at:%Y-%m-%d %H:%M %Z}, check-ins "
            f"{period.get_check_in_cadence_display().lower()}",
            details={"crisis_period": period.pk},
        )
    return period


def crisis_period_end(*, period: CrisisPeriod, by: User) -> CrisisPeriod:
    with transaction.atomic():
        period = CrisisPeriod.objects.select_for_update().get(pk=period.pk)
        now = timezone.now()
        if period.ended_early_at or period.ends_at <= now:
            return period
        period.ended_early_at = max(now, period.starts_at)
        period.save(update_fields=["ended_early_at"])
        contact_event_record(
            practice=period.client.practice,
            event_type=EventType.CRISIS_PERIOD_ENDED,
            actor=by,
            client=period.client,
            summary="Crisis period ended early",
            details={"crisis_period": period.pk},
        )
    return period


def safety_plan_update(*, client: Membership, by: User, sections: dict[str, str]) -> SafetyPlan:
    unknown = set(sections) - set(SafetyPlan.SECTIONS)
    if unknown:
        raise ValueError(f"Not safety plan sections: {sorted(unknown)}")
    with transaction.atomic():
        plan, _ = SafetyPlan.objects.select_for_update().get_or_create(client=client)
        changed = [k for k, v in sections.items() if getattr(plan, k) != v]
        for field in changed:
            setattr(plan, field, sections[field])
        plan.updated_at = timezone.now()
        plan.updated_by = by
        plan.save(update_fields=[*changed, "updated_at", "updated_by"])
        contact_event_record(
            practice=client.practice,
            event_type=EventType.SAFETY_PLAN_UPDATED,
            actor=by,
            client=client,
            summary=f"Safety plan updated by {by}",
            details={"sections": changed},
        )
    return plan
