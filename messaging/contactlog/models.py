"""The append-only contact log.

Rows are written only by ``messaging.contactlog.services.contact_event_record``, in the same
transaction as the change they describe; the database itself refuses updates and deletes
(``messaging.contactlog.triggers``, installed by migration 0002).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from agreements.models import Channel, Purpose


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
    SESSION_SCHEDULED = "session.scheduled", "Session scheduled"
    MESSAGE_RECEIVED = "message.received", "Message received"
    INTAKE_FAILED = "intake.failed", "Inbound message kept, processing failed (retrying)"
    MESSAGE_TRIAGED = "message.triaged", "Message triaged"
    AUTO_REPLY_SENT = "message.auto_reply", "Auto-reply sent"
    DELIVERY_FAILED = "message.delivery_failed", "Message not delivered"
    MESSAGE_READ = "message.read", "Message read"
    BODY_BREAK_GLASS = "message.break_glass", "Message body opened by an admin (break-glass)"
    LOG_EXPORTED = "log.exported", "Contact log exported"
    RECORD_EXPORTED = "record.exported", "Client record exported (FHIR)"
    MESSAGE_REPLIED = "message.replied", "Reply sent"
    MESSAGE_RETRIAGED = "message.retriaged", "Message re-triaged"
    MESSAGE_RAISED = "message.raised", "Raised by the client (this can't wait)"
    MESSAGE_ASSIGNED = "message.assigned", "Message matched to a client"
    MESSAGES_SEEN_IN_PREP = "message.seen_in_prep", "Seen in session prep"
    ESCALATION_REQUESTED = "escalation.requested", "Escalation requested"
    NOTE_SHARED = "note.shared", "Session note shared"
    API_TOKEN_CREATED = "api_token.created", "API token created"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    ESCALATION_STARTED = "escalation.started", "Escalation started"
    ESCALATION_STEP = "escalation.step", "Escalation step"
    NOTIFICATION_SENT = "notification.sent", "Notification sent"
    NOTIFICATION_DELIVERED = "notification.delivered", "Notification delivered"
    NOTIFICATION_FAILED = "notification.failed", "Notification failed"
    ESCALATION_ACKNOWLEDGED = "escalation.acknowledged", "Escalation acknowledged"
    ESCALATION_EXHAUSTED = "escalation.exhausted", "Escalation unacknowledged (incident)"
    ESCALATION_OUTCOME = "escalation.outcome", "Escalation outcome recorded"
    ESCALATION_JOINED = "escalation.joined", "Crisis message joined the open escalation"
    CARE_TEAM_READ = "care_team.read", "Opened by the crisis care team"
    ESCALATION_POLICY_CHANGED = "escalation_policy.changed", "Escalation policy changed"
    ON_CALL_CHANGED = "on_call.changed", "On-call schedule changed"
    CONTACT_METHODS_CHANGED = "contact_methods.changed", "Contact methods changed"
    CHECK_IN_SENT = "check_in.sent", "Check-in sent"
    CHECK_IN_ANSWERED = "check_in.answered", "Check-in answered"
    CHECK_IN_MISSED = "check_in.missed", "Check-in missed (flagged to the therapist)"
    CHECK_IN_CANCELLED = "check_in.cancelled", "Check-in not sent: the crisis period ended"
    CARING_STARTED = "caring.started", "Caring messages started"
    CARING_SENT = "caring.sent", "Caring message sent"
    CARING_STOPPED = "caring.stopped", "Caring messages stopped"
    NOTE_KEPT_INSTEAD = "note.kept_instead", "Kept as a note for the session instead of sent"


class ContactEvent(models.Model):
    """One row of the append-only contact log."""

    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="contact_events"
    )
    occurred_at = models.DateTimeField(default=timezone.now)
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
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contact_events",
    )
    # Copied from the message and its decision when the row is written, so the review page
    # filters one indexed table instead of joining millions of rows.
    therapist = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    category = models.CharField(max_length=16, choices=Purpose.choices, blank=True)
    disposition = models.CharField(max_length=20, blank=True)
    summary = models.CharField(max_length=300)
    details = models.JSONField(default=dict, blank=True)
    # The practice's hash chain (``messaging.contactlog.chain``): this row's place in it, the
    # hash of the row before it and its own, filled in by ``contact_event_record``.
    sequence = models.PositiveBigIntegerField()
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        constraints = [
            # Also the index the chain's head lookups and verification walk.
            models.UniqueConstraint(fields=["practice", "sequence"], name="log_practice_sequence"),
        ]
        indexes = [
            models.Index(fields=["practice", "-occurred_at", "-id"], name="log_practice_time"),
            models.Index(fields=["client", "-occurred_at", "-id"], name="log_client_time"),
            models.Index(
                fields=["practice", "therapist", "-occurred_at", "-id"], name="log_therapist_time"
            ),
            models.Index(
                fields=["practice", "event_type", "-occurred_at", "-id"], name="log_type_time"
            ),
            models.Index(
                fields=["practice", "category", "-occurred_at", "-id"], name="log_category_time"
            ),
            models.Index(
                fields=["practice", "channel", "-occurred_at", "-id"], name="log_channel_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_event_type_display()}"


class ContactLogChain(models.Model):
    """Per practice: the head of its log's hash chain, and how far it has been verified.

    The head (``sequence``, ``hash``) is what the next event links to; ``contact_event_record``
    locks this row to append, so a practice's events are chained one at a time. The checkpoint
    (``verified_*``, ``broken_*``) is written by the verifier and lets the dashboard check only
    what came after it. Nothing here is trusted when verifying in full: the events are.
    """

    practice = models.OneToOneField(
        "agreements.Practice", on_delete=models.PROTECT, primary_key=True, related_name="+"
    )
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    verified_sequence = models.PositiveBigIntegerField(default=0)
    verified_hash = models.CharField(max_length=64)
    verified_at = models.DateTimeField(null=True, blank=True)
    broken_at_sequence = models.PositiveBigIntegerField(null=True, blank=True)
    broken_event_id = models.BigIntegerField(null=True, blank=True)
    broken_reason = models.CharField(max_length=200, blank=True)

    def __str__(self) -> str:
        return f"log chain of practice {self.practice_id} at {self.sequence}"
