"""Escalation policies, on-call schedules, escalations, notifications and the engine heartbeat.

Timers live in the database (``Escalation.next_action_at``), never in Celery countdowns: a beat
tick claims due rows with ``SELECT … FOR UPDATE SKIP LOCKED`` (see ``messaging.escalation.engine``).
Outgoing notifications are rows too, each with an idempotency key, so a task that runs twice
sends once.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agreements.models import TIME_ZONE_CHOICES, Weekday


class StepAction(models.TextChoices):
    NOTIFY_THERAPIST = "notify_therapist", "Notify the client's therapist"
    NOTIFY_ON_CALL = "notify_on_call", "Notify whoever is on call now"
    NOTIFY_ADMINS = "notify_admins", "Notify the practice admins"
    NOTIFY_USER = "notify_user", "Notify a named backup"


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


class ContactMethodKind(models.TextChoices):
    SMS = "sms", "Text message"
    VOICE = "voice", "Phone call"
    EMAIL = "email", "Email"
    IN_APP = "in_app", "In the app"


class ContactMethod(models.Model):
    """How a clinician wants to be paged, in order of preference."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_methods"
    )
    kind = models.CharField(max_length=8, choices=ContactMethodKind.choices)
    address = models.CharField(
        max_length=254, blank=True, help_text="Phone number (+1…) or email address."
    )
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["user", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.address}".strip()


class EscalationState(models.TextChoices):
    ACTIVE = "active", "Paging"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    EXHAUSTED = "exhausted", "Unacknowledged — incident"
    RESOLVED = "resolved", "Resolved"


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


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Handed to the provider"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class NotificationPurpose(models.TextChoices):
    PAGE = "page", "Page"
    CLIENT_UPDATE = "client_update", "Update to the client"
    INCIDENT = "incident", "Incident for the admin"


class Notification(models.Model):
    """One outgoing page or update. Written by the engine; sent by ``notification_send``."""

    escalation = models.ForeignKey(
        Escalation, on_delete=models.PROTECT, null=True, blank=True, related_name="notifications"
    )
    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=16, choices=NotificationPurpose.choices)
    channel = models.CharField(max_length=8, choices=ContactMethodKind.choices)
    address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    step_index = models.PositiveSmallIntegerField(null=True, blank=True)
    cycle = models.PositiveSmallIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    ack_code = models.CharField(max_length=8, blank=True, db_index=True)
    status = models.CharField(
        max_length=12, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.CharField(max_length=300, blank=True)
    provider = models.CharField(max_length=32, blank=True)
    provider_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=Q(status="pending"), name="notification_due"
            ),
            models.Index(fields=["practice", "-created_at"]),
            models.Index(fields=["recipient", "-created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} by {self.get_channel_display()} to {self.address}"


class EngineHeartbeat(models.Model):
    """The last time each engine loop ran; the admin page and the watchdog read it."""

    name = models.CharField(max_length=32, primary_key=True)
    beat_at = models.DateTimeField()
    details = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%H:%M:%S}"
