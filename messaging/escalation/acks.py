"""Acknowledging a page: signed links, per-page SMS codes and finding the page an SMS reply
answers.
"""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from agreements.phones import phone_match_key
from messaging.models import EscalationState, Notification

ACK_SALT = "contactpolicy.escalation.ack"


ACK_LINK_MAX_AGE = timedelta(hours=24)


def ack_code_new() -> str:
    return f"{secrets.randbelow(10**4):04d}"


def ack_token(notification: Notification) -> str:
    return signing.TimestampSigner(salt=ACK_SALT).sign(str(notification.pk))


def ack_url(notification: Notification) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "escalation:ack_link", args=[ack_token(notification)]
    )


def ack_from_token(token: str) -> Notification:
    signer = signing.TimestampSigner(salt=ACK_SALT)
    pk = signer.unsign(token, max_age=ACK_LINK_MAX_AGE)
    return Notification.objects.select_related("escalation", "recipient").get(pk=pk)


_SMS_ACK = re.compile(r"\s*(?:ack|ok|yes)?\s*#?\s*(\d{4})\s*\.?\s*", flags=re.IGNORECASE)


def page_for_sms_ack(*, phone: str, body: str) -> Notification | None:
    """The open page whose code ``body`` gives, sent to the phone the reply came from."""
    found = _SMS_ACK.fullmatch(body)
    key = phone_match_key(phone)
    if not found or key is None:
        return None
    candidates = (
        Notification.objects.filter(
            ack_code=found.group(1),
            channel__in=["sms", "voice"],
            escalation__state__in=[EscalationState.ACTIVE, EscalationState.EXHAUSTED],
            recipient__isnull=False,
        )
        .select_related("recipient")
        .order_by("-created_at")
    )
    for notification in candidates:
        if phone_match_key(notification.address) == key:
            return notification
    return None
