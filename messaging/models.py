"""Messages, their triage decisions and session notes; and every model of the messaging app.

Django finds an app's models through this module, so it imports each package's models. The
tables keep their ``messaging_`` names whichever package defines the model.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from agreements.models import Channel, Purpose
from contactpolicy.fields import EncryptedJSONField, EncryptedTextField
from messaging.triage import engine


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
    joined_escalation = models.ForeignKey(
        "messaging.Escalation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="joined_messages",
        help_text="A later crisis message from the client while their escalation was open: it "
        "joins that chain instead of starting another.",
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
            # The oversight dashboard's counts of a practice's inbound messages in a period
            # (messaging/oversight/selectors.py: contact_volume, clients_over_limit): a range
            # scan of the period instead of every message the practice ever had.
            models.Index(
                fields=["practice", "direction", "received_at"], name="message_inbound_time"
            ),
        ]

    def __str__(self) -> str:
        who = self.client.user if self.client_id else (self.sender_address or "unknown sender")
        return f"{self.get_direction_display()} {self.get_channel_display()} message, {who}"


class Disposition(models.TextChoices):
    """The triage rules' dispositions (``engine.Disposition``), with the words people read."""

    ESCALATE = engine.Disposition.ESCALATE.value, "Escalated now"
    DELIVER = engine.Disposition.DELIVER.value, "Delivered for a reply"
    HOLD_FOR_SESSION = engine.Disposition.HOLD_FOR_SESSION.value, "Held for the next session"


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


# Models of the packages, registered with the app through this module.
from messaging.between.models import (  # noqa: E402
    CaringContact,
    CaringContactState,
    CaringSchedule,
    CaringStopVia,
    CheckIn,
    CheckInState,
)
from messaging.contactlog.models import ContactEvent, ContactLogChain, EventType  # noqa: E402
from messaging.escalation.models import (  # noqa: E402
    EngineHeartbeat,
    Escalation,
    EscalationPolicy,
    EscalationState,
    EscalationStep,
    OnCallMember,
    OnCallOverride,
    OnCallSchedule,
    SafetyOutcome,
    StepAction,
)
from messaging.intake.models import (  # noqa: E402
    EnvelopeChannel,
    EnvelopeStatus,
    InboundEnvelope,
)
from messaging.notifications.models import (  # noqa: E402
    ContactMethod,
    ContactMethodKind,
    Notification,
    NotificationPurpose,
    NotificationStatus,
)
from messaging.voice.models import CallSession, CallState  # noqa: E402

__all__ = [
    "CallSession",
    "CallState",
    "CaringContact",
    "CaringContactState",
    "CaringSchedule",
    "CaringStopVia",
    "CheckIn",
    "CheckInState",
    "ContactEvent",
    "ContactLogChain",
    "ContactMethod",
    "ContactMethodKind",
    "Direction",
    "Disposition",
    "EngineHeartbeat",
    "EnvelopeChannel",
    "EnvelopeStatus",
    "Escalation",
    "EscalationPolicy",
    "EscalationState",
    "EscalationStep",
    "EventType",
    "InboundEnvelope",
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
