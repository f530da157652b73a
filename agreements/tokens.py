"""Personal API tokens: create, revoke, and find the person a token belongs to.

Only a SHA-256 digest of a token is stored. The raw token is returned once, at creation, and
shown to its owner once; after that nobody — not even the database — can read it back.
"""

import hashlib
import secrets
from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from messaging.contactlog.services import contact_event_record
from messaging.models import EventType

from .models import ApiToken, ApiTokenScope, User
from .selectors import membership_for_user

TOKEN_PREFIX = "cp_"
# Enough to recognise a token in a list ("cp_Ab3xY…"), far too little to guess the rest.
PREFIX_LENGTH = 8
# token_urlsafe(32) is 43 characters; anything much longer is not one of ours.
MAX_TOKEN_LENGTH = 100
# Recording every request would turn each API read into a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_MAX_LENGTH = 100
DEFAULT_LIFETIME = timedelta(days=90)
LIFETIME_CHOICES_DAYS = (7, 30, 90, 365)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(
    *,
    user: User,
    name: str,
    scope: str = ApiTokenScope.WRITE,
    lifetime: timedelta = DEFAULT_LIFETIME,
) -> tuple[ApiToken, str]:
    """A new token for ``user`` with ``scope`` that expires after ``lifetime`` (90 days by
    default). Returns the row and the raw token, which is never stored."""
    if scope not in ApiTokenScope.values:
        raise ValidationError({"scope": "Choose what the token may do."})
    if not timedelta(days=1) <= lifetime <= timedelta(days=max(LIFETIME_CHOICES_DAYS)):
        raise ValidationError({"expires_in": "Choose when the token expires."})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the token a name, e.g. the app that will use it."})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError({"name": "Keep the name under 100 characters."})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            digest=_digest(raw),
            prefix=raw[:PREFIX_LENGTH],
            scope=scope,
            expires_at=timezone.now() + lifetime,
        )
        _log(user, EventType.API_TOKEN_CREATED, f"{user} created API token “{name}”", token)
    return token, raw


def _log(user: User, event_type, summary: str, token: ApiToken) -> None:
    membership = membership_for_user(user)
    if membership is not None:
        contact_event_record(
            practice=membership.practice,
            event_type=event_type,
            actor=user,
            client=membership if membership.is_client else None,
            summary=summary,
            details={"token": token.pk, "prefix": token.prefix},
        )


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Only the owner revokes their token. Revoking twice keeps the first time."""
    if token.user_id != by.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            _log(by, EventType.API_TOKEN_REVOKED, f"{by} revoked API token “{token.name}”", token)
    return token


def api_token_user(raw: str) -> User | None:
    """The active person a live token belongs to, or ``None``."""
    token = api_token_live(raw)
    return token.user if token is not None else None


def api_token_live(raw: str) -> ApiToken | None:
    """The live token (not revoked, not expired, its person active) ``raw`` is, or ``None``.

    The lookup is by digest, so the time it takes says nothing about how much of a guessed token
    was right: the database compares hashes, never the secret itself.
    """
    if not raw or len(raw) > MAX_TOKEN_LENGTH or not raw.isascii():
        return None
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            digest=_digest(raw),
            revoked_at=None,
            user__is_active=True,
            expires_at__gt=timezone.now(),
        )
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        token.save(update_fields=["last_used_at"])
    return token


# --- reads (who may open one token: ``access.access_api_token``) ------------------------------


def api_tokens_for_user(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at")


def api_tokens_revoke_all(*, user: User, reason: str) -> int:
    """Revoke every live token of ``user`` (their password changed or was reset). Returns how
    many were revoked; each revocation is logged like one the owner made."""
    revoked = 0
    with transaction.atomic():
        live = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at=None))
        now = timezone.now()
        for token in live:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            _log(
                user,
                EventType.API_TOKEN_REVOKED,
                f"API token “{token.name}” revoked: {reason}",
                token,
            )
            revoked += 1
    return revoked
