"""Where a notification leaves the app: one small backend per channel.

A backend's ``send(notification)`` hands the notification to its provider and returns who took it
(``SendResult``), or raises ``SendFailed`` saying whether trying again could help. Backends know
nothing about rows, locks or retries; ``messaging.notifications.services`` does. Reasons in
``SendFailed`` are stored and shown to admins, so they never contain an address or a body.

Twilio is reached through ``twilio_http_client()``, which tests replace to stub the HTTP transport
and see the exact request the library would send.
"""

import functools
import logging
import smtplib
from abc import ABC, abstractmethod
from dataclasses import dataclass
from email.utils import make_msgid
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import DNS_NAME
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient

from messaging.notifications.models import (
    ContactMethodKind,
    Notification,
    NotificationPurpose,
    NotificationStatus,
)
from messaging.voice.callflow import page_call

logger = logging.getLogger(__name__)

# Twilio's limits: one SMS request carries at most 1,600 characters.
SMS_MAX_CHARS = 1600
# A provider call must end well inside the task's time limit (see ``sending.SEND_LEASE``).
TWILIO_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class SendResult:
    provider: str
    provider_id: str


class SendFailed(Exception):
    """The provider did not take the notification. ``reason`` holds no personal data."""

    def __init__(self, reason: str, *, retryable: bool = True):
        super().__init__(reason)
        self.reason = reason[:300]
        self.retryable = retryable


class Backend(Protocol):
    provider: str

    def send(self, notification: Notification) -> SendResult: ...


def _default_subject(notification: Notification) -> str:
    if notification.subject:
        return notification.subject
    return f"Contact Policy: {NotificationPurpose(notification.purpose).label}"


class EmailBackend:
    provider = "email"

    def send(self, notification: Notification) -> SendResult:
        if not notification.address:
            raise SendFailed("no email address", retryable=False)
        message_id = make_msgid(domain=DNS_NAME)
        email = EmailMessage(
            subject=_default_subject(notification),
            body=notification.body,
            to=[notification.address],
            headers={"Message-ID": message_id},
        )
        try:
            email.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as error:
            permanent = all(code >= 500 for code, _ in error.recipients.values())
            raise SendFailed("mail server refused the recipient", retryable=not permanent) from None
        except ValueError:  # a header Django refuses (e.g. a newline in the subject)
            raise SendFailed("email could not be built", retryable=False) from None
        except (smtplib.SMTPException, OSError) as error:
            raise SendFailed(f"mail server error ({type(error).__name__})") from None
        return SendResult(provider=self.provider, provider_id=message_id.strip("<>"))


@functools.cache
def _shared_twilio_http_client() -> TwilioHttpClient:
    # One pooled session per process; a timeout so a hung request can't outlive the send lease.
    return TwilioHttpClient(timeout=TWILIO_TIMEOUT_SECONDS)


def twilio_http_client() -> HttpClient:
    """The HTTP transport Twilio's client uses.

    ``TWILIO_HTTP_CLIENT`` (a dotted path to an ``HttpClient`` factory) replaces it, which is how
    the fault tests give real worker processes a stub transport; unit tests monkeypatch this.
    """
    if settings.TWILIO_HTTP_CLIENT:
        return import_string(settings.TWILIO_HTTP_CLIENT)()
    return _shared_twilio_http_client()


def twilio_configured() -> bool:
    return bool(
        settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER
    )


def _status_callback_url() -> str | None:
    """Where Twilio reports delivery, when the app has a public https address to give it."""
    base = (settings.TWILIO_WEBHOOK_BASE_URL or settings.SITE_URL or "").rstrip("/")
    if not base.startswith("https://"):
        return None
    try:
        return base + reverse("twilio_status_callback")
    except NoReverseMatch:
        return None


def _twilio_failure(error: Exception) -> SendFailed:
    # Twilio's own message can quote the phone number: keep only the status and error code.
    if isinstance(error, TwilioRestException):
        retryable = error.status == 429 or error.status >= 500
        # Twilio's library fills a missing error code with the HTTP status.
        code = f" error {error.code}" if error.code and error.code != error.status else ""
        return SendFailed(f"Twilio HTTP {error.status}{code}", retryable=retryable)
    return SendFailed(f"Twilio unreachable ({type(error).__name__})")


class _TwilioBackend(ABC):
    """Shared by SMS and voice: the client, the status callback and failure mapping."""

    provider = "twilio"

    def __init__(self, http_client: HttpClient | None = None):
        self.http_client = http_client

    def _client(self):
        from twilio.rest import Client

        return Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=self.http_client or twilio_http_client(),
        )

    def send(self, notification: Notification) -> SendResult:
        if not notification.address:
            raise SendFailed("no phone number", retryable=False)
        extra = {}
        callback = _status_callback_url()
        if callback:
            extra["status_callback"] = callback
        try:
            sid = self._create(notification, extra)
        except (TwilioException, OSError) as error:
            # requests' ConnectionError and Timeout are OSErrors.
            raise _twilio_failure(error) from None
        return SendResult(provider=self.provider, provider_id=sid)

    @abstractmethod
    def _create(self, notification: Notification, extra: dict) -> str:
        """Hand the notification to Twilio; return its SID."""


class TwilioSmsBackend(_TwilioBackend):
    def _create(self, notification: Notification, extra: dict) -> str:
        message = self._client().messages.create(
            to=notification.address,
            from_=settings.TWILIO_FROM_NUMBER,
            body=notification.body[:SMS_MAX_CHARS],
            **extra,
        )
        return message.sid


def _public_base_url() -> str | None:
    base = (settings.TWILIO_WEBHOOK_BASE_URL or settings.SITE_URL or "").rstrip("/")
    return base if base.startswith("https://") else None


def voice_page_answer_url(notification: Notification) -> str | None:
    """Where a page call's "press 1 to acknowledge" is answered, when the app has a public
    https address to give Twilio."""
    base = _public_base_url()
    if base is None:
        return None
    try:
        return base + reverse("voice_page_answer") + f"?notification={notification.pk}"
    except NoReverseMatch:
        return None


def spoken_page(text: str) -> str:
    """A page as heard: who and how urgent, and the callback number; the written ways to
    acknowledge (a code, a link) are left to the text and the app."""
    return text.split(" Acknowledge:")[0].strip()


def voice_twiml(text: str, ack_url: str | None = None) -> str:
    """Read the page out twice, so someone who picks up mid-sentence still hears all of it; with
    a public address, "press 1 to acknowledge" (``messaging.voice``) takes the answer."""
    return str(page_call(text=spoken_page(text), ack_url=ack_url))


class TwilioVoiceBackend(_TwilioBackend):
    def _create(self, notification: Notification, extra: dict) -> str:
        call = self._client().calls.create(
            to=notification.address,
            from_=settings.TWILIO_FROM_NUMBER,
            twiml=voice_twiml(notification.body, voice_page_answer_url(notification)),
            **extra,
        )
        return call.sid


class InAppBackend:
    """Nothing leaves the app: the recipient sees it on their notifications page."""

    provider = "in_app"

    def send(self, notification: Notification) -> SendResult:
        if notification.recipient_id is None:
            raise SendFailed("in-app notification without a recipient", retryable=False)
        return SendResult(provider=self.provider, provider_id=f"in_app:{notification.pk}")


class OutboxBackend:
    """Embedded/demo mode: nothing leaves the machine; the outbox page shows what would have."""

    provider = "outbox"

    def send(self, notification: Notification) -> SendResult:
        logger.info("notification %s kept in the outbox", notification.pk)
        return SendResult(provider=self.provider, provider_id=f"outbox:{notification.pk}")


class UnconfiguredBackend:
    """Production without a provider: fail at once and loudly rather than pretend."""

    provider = "unconfigured"

    def __init__(self, reason: str):
        self.reason = reason

    def send(self, notification: Notification) -> SendResult:
        raise SendFailed(self.reason, retryable=False)


def phone_outbox_allowed() -> bool:
    return bool(settings.USES_EMBEDDED_SERVICES or settings.DEBUG)


def backend_for(channel: str) -> Backend:
    if channel == ContactMethodKind.EMAIL:
        return EmailBackend()
    if channel == ContactMethodKind.IN_APP:
        return InAppBackend()
    if channel in (ContactMethodKind.SMS, ContactMethodKind.VOICE):
        if twilio_configured():
            return TwilioSmsBackend() if channel == ContactMethodKind.SMS else TwilioVoiceBackend()
        if phone_outbox_allowed():
            return OutboxBackend()
        label = "SMS" if channel == ContactMethodKind.SMS else "Voice"
        return UnconfiguredBackend(f"{label} provider not configured")
    raise ValueError(f"unknown channel {channel!r}")


_TWILIO_STATUSES = {
    # Messages
    "delivered": NotificationStatus.DELIVERED,
    "read": NotificationStatus.DELIVERED,
    "undelivered": NotificationStatus.FAILED,
    "failed": NotificationStatus.FAILED,
    "canceled": NotificationStatus.FAILED,
    # Calls: answered (by a person or a voicemail) counts as delivered.
    "in-progress": NotificationStatus.DELIVERED,
    "completed": NotificationStatus.DELIVERED,
    "busy": NotificationStatus.FAILED,
    "no-answer": NotificationStatus.FAILED,
}


def status_from_twilio(status: str) -> NotificationStatus | None:
    """DELIVERED or FAILED for a final Twilio status; None while it is still on its way
    (queued, accepted, sending, sent, scheduled, initiated, ringing) or unknown."""
    return _TWILIO_STATUSES.get((status or "").strip().lower())
