"""Check-ins and caring contacts. Timers live in the database: ``next_action_at`` is claimed
by the beat tick (``messaging.between.tick``) with ``SELECT … FOR UPDATE SKIP LOCKED``.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from agreements.models import OUTREACH_CHANNEL_CHOICES
from contactpolicy.fields import EncryptedTextField


class CheckInState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent, waiting for an answer"
    ANSWERED = "answered", "Answered"
    MISSED = "missed", "Missed"
    CANCELLED = "cancelled", "Not sent (the crisis period ended)"


class CheckIn(models.Model):
    """One check-in of a crisis period: sent at ``due_at``, missed at ``answer_due_at``."""

    crisis_period = models.ForeignKey(
        "agreements.CrisisPeriod", on_delete=models.PROTECT, related_name="check_ins"
    )
    client = models.ForeignKey(
        "agreements.Membership", on_delete=models.PROTECT, related_name="check_ins"
    )
    agreement = models.ForeignKey(
        "agreements.ContactAgreement", on_delete=models.PROTECT, related_name="check_ins"
    )
    channel = models.CharField(max_length=16, choices=OUTREACH_CHANNEL_CHOICES)
    due_at = models.DateTimeField()
    answer_due_at = models.DateTimeField()
    state = models.CharField(
        max_length=12, choices=CheckInState.choices, default=CheckInState.SCHEDULED
    )
    # The timer the tick claims: due_at while scheduled, answer_due_at while sent, else empty.
    next_action_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    outbound = models.ForeignKey(
        "messaging.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    reply = models.ForeignKey(
        "messaging.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="check_in_answered",
    )
    missed_at = models.DateTimeField(null=True, blank=True)
    paged = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["crisis_period", "due_at"], name="one_check_in_per_moment"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=1, score__lte=5),
                name="check_in_score_1_to_5",
            ),
        ]
        indexes = [
            # The tick: what is due now (between.tick.check_ins_tick).
            models.Index(
                fields=["next_action_at"],
                condition=Q(next_action_at__isnull=False),
                name="check_in_due",
            ),
            models.Index(fields=["client", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"Check-in for {self.client_id} at {self.due_at:%Y-%m-%d %H:%M}"


class CaringStopVia(models.TextChoices):
    SMS = "sms", "Replied STOP"
    LINK = "link", "The link in a message"
    PORTAL = "portal", "The portal"
    THERAPIST = "therapist", "The therapist"


class CaringSchedule(models.Model):
    """A year of brief caring messages after a crisis, in the therapist's name."""

    client = models.ForeignKey(
        "agreements.Membership", on_delete=models.PROTECT, related_name="caring_schedules"
    )
    therapist = models.ForeignKey(
        "agreements.Membership", on_delete=models.PROTECT, related_name="+"
    )
    agreement = models.ForeignKey(
        "agreements.ContactAgreement", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=OUTREACH_CHANNEL_CHOICES)
    after_crisis_period = models.ForeignKey(
        "agreements.CrisisPeriod", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    after_escalation = models.ForeignKey(
        "messaging.Escalation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stopped_via = models.CharField(max_length=12, choices=CaringStopVia.choices, blank=True)

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(stopped_at__isnull=True),
                name="one_running_caring_schedule",
            )
        ]

    def __str__(self) -> str:
        return f"Caring contacts for {self.client_id} from {self.started_at:%Y-%m-%d}"

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None


class CaringContactState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    CANCELLED = "cancelled", "Not sent (stopped)"


class CaringContact(models.Model):
    schedule = models.ForeignKey(CaringSchedule, on_delete=models.PROTECT, related_name="contacts")
    position = models.PositiveSmallIntegerField()
    body = EncryptedTextField()
    due_at = models.DateTimeField()
    state = models.CharField(
        max_length=12, choices=CaringContactState.choices, default=CaringContactState.SCHEDULED
    )
    next_action_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["schedule", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "position"], name="one_caring_contact_per_position"
            )
        ]
        indexes = [
            # The tick: what is due now (between.tick.caring_contacts_tick).
            models.Index(
                fields=["next_action_at"],
                condition=Q(next_action_at__isnull=False),
                name="caring_contact_due",
            )
        ]

    def __str__(self) -> str:
        return f"Caring message {self.position} of schedule {self.schedule_id}"
