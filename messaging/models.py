"""Messages, escalation and the contact log.

The contact log (``ContactEvent``) is append-only: rows are written by
``messaging.services.contact_log.contact_event_record`` in the same transaction as the change they
describe, and the database itself refuses updates and deletes (see migration 0002).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from agreements.models import Channel, Purpose
from contactpolicy.fields import EncryptedJSONField, EncryptedTextField


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
    MESSAGE_TRIAGED = "message.triaged", "Message triaged"
    AUTO_REPLY_SENT = "message.auto_reply", "Auto-reply sent"
    DELIVERY_FAILED = "message.delivery_failed", "Message not delivered"
    MESSAGE_READ = "message.read", "Message read"
    BODY_BREAK_GLASS = "message.break_glass", "Message body opened by an admin (break-glass)"
    LOG_EXPORTED = "log.exported", "Contact log exported"
    MESSAGE_REPLIED = "message.replied", "Reply sent"
    MESSAGE_RETRIAGED = "message.retriaged", "Message re-triaged"
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
    ESCALATION_POLICY_CHANGED = "escalation_policy.changed", "Escalation policy changed"
    ON_CALL_CHANGED = "on_call.changed", "On-call schedule changed"
    CONTACT_METHODS_CHANGED = "contact_methods.changed", "Contact methods changed"


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

    class Meta:
        ordering = ["-occurred_at", "-id"]
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


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the client"
    OUTBOUND = "outbound", "To the client"


class MessageStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    DELIVERED = "delivered", "Delivered to the therapist"
    READ = "read", "Read"
    REPLIED = "replied", "Replied"
    HELD_FOR_SESSION = "held_for_session", "Held for session"
    ESCALATED = "escalated", "Escalated"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not delivered"


class Message(models.Model):
    """One message in or out, on any channel. Inbound ones always end with a triage decision."""

    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="messages"
    )
    client = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
        help_text="Empty for an unknown sender: the practice sees it.",
    )
    therapist = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inbox_messages",
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    body = EncryptedTextField()
    sender_address = models.CharField(max_length=254, blank=True)
    declared_purpose = models.CharField(max_length=16, choices=Purpose.choices, blank=True)
    declared_emergency = models.BooleanField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=20, choices=MessageStatus.choices, default=MessageStatus.RECEIVED
    )
    is_automatic = models.BooleanField(default=False)
    in_reply_to = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The operator who typed a phone message.",
    )
    provider_message_id = models.CharField(max_length=200, blank=True)
    current_decision = models.OneToOneField(
        "messaging.TriageDecision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    read_at = models.DateTimeField(null=True, blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    seen_in_prep_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # A provider retrying a webhook must not create the message twice.
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"],
                condition=~models.Q(provider_message_id=""),
                name="provider_message_once",
            )
        ]
        indexes = [
            models.Index(fields=["therapist", "direction", "status"]),
            models.Index(fields=["client", "-received_at"]),
            models.Index(fields=["practice", "client", "direction"]),
        ]

    def __str__(self) -> str:
        who = self.client.user if self.client_id else (self.sender_address or "unknown sender")
        return f"{self.get_direction_display()} {self.get_channel_display()} message, {who}"


class Disposition(models.TextChoices):
    ESCALATE = "escalate", "Escalated now"
    DELIVER = "deliver", "Delivered for a reply"
    HOLD_FOR_SESSION = "hold_for_session", "Held for the next session"


class TriageDecision(models.Model):
    """What triage decided for a message, against which agreement version, and why.

    Re-triage appends a new decision that points at the one it replaces; nothing is rewritten.
    """

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="decisions")
    category = models.CharField(max_length=16, choices=Purpose.choices)
    severity = models.PositiveSmallIntegerField(help_text="3 crisis … 0 logistics, for sorting.")
    disposition = models.CharField(max_length=20, choices=Disposition.choices)
    response_due_at = models.DateTimeField(null=True, blank=True)
    declared_category = models.CharField(max_length=16, choices=Purpose.choices, blank=True)
    detected_category = models.CharField(max_length=16, choices=Purpose.choices, blank=True)
    # Encrypted: the reasons quote the detector's phrases and a clinician's re-triage reason.
    rules = EncryptedJSONField(default=list, help_text="[{code, reason}] in the order they fired.")
    matches = EncryptedJSONField(
        default=list, help_text="Detector phrases with offsets and reasons."
    )
    suppressed = EncryptedJSONField(default=list, blank=True)
    agreement = models.ForeignKey(
        "agreements.ContactAgreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agreement_version = models.PositiveIntegerField(null=True, blank=True)
    outside_agreement = models.BooleanField(default=False)
    over_frequency_limit = models.BooleanField(default=False)
    is_check_in = models.BooleanField(default=False)
    after_hours = models.BooleanField(default=False)
    decided_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when triage decided; the clinician for a re-triage.",
    )
    reason = EncryptedTextField(blank=True, help_text="Why a clinician re-triaged.")
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next"
    )

    class Meta:
        ordering = ["message", "decided_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} → {self.get_disposition_display()}"


class SessionNote(models.Model):
    """A client's note for the next session: private until the client shares it."""

    client = models.ForeignKey(
        "agreements.Membership", on_delete=models.PROTECT, related_name="session_notes"
    )
    body = EncryptedTextField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    shared_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Session note of {self.client.user} ({'shared' if self.shared_at else 'private'})"


# Escalation models live in their own module; importing them here registers them with the app.
from messaging.escalation.models import (  # noqa: E402
    ContactMethod,
    ContactMethodKind,
    EngineHeartbeat,
    Escalation,
    EscalationState,
    EscalationStep,
    Notification,
    NotificationPurpose,
    NotificationStatus,
    OnCallMember,
    OnCallOverride,
    OnCallSchedule,
    SafetyOutcome,
    StepAction,
)

__all__ = [
    "ContactEvent",
    "ContactMethod",
    "ContactMethodKind",
    "Direction",
    "Disposition",
    "EngineHeartbeat",
    "Escalation",
    "EscalationPolicy",
    "EscalationState",
    "EscalationStep",
    "EventType",
    "Message",
    "MessageStatus",
    "Notification",
    "NotificationPurpose",
    "NotificationStatus",
    "OnCallMember",
    "OnCallOverride",
    "OnCallSchedule",
    "SafetyOutcome",
    "SessionNote",
    "StepAction",
    "TriageDecision",
]
