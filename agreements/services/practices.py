"""Practices and their people: a new practice with its standard escalation chain, its
settings, and each membership (a therapist starts with the standard office week).
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from messaging.contactlog.services import contact_event_record
from messaging.escalation.machine import DEFAULT_POLICY
from messaging.models import EscalationPolicy, EscalationStep, EventType, StepAction

from ..calendars import DEFAULT_OFFICE_HOURS
from ..countries import emergency_defaults
from ..models import Membership, Practice, Role, SafetyPlan, User
from ..phones import phone_normalize
from .calendar import office_hours_replace


def practice_create(
    *, name: str, country: str = "US", time_zone: str = "America/New_York"
) -> Practice:
    defaults = emergency_defaults(country)
    with transaction.atomic():
        practice = Practice.objects.create(
            name=name,
            country=country,
            time_zone=time_zone,
            emergency_number=defaults.emergency_number,
            crisis_line_name=defaults.crisis_line_name,
            crisis_line_number=defaults.crisis_line_number,
            crisis_text=defaults.crisis_text,
        )
        # The practice's own copy of the engine's standard chain, so admins can edit it.
        policy = EscalationPolicy.objects.create(
            practice=practice,
            name=DEFAULT_POLICY.name,
            description="The client's therapist first, then whoever is on call, then the practice.",
            is_default=True,
            repeat_count=DEFAULT_POLICY.repeat_count,
        )
        EscalationStep.objects.bulk_create(
            EscalationStep(
                policy=policy,
                position=n,
                action=StepAction(step.action.value),
                wait_minutes=int(step.wait.total_seconds() // 60),
            )
            for n, step in enumerate(DEFAULT_POLICY.steps)
        )
    return practice


#: What an admin may change on the practice settings page, in the order the form shows them.
PRACTICE_SETTING_FIELDS = (
    "name",
    "country",
    "time_zone",
    "emergency_number",
    "crisis_line_name",
    "crisis_line_number",
    "crisis_text",
    "phone_line",
    "after_hours_line",
    "voice_greeting",
    "inbound_sms_number",
    "inbound_email",
)

#: The settings that are dialled or texted: stored in E.164, or empty when not configured.
PRACTICE_PHONE_FIELDS = ("phone_line", "after_hours_line", "inbound_sms_number")


def practice_phone_clean(value: str) -> str:
    """A practice number in E.164 (``+1 (555) 010-2030`` → ``+15550102030``), or "" for none."""
    if not (value or "").strip():
        return ""
    normalized = phone_normalize(value)
    if normalized is None:
        raise ValidationError(
            "Enter the number with its country code, e.g. +1 555 010 2030.", code="phone"
        )
    return normalized


def practice_update_settings(*, practice: Practice, by: User, changes: dict[str, Any]) -> Practice:
    unknown = set(changes) - set(PRACTICE_SETTING_FIELDS)
    if unknown:
        raise ValueError(f"Not practice settings: {sorted(unknown)}")
    changes = dict(changes)
    problems = {}
    for field in PRACTICE_PHONE_FIELDS:
        if field in changes:
            try:
                changes[field] = practice_phone_clean(changes[field])
            except ValidationError as error:
                problems[field] = error.messages
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        practice = Practice.objects.select_for_update().get(pk=practice.pk)
        changed = {k: v for k, v in changes.items() if getattr(practice, k) != v}
        for field, value in changed.items():
            setattr(practice, field, value)
        if changed:
            practice.save(update_fields=list(changed))
            contact_event_record(
                practice=practice,
                event_type=EventType.PRACTICE_SETTINGS_CHANGED,
                actor=by,
                summary="Practice settings changed: " + ", ".join(sorted(changed)),
                details={"fields": sorted(changed)},
            )
    return practice


def membership_create(
    *,
    user: User,
    practice: Practice,
    role: Role,
    therapist: Membership | None = None,
    on_call_eligible: bool = False,
    time_zone: str | None = None,
) -> Membership:
    if role == Role.CLIENT and therapist is None:
        raise ValidationError("A client needs a therapist.")
    with transaction.atomic():
        membership = Membership.objects.create(
            user=user,
            practice=practice,
            role=role,
            therapist=therapist if role == Role.CLIENT else None,
            on_call_eligible=on_call_eligible and role == Role.THERAPIST,
            time_zone=time_zone or practice.time_zone,
        )
        if role == Role.CLIENT:
            SafetyPlan.objects.create(client=membership)
        if role == Role.THERAPIST:
            office_hours_replace(therapist=membership, by=user, windows=list(DEFAULT_OFFICE_HOURS))
    return membership
