"""Every write to escalation policies and on-call schedules, each logged in the same transaction.

Editing a policy or a schedule never changes an escalation already running for the policy
itself: the engine copies the policy's steps into ``Escalation.policy_snapshot`` when an
escalation starts, so these services have nothing to do for running escalations. Who is on
call is read at page time, so a rotation change or an override applies to the next page.

Bad input raises ``ValidationError`` keyed by the argument's name, so a form can show each
message beside its field. Nothing is written when validation fails.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from agreements.models import TIME_ZONE_CHOICES, Membership, Practice, Role, User
from messaging.contactlog.services import contact_event_record
from messaging.models import (
    EscalationPolicy,
    EscalationStep,
    EventType,
    OnCallSchedule,
    StepAction,
)

MIN_WAIT_MINUTES = 1


MAX_WAIT_MINUTES = 240


MAX_REPEAT_COUNT = 10


StepInput = tuple[str, Membership | None, int]


TIME_ZONES = {name for name, _ in TIME_ZONE_CHOICES}


class FieldErrors:
    """Collects messages per field and raises them together."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _check_policy(
    *,
    practice: Practice,
    policy: EscalationPolicy | None,
    name: str,
    repeat_count: int,
    on_call_schedule: OnCallSchedule | None,
    steps: Sequence[StepInput],
) -> None:
    errors = FieldErrors()
    if not name:
        errors.add("name", "Give the policy a name.")
    else:
        taken = EscalationPolicy.objects.filter(practice=practice, name__iexact=name)
        if policy is not None:
            taken = taken.exclude(pk=policy.pk)
        if taken.exists():
            errors.add("name", "Another policy of the practice has this name.")
    if not 1 <= repeat_count <= MAX_REPEAT_COUNT:
        errors.add("repeat_count", f"Run the steps between 1 and {MAX_REPEAT_COUNT} times.")
    if on_call_schedule is not None and on_call_schedule.practice_id != practice.pk:
        errors.add("on_call_schedule", "Choose a schedule of this practice.")
    if not steps:
        errors.add("steps", "Add at least one step.")
    for number, (action, target, wait_minutes) in enumerate(steps, start=1):
        if action not in StepAction.values:
            errors.add("steps", f"Step {number}: choose what the step does.")
            continue
        if isinstance(wait_minutes, bool) or not isinstance(wait_minutes, int):
            errors.add("steps", f"Step {number}: the wait is a whole number of minutes.")
        elif not MIN_WAIT_MINUTES <= wait_minutes <= MAX_WAIT_MINUTES:
            errors.add(
                "steps",
                f"Step {number}: wait between {MIN_WAIT_MINUTES} and {MAX_WAIT_MINUTES} minutes.",
            )
        if action == StepAction.NOTIFY_USER:
            if target is None:
                errors.add("steps", f"Step {number}: choose the named backup to notify.")
            elif (
                target.practice_id != practice.pk
                or target.role not in (Role.THERAPIST, Role.ADMIN)
                or not target.is_active
            ):
                errors.add(
                    "steps",
                    f"Step {number}: the named backup must be a therapist or admin "
                    "of the practice.",
                )
        elif target is not None:
            errors.add("steps", f"Step {number}: only a “named backup” step names a person.")
    errors.raise_if_any()


def _steps_replace(policy: EscalationPolicy, steps: Sequence[StepInput]) -> list[EscalationStep]:
    policy.steps.all().delete()
    return EscalationStep.objects.bulk_create(
        EscalationStep(
            policy=policy, position=position, action=action, target=target, wait_minutes=wait
        )
        for position, (action, target, wait) in enumerate(steps)
    )


def _steps_for_log(steps: Sequence[StepInput]) -> list[dict]:
    return [
        {"action": action, "target": target.pk if target else None, "wait_minutes": wait}
        for action, target, wait in steps
    ]


def policy_create(
    *,
    practice: Practice,
    by: User,
    name: str,
    description: str,
    repeat_count: int,
    on_call_schedule: OnCallSchedule | None,
    steps: Sequence[StepInput],
) -> EscalationPolicy:
    name = name.strip()
    _check_policy(
        practice=practice,
        policy=None,
        name=name,
        repeat_count=repeat_count,
        on_call_schedule=on_call_schedule,
        steps=steps,
    )
    with transaction.atomic():
        policy = EscalationPolicy.objects.create(
            practice=practice,
            name=name,
            description=description.strip(),
            repeat_count=repeat_count,
            on_call_schedule=on_call_schedule,
        )
        _steps_replace(policy, steps)
        _policy_change_record(
            policy,
            by,
            "created",
            f"Escalation policy “{name}” created with {len(steps)} steps",
            steps,
        )
    return policy


def _policy_change_record(
    policy: EscalationPolicy, by: User, change: str, summary: str, steps: Sequence[StepInput]
) -> None:
    contact_event_record(
        practice=policy.practice,
        event_type=EventType.ESCALATION_POLICY_CHANGED,
        actor=by,
        summary=summary,
        details={
            "policy": policy.pk,
            "change": change,
            "repeat_count": policy.repeat_count,
            "on_call_schedule": policy.on_call_schedule_id,
            "steps": _steps_for_log(steps),
        },
    )


def policy_update(
    *,
    policy: EscalationPolicy,
    by: User,
    name: str,
    description: str,
    repeat_count: int,
    on_call_schedule: OnCallSchedule | None,
    steps: Sequence[StepInput],
) -> EscalationPolicy:
    """Replace the policy's settings and steps (positions 0..n-1).

    Escalations already running keep the steps they started with (the engine's snapshot).
    """
    name = name.strip()
    practice = policy.practice
    _check_policy(
        practice=practice,
        policy=policy,
        name=name,
        repeat_count=repeat_count,
        on_call_schedule=on_call_schedule,
        steps=steps,
    )
    with transaction.atomic():
        policy = EscalationPolicy.objects.select_for_update().get(pk=policy.pk)
        policy.name = name
        policy.description = description.strip()
        policy.repeat_count = repeat_count
        policy.on_call_schedule = on_call_schedule
        policy.save(update_fields=["name", "description", "repeat_count", "on_call_schedule"])
        _steps_replace(policy, steps)
        _policy_change_record(
            policy,
            by,
            "updated",
            f"Escalation policy “{name}” changed ({len(steps)} steps)",
            steps,
        )
    return policy


def policy_set_default(*, policy: EscalationPolicy, by: User) -> EscalationPolicy:
    """Make ``policy`` the practice's default: new agreements and unknown senders use it."""
    with transaction.atomic():
        # Lock every policy of the practice so two admins can't both set a default at once.
        policies = list(
            EscalationPolicy.objects.select_for_update().filter(practice_id=policy.practice_id)
        )
        policy = next((p for p in policies if p.pk == policy.pk), None)
        if policy is None:
            raise ValidationError("This policy no longer exists.")
        if policy.is_default:
            return policy
        previous = [p for p in policies if p.is_default]
        # The database allows one default per practice: clear the old one first.
        for old in previous:
            old.is_default = False
            old.save(update_fields=["is_default"])
        policy.is_default = True
        policy.save(update_fields=["is_default"])
        contact_event_record(
            practice=policy.practice,
            event_type=EventType.ESCALATION_POLICY_CHANGED,
            actor=by,
            summary=f"Escalation policy “{policy.name}” is now the practice default",
            details={
                "policy": policy.pk,
                "change": "default",
                "previous_default": previous[0].pk if previous else None,
            },
        )
    return policy
