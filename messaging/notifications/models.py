"""What leaves the app: notifications (pages, incidents, messages to clients) and the contact
methods staff are reached by. Each notification has an idempotency key, so a task that runs
twice sends once; ``messaging.notifications.services.notification_send`` is the one sender.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from contactpolicy.fields import EncryptedTextField


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


class NotificationStatus(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    SENT = "sent", "Handed to the provider"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class NotificationPurpose(models.TextChoices):
    PAGE = "page", "Page"
    CLIENT_UPDATE = "client_update", "Update to the client"
    INCIDENT = "incident", "Incident for the admin"
    AUTO_REPLY = "auto_reply", "Auto-reply"
    REPLY = "reply", "Clinician's reply"
    INVITATION = "invitation", "Invitation"


class Notification(models.Model):
    """One outgoing page, update or message to a client; sent by ``notification_send``.

    ``message`` is the outbound ``Message`` it carries to a client (auto-replies, clinicians'
    replies, escalation updates): its status follows the send. Pages and incidents have none.
    """

    escalation = models.ForeignKey(
        "messaging.Escalation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
    )
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="notifications",
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
    # A reply to a client is as private as the message it carries.
    body = EncryptedTextField()
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
