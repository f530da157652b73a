"""Every inbound request as it arrived, kept before anything can fail (DESIGN.md, invariant 10).

A view stores an ``InboundEnvelope`` in its own transaction first, then processes it into a
``Message``. When processing fails the envelope stays, a retrying sweeper
(``messaging.tasks.envelopes_sweep``) takes it up again, and staff see a banner until it is
processed. The raw request is encrypted at rest; the envelope's other fields carry no clinical
text, so they can be listed and counted.
"""

from django.db import models
from django.utils import timezone

from contactpolicy.fields import EncryptedJSONField


class EnvelopeChannel(models.TextChoices):
    PORTAL = "portal", "Client portal"
    API = "api", "Client API"
    SMS = "sms", "SMS webhook"
    EMAIL = "email", "Email webhook"
    CONSOLE = "console", "Operator console"
    VOICE = "voice", "Voice webhook"


class EnvelopeStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be processed"
    PROCESSING = "processing", "Being processed"
    PROCESSED = "processed", "Processed"
    FAILED = "failed", "Processing failed; will be retried"
    REFUSED = "refused", "Refused; the sender was told why"
    # Sent to a number or address no practice has, by a sender no practice knows: never filed
    # under a practice by guess. Kept for the instance's administrators to assign.
    QUARANTINED = "quarantined", "Quarantined: no practice is configured for the address"


class InboundEnvelope(models.Model):
    """One inbound request on any channel, raw, with what became of it."""

    channel = models.CharField(max_length=16, choices=EnvelopeChannel.choices)
    received_at = models.DateTimeField(default=timezone.now)
    practice = models.ForeignKey(
        "agreements.Practice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty until known (a webhook's sender is recognised when it is processed).",
    )
    submitted_by = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who was signed in: the client (portal, API) or the operator (console).",
    )
    # {"content_type", "fields": {name: [values]}} for a form, {"content_type", "text"} for
    # JSON: as received, before normalisation; at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes.
    raw = EncryptedJSONField()
    raw_size = models.PositiveIntegerField(default=0, help_text="Bytes in the request body.")
    # What processing needs, normalised; written once the request has been read.
    intake = EncryptedJSONField(null=True, blank=True)
    changes = models.JSONField(
        default=list, blank=True, help_text="[{field, change}]: what normalisation changed."
    )
    status = models.CharField(
        max_length=12, choices=EnvelopeStatus.choices, default=EnvelopeStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(
        max_length=200, blank=True, help_text="The exception's type only: never message text."
    )
    refusal = models.CharField(max_length=64, blank=True, help_text="Why it was refused.")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="envelopes",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # envelopes_due: the sweeper's "unfinished and due" scan.
            models.Index(fields=["status", "next_attempt_at"], name="envelope_due"),
            # envelopes_needing_attention_count: the staff banner.
            models.Index(fields=["practice", "status"], name="envelope_practice_status"),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} request {self.pk} ({self.get_status_display()})"
