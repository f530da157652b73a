"""Who a page goes to: the therapist (or whoever covers them), whoever is on call now, a named
backup, else the practice admins.
"""

from datetime import datetime

from agreements.models import AwayPeriod, Membership, Role, User
from messaging.models import (
    Escalation,
)

from . import machine


def covering_therapist(therapist: Membership | None, at: datetime) -> Membership | None:
    """Whoever covers the therapist at ``at``: the cover during an away period, else them."""
    if therapist is None:
        return None
    away = (
        AwayPeriod.objects.filter(therapist=therapist, starts_at__lte=at, ends_at__gt=at)
        .select_related("covering_therapist__user")
        .order_by("-starts_at")
        .first()
    )
    if away is None:
        return therapist
    return away.covering_therapist


def page_recipients(
    escalation: Escalation, snapshot: machine.PolicySnapshot, page: machine.Page, now: datetime
) -> list[User]:
    practice_members = Membership.objects.select_related("user").filter(
        practice=escalation.practice, is_active=True
    )
    if page.action == machine.Action.NOTIFY_THERAPIST:
        therapist = covering_therapist(
            escalation.client.therapist if escalation.client else None, now
        )
        if therapist is not None:
            return [therapist.user]
        # Unknown sender, or away with nobody covering: whoever is on call instead.
        return _on_call(escalation, snapshot, now) or _admins(practice_members)
    if page.action == machine.Action.NOTIFY_ON_CALL:
        return _on_call(escalation, snapshot, now) or _admins(practice_members)
    if page.action == machine.Action.NOTIFY_USER and page.target_membership_id:
        target = practice_members.filter(pk=page.target_membership_id).first()
        if target is not None:
            return [target.user]
    return _admins(practice_members)


def _admins(members) -> list[User]:
    return [m.user for m in members.filter(role=Role.ADMIN)]


def _on_call(escalation: Escalation, snapshot: machine.PolicySnapshot, now: datetime):
    from messaging.escalation.selectors import on_call_now
    from messaging.models import OnCallSchedule

    schedules = OnCallSchedule.objects.filter(practice=escalation.practice, is_active=True)
    schedule = (
        schedules.filter(pk=snapshot.on_call_schedule_id).first()
        if snapshot.on_call_schedule_id
        else schedules.order_by("pk").first()
    )
    if schedule is None:
        return []
    member = on_call_now(schedule=schedule, at=now)
    return [member.user] if member is not None else []
