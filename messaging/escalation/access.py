"""Who may open escalations, policies, schedules and overrides. Each ``access_*`` raises
``Http404`` (another practice's object) or ``PermissionDenied`` (not an admin).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from agreements.models import Membership, Role
from messaging.models import (
    EscalationPolicy,
    Notification,
    OnCallOverride,
    OnCallSchedule,
)

from ..models import Escalation


def _require_admin(viewer: Membership) -> None:
    if viewer.role != Role.ADMIN:
        raise Http404


def access_schedule(*, viewer: Membership, schedule_id: int) -> OnCallSchedule:
    _require_admin(viewer)
    schedule = (
        OnCallSchedule.objects.select_related("practice")
        .filter(pk=schedule_id, practice=viewer.practice)
        .first()
    )
    if schedule is None:
        raise Http404
    return schedule


def access_policy(*, viewer: Membership, policy_id: int) -> EscalationPolicy:
    _require_admin(viewer)
    policy = (
        EscalationPolicy.objects.select_related("practice", "on_call_schedule")
        .filter(pk=policy_id, practice=viewer.practice)
        .first()
    )
    if policy is None:
        raise Http404
    return policy


def access_override(*, viewer: Membership, override_id: int) -> OnCallOverride:
    _require_admin(viewer)
    override = (
        OnCallOverride.objects.select_related("schedule__practice", "membership__user")
        .filter(pk=override_id, schedule__practice=viewer.practice)
        .first()
    )
    if override is None:
        raise Http404
    return override


def access_escalation(*, viewer, escalation_id: int) -> Escalation:
    """Those who may see it (``visible_escalations``); nobody else (not even the operator)."""
    if viewer.role not in (Role.THERAPIST, Role.ADMIN):
        raise Http404
    escalation = (
        visible_escalations(viewer=viewer)
        .select_related(
            "message__current_decision",
            "client__user",
            "therapist__user",
            "acknowledged_by",
            "outcome_recorded_by",
            "practice",
        )
        .filter(pk=escalation_id)
        .first()
    )
    if escalation is None:
        raise Http404
    return escalation


def visible_escalations(*, viewer: Membership) -> QuerySet[Escalation]:
    """Admins: the practice's. Therapists: their own clients', unknown callers' (they belong to
    the practice, like an unknown sender's message), and those they were paged for — another
    therapist's client's crisis only once the chain reaches them. Nobody else.
    """
    escalations = Escalation.objects.filter(practice=viewer.practice)
    if viewer.role == Role.ADMIN:
        return escalations
    if viewer.role == Role.THERAPIST:
        paged = Notification.objects.filter(
            escalation=OuterRef("pk"), recipient_id=viewer.user_id, purpose="page"
        )
        return escalations.filter(
            Q(client__therapist=viewer) | Q(client__isnull=True) | Q(Exists(paged))
        )
    return escalations.none()
