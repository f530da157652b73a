"""Reads for signing in: who is signing in from where, their second-factor devices, the reset
throttle."""

from datetime import timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agreements.models import PasswordResetRequest, User

RESET_WINDOW = timedelta(hours=1)
RECOVERY_DEVICE_NAME = "Recovery codes"


def signin_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """The account a sign-in is for, as django-axes counts it: the email, lowercased."""
    source = credentials or (request.POST if request is not None else {}) or {}
    value = source.get("username") or source.get("email") or ""
    return str(value).strip().lower()[:254]


def signin_client_address(request: HttpRequest) -> str:
    """The client's address: behind N trusted proxies, the Nth from the right of
    X-Forwarded-For (the one the outermost trusted proxy saw), else REMOTE_ADDR."""
    proxies = settings.SIGNIN_TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:64]
    return (request.META.get("REMOTE_ADDR") or "unknown")[:64]


def totp_device_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def totp_device_pending(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()


def second_factor_enrolled(*, user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(*, user: User) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__confirmed=True, device__name=RECOVERY_DEVICE_NAME
    ).count()


def recovery_device(*, user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()


def password_reset_allowed(*, email: str, client_address: str) -> bool:
    since = timezone.now() - RESET_WINDOW
    recent = PasswordResetRequest.objects.filter(requested_at__gte=since)
    return (
        recent.filter(email=email.strip().lower()[:254]).count()
        < settings.PASSWORD_RESET_LIMIT_PER_EMAIL
        and recent.filter(client_address=client_address).count()
        < settings.PASSWORD_RESET_LIMIT_PER_ADDRESS
    )
