"""One row per phone call to the answering service, keyed by Twilio's CallSid.

Twilio calls a webhook at every turn of a call (the greeting, the caller's choice, each dial,
each whisper, the recording); the session is what those requests share. It holds where the call
is, never what was said: the caller's words become a ``Message`` through intake, and a
recording stays with the provider (its SID and URL are kept, not the audio).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class CallState(models.TextChoices):
    GREETED = "greeted", "Asked whether it is an emergency"
    CONNECTING = "connecting", "Emergency: connecting to a clinician"
    CONNECTED = "connected", "Emergency: a clinician took the call"
    END_OF_CHAIN = "end_of_chain", "Emergency: nobody answered; offered 988 and a message"
    CRISIS_LINE = "crisis_line", "Connected to the crisis line"
    VOICEMAIL = "voicemail", "Leaving a message"
    RECORDED = "recorded", "Message recorded"


class CallSession(models.Model):
    """A call to the answering service, from the greeting to the hang-up."""

    call_sid = models.CharField(max_length=64, unique=True)
    practice = models.ForeignKey(
        "agreements.Practice", on_delete=models.PROTECT, related_name="call_sessions"
    )
    caller_number = models.CharField(max_length=32, blank=True)
    called_number = models.CharField(max_length=32, blank=True)
    client = models.ForeignKey(
        "agreements.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The client whose number called, when recognised.",
    )
    state = models.CharField(max_length=16, choices=CallState.choices, default=CallState.GREETED)
    unclear_answers = models.PositiveSmallIntegerField(default=0)
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The emergency this call declared.",
    )
    escalation = models.ForeignKey(
        "messaging.Escalation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="call_sessions",
    )
    # The step of the engine's chain this call last dialled ("c0:s1"), so a dial that ended
    # early is not repeated before the engine moves on.
    dialled_step = models.CharField(max_length=32, blank=True)
    connected_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    voicemail_envelope = models.ForeignKey(
        "messaging.InboundEnvelope",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recording_sid = models.CharField(max_length=64, blank=True)
    recording_url = models.URLField(max_length=500, blank=True)
    recording_seconds = models.PositiveIntegerField(null=True, blank=True)
    # [{"at": iso, "what": "..."}]: what the call did, in plain words without content, for the
    # escalation timeline and the demo outbox.
    events = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["practice", "-started_at"])]

    def __str__(self) -> str:
        return f"Call {self.call_sid} ({self.get_state_display()})"
