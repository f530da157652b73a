"""Writes for signing in: enrolling and checking the second factor, recovery codes, the reset
throttle, and what a changed password revokes."""

import base64
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from agreements.models import PasswordResetRequest, User
from agreements.tokens import api_tokens_revoke_all

from . import selectors

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps take it when typed in (RFC 4648 base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def recovery_code_new() -> str:
    """Ten lowercase base32 characters in two groups: easy to read out, 50 bits each."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()[:10]
    return f"{raw[:5]}-{raw[5:]}"


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """An unconfirmed authenticator for ``user`` (the one already pending, if any)."""
    return selectors.totp_device_pending(user=user) or TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, confirmed=False
    )


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str]:
    """Confirm ``device`` with a code from the app; replaces any earlier authenticator and
    returns fresh recovery codes (shown once)."""
    if device.user_id != user.pk or device.confirmed:
        raise ValidationError("Start the set-up again.")
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if not device.verify_token(code.strip().replace(" ", "")):
        raise ValidationError("That code didn't match. Check the time on your phone and try again.")
    TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return recovery_codes_replace(user=user)


@transaction.atomic
def recovery_codes_replace(*, user: User, codes: list[str] | None = None) -> list[str]:
    """A new set of single-use recovery codes; the old ones stop working."""
    codes = codes or [recovery_code_new() for _ in range(RECOVERY_CODE_COUNT)]
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=selectors.RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def second_factor_check(*, user: User, code: str) -> Device | None:
    """The device that accepts ``code``: the authenticator's current code, or a recovery code
    (used up by this). django-otp slows down repeated failures on each device."""
    code = code.strip().lower().replace(" ", "")
    if not code:
        return None
    with transaction.atomic():
        if code.isdigit():
            device = (
                TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            )
        else:
            device = (
                StaticDevice.objects.select_for_update()
                .filter(user=user, confirmed=True, name=selectors.RECOVERY_DEVICE_NAME)
                .first()
            )
        if device is not None and device.verify_token(code):
            return device
    return None


def password_reset_record(*, email: str, client_address: str) -> PasswordResetRequest:
    """Count one reset request (and forget those older than the throttle window)."""
    PasswordResetRequest.objects.filter(
        requested_at__lt=timezone.now() - selectors.RESET_WINDOW
    ).delete()
    return PasswordResetRequest.objects.create(
        email=email.strip().lower()[:254], client_address=client_address
    )


def password_changed(*, user: User, reason: str) -> int:
    """After a password change or reset: every API token of ``user`` stops working. (Every
    other session already has: Django checks the password hash on each request.)"""
    return api_tokens_revoke_all(user=user, reason=reason)


@transaction.atomic
def demo_second_factor_enrol(*, user: User, key_hex: str, recovery_codes: list[str]) -> None:
    """Give a demo person the documented authenticator and recovery codes, once."""
    if selectors.second_factor_enrolled(user=user):
        return
    TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, key=key_hex, confirmed=True)
    recovery_codes_replace(user=user, codes=recovery_codes)
