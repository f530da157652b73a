"""Escalation policies and their steps, on-call schedules, escalations and the engine heartbeat.

Timers live in the database (``Escalation.next_action_at``), never in Celery countdowns: a beat
tick claims due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` (``messaging.escalation.lifecycle``).
The pages an escalation sends are ``Notification`` rows (``messaging.notifications``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agreements.models import TIME_ZONE_CHOICES, Weekday
from messaging.escalation import machine


class EscalationPolicy(models.Model):
    """Who is paged, in what order, when a client is in crisis. Steps arrive with the engine."""

    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="escalation_policies"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)
    repeat_count = models.PositiveSmallIntegerField(
        default=2, help_text="How many times the whole chain runs before it becomes an incident."
    )
    on_call_schedule = models.ForeignKey(
        "messaging.OnCallSchedule",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whose rotation “notify whoever is on call” reads.",
    )

    class Meta:
        ordering = ["practice", "-is_default", "name"]
        verbose_name_plural = "escalation policies"
        constraints = [
            models.UniqueConstraint(
                fields=["practice"],
                condition=models.Q(is_default=True),
                name="one_default_policy_per_practice",
            ),
            models.UniqueConstraint(fields=["practice", "name"], name="policy_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class StepAction(models.TextChoices):
    """The engine's actions (``machine.Action``), with the words an admin reads."""

    NOTIFY_THERAPIST = machine.Action.NOTIFY_THERAPIST.value, "Notify the client's therapist"
    NOTIFY_ON_CALL = machine.Action.NOTIFY_ON_CALL.value, "Notify whoever is on call now"
    NOTIFY_ADMINS = machine.Action.NOTIFY_ADMINS.value, "Notify the practice admins"
    NOTIFY_USER = machine.Action.NOTIFY_USER.value, "Notify a named backup"


class EscalationStep(models.Model):
    """One step of a policy: notify someone, then wait before the next step."""

    policy = models.ForeignKey(
        "messaging.EscalationPolicy", on_delete=models.CASCADE, related_name="steps"
    )
    position = models.PositiveSmallIntegerField()
    action = models.CharField(max_length=24, choices=StepAction.choices)
    target = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Only for “notify a named backup”.",
    )
    wait_minutes = models.PositiveIntegerField(
        default=5, help_text="How long to wait for an acknowledgement before the next step."
    )

    class Meta:
        ordering = ["policy", "position"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "position"], name="step_position_unique"),
            models.CheckConstraint(
                condition=Q(action="notify_user", target__isnull=False) | ~Q(action="notify_user"),
                name="named_backup_has_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.get_action_display()}, wait {self.wait_minutes} min"


class OnCallSchedule(models.Model):
    """A weekly rotation: each member covers a week, handing off at a local weekday and time."""

    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="on_call_schedules"
    )
    name = models.CharField(max_length=120)
    time_zone = models.CharField(max_length=64, choices=TIME_ZONE_CHOICES)
    handoff_weekday = models.IntegerField(choices=Weekday.choices, default=Weekday.MONDAY)
    handoff_time = models.TimeField(default="09:00")
    rotation_start = models.DateField(
        help_text="The date of the first handoff: the first member's week starts then."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["practice", "name"]
        constraints = [
            models.UniqueConstraint(fields=["practice", "name"], name="schedule_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class OnCallMember(models.Model):
    schedule = models.ForeignKey(OnCallSchedule, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(
        "agreements.Membership", on_delete=models.PROTECT, related_name="on_call_slots"
    )
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["schedule", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "position"], name="rotation_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position + 1}. {self.membership.user}"


class OnCallOverride(models.Model):
    """Someone covers a shift (or part of one) instead of whoever the rotation says."""

    schedule = models.ForeignKey(OnCallSchedule, on_delete=models.CASCADE, related_name="overrides")
    membership = models.ForeignKey(
        "agreements.Membership", on_delete=models.PROTECT, related_name="on_call_overrides"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="override_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.user} covers {self.starts_at:%Y-%m-%d %H:%M}"


class EscalationState(models.TextChoices):
    """The engine's states (``machine.State``), with the words people read."""

    ACTIVE = machine.State.ACTIVE.value, "Paging"
    ACKNOWLEDGED = machine.State.ACKNOWLEDGED.value, "Acknowledged"
    EXHAUSTED = machine.State.EXHAUSTED.value, "Unacknowledged — incident"
    RESOLVED = machine.State.RESOLVED.value, "Resolved"


class SafetyOutcome(models.TextChoices):
    SAFETY_CONFIRMED = "safety_confirmed", "Safety confirmed"
    REFERRED_TO_EMERGENCY = "referred_to_emergency", "Referred to emergency services"
    COULD_NOT_REACH = "could_not_reach", "Could not reach the client"


class Escalation(models.Model):
    """One answering-service escalation for one message, driven by ``next_action_at``."""

    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="escalations"
    )
    message = models.OneToOneField(
        "messaging.Message", on_delete=models.PROTECT, related_name="escalation"
    )
    client = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
    )
    therapist = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Whoever covers the client when it started (the cover during an away period).",
    )
    policy = models.ForeignKey(
        "messaging.EscalationPolicy", on_delete=models.PROTECT, null=True, related_name="+"
    )
    policy_snapshot = models.JSONField(
        help_text="The steps as they were when the escalation started; later edits don't apply."
    )
    state = models.CharField(
        max_length=16, choices=EscalationState.choices, default=EscalationState.ACTIVE
    )
    step_index = models.PositiveSmallIntegerField(default=0)
    cycle = models.PositiveSmallIntegerField(default=0)
    next_action_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_via = models.CharField(max_length=16, blank=True)
    exhausted_at = models.DateTimeField(null=True, blank=True)
    client_contacted_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=24, choices=SafetyOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(
                fields=["next_action_at"],
                condition=Q(state="active"),
                name="escalation_due",
            ),
            models.Index(fields=["practice", "-started_at"]),
        ]

    def __str__(self) -> str:
        return f"Escalation {self.pk} ({self.get_state_display()})"


class EngineHeartbeat(models.Model):
    """The last time each engine loop ran; the admin page and the watchdog read it."""

    name = models.CharField(max_length=32, primary_key=True)
    beat_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%H:%M:%S}"
