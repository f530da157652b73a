"""Messages, escalation and the contact log.

The contact log (``ContactEvent``) is append-only: rows are written by
``messaging.services.contact_log.contact_event_record`` in the same transaction as the change they
describe, and the database itself refuses updates and deletes (see migration 0002).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class EscalationPolicy(models.Model):
    """Who is paged, in what order, when a client is in crisis. Steps arrive with the engine."""

    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="escalation_policies"
    )
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)

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


class EventType(models.TextChoices):
    INVITATION_SENT = "invitation.sent", "Invitation sent"
    INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
    AGREEMENT_DRAFTED = "agreement.drafted", "Agreement drafted"
    AGREEMENT_EDITED = "agreement.edited", "Agreement draft edited"
    AGREEMENT_PROPOSED = "agreement.proposed", "Agreement proposed"
    AGREEMENT_WITHDRAWN = "agreement.withdrawn", "Proposal withdrawn"
    AGREEMENT_ACCEPTED = "agreement.accepted", "Agreement accepted"
    AGREEMENT_SUPERSEDED = "agreement.superseded", "Agreement superseded"
    AGREEMENT_ENDED = "agreement.ended", "Agreement ended"
    CRISIS_PERIOD_STARTED = "crisis_period.started", "Crisis period started"
    CRISIS_PERIOD_ENDED = "crisis_period.ended", "Crisis period ended early"
    SAFETY_PLAN_UPDATED = "safety_plan.updated", "Safety plan updated"
    OFFICE_HOURS_CHANGED = "office_hours.changed", "Office hours changed"
    AWAY_PERIOD_ADDED = "away_period.added", "Away period added"
    AWAY_PERIOD_REMOVED = "away_period.removed", "Away period removed"
    PRACTICE_SETTINGS_CHANGED = "practice.settings_changed", "Practice settings changed"


class ContactEvent(models.Model):
    """One row of the append-only contact log."""

    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="contact_events"
    )
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    event_type = models.CharField(max_length=48, choices=EventType.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_events",
    )
    agreement = models.ForeignKey(
        "agreements.ContactAgreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_events",
    )
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["practice", "-occurred_at"]),
            models.Index(fields=["client", "-occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_event_type_display()}"
