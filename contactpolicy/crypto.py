"""Encryption at rest for message bodies, notes and safety plans (Fernet, via ``cryptography``).

Keys come from the ``FIELD_ENCRYPTION_KEYS`` setting (the environment variable of the same name:
comma-separated Fernet keys). The FIRST key encrypts; every key is tried to decrypt
(``MultiFernet``), so a new key can be put in front while older data is still readable, and
``manage.py rotate_encryption_keys`` then re-encrypts everything with it.

Production refuses to start without keys (``contactpolicy.settings.production``). Elsewhere, with
none set, a key is generated once into ``FIELD_ENCRYPTION_KEY_FILE`` (``VAR_DIR /
"field-encryption.key"``, mode 0600) and reused, so ``make run`` needs no setup and its data
survives restarts.

No error raised here ever contains key material or the text being encrypted.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Every Fernet token starts with these characters (version byte 0x80, then the timestamp).
TOKEN_PREFIX = "gAAAAA"
_TOKEN_SHAPE = re.compile(r"gAAAAA[A-Za-z0-9_-]+={0,2}")
# version (1) + timestamp (8) + IV (16) + one AES block (16) + HMAC (32) = 73 bytes, base64: 100.
_TOKEN_MIN_LENGTH = 100

GENERATE_HINT = (
    "generate one with: python -c "
    '"from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


class FieldDecryptionError(Exception):
    """A stored value could not be decrypted with any configured key."""


def looks_like_token(value: object) -> bool:
    """Whether ``value`` has the shape of a Fernet token (says nothing about which key)."""
    return (
        isinstance(value, str)
        and len(value) >= _TOKEN_MIN_LENGTH
        and len(value) % 4 == 0
        and _TOKEN_SHAPE.fullmatch(value) is not None
    )


# --- keys ---------------------------------------------------------------------------------


def parse_keys(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    """``"k1, k2"`` or ``["k1", "k2"]`` -> ``("k1", "k2")``; blanks are dropped."""
    if not value:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item and item.strip())


def validate_keys(keys: tuple[str, ...] | list[str], *, source: str = "FIELD_ENCRYPTION_KEYS"):
    """Raise ``ImproperlyConfigured`` naming the bad key's position (never its value)."""
    _multifernet(tuple(keys), source)


def configured_keys() -> tuple[str, ...]:
    """The keys in use, primary first: the setting, else the generated development key."""
    keys = parse_keys(getattr(settings, "FIELD_ENCRYPTION_KEYS", None))
    if keys:
        return keys
    key_file = getattr(settings, "FIELD_ENCRYPTION_KEY_FILE", None)
    if key_file:
        return (_key_from_file(str(key_file)),)
    raise ImproperlyConfigured(
        "FIELD_ENCRYPTION_KEYS is not set: give one or more comma-separated Fernet keys "
        f"(the first encrypts, all decrypt); {GENERATE_HINT}"
    )


def load_or_create_key_file(path: Path) -> str:
    """Read the development key at ``path``, creating it (mode 0600) on first use.

    Safe when several processes start at once (``runstack`` starts web, worker and beat): the
    key is written to a private temporary file and linked into place, so exactly one key wins
    and nobody reads a half-written file.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(descriptor, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(Fernet.generate_key() + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            # Atomic: fails if another process created it first, and then theirs is used.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    return _read_key_file(path)


def _read_key_file(path: Path) -> str:
    for _ in range(50):
        key = path.read_text(encoding="ascii", errors="replace").strip()
        if key:
            validate_keys((key,), source=f"The development key file {path}")
            return key
        time.sleep(0.02)  # being written by a process that does not link atomically
    raise ImproperlyConfigured(f"The development key file {path} is empty; delete it.")


@lru_cache(maxsize=8)
def _key_from_file(path: str) -> str:
    return load_or_create_key_file(Path(path))


@lru_cache(maxsize=16)
def _multifernet(keys: tuple[str, ...], source: str = "FIELD_ENCRYPTION_KEYS") -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured(f"{source}: no key given; {GENERATE_HINT}")
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except (ValueError, TypeError):
            # ``from None``: the underlying error must not drag key material into a traceback.
            raise ImproperlyConfigured(
                f"{source}: key {position} of {len(keys)} is not a valid Fernet key "
                f"(32 url-safe base64-encoded bytes); {GENERATE_HINT}"
            ) from None
    return MultiFernet(fernets)


def _fernets() -> MultiFernet:
    return _multifernet(configured_keys())


@lru_cache(maxsize=16)
def _primary(key: str) -> Fernet:
    return Fernet(key)


# --- tokens -------------------------------------------------------------------------------


def encrypt(text: str) -> str:
    """A Fernet token (ASCII text starting ``gAAAAA``) for ``text``, with the primary key."""
    return _fernets().encrypt(text.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, what: str = "a value") -> str:
    """The text inside ``token``; ``FieldDecryptionError`` when no configured key fits."""
    keys = configured_keys()
    if not looks_like_token(token):
        raise FieldDecryptionError(
            f"Could not decrypt {what}: the stored value is not encrypted. Run `manage.py "
            "migrate`, or `manage.py rotate_encryption_keys`, which encrypts leftover plain text."
        )
    try:
        return _multifernet(keys).decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError, AttributeError):
        raise FieldDecryptionError(_undecryptable(what, keys)) from None


def rotate(token: str, *, what: str = "a value") -> str | None:
    """``token`` re-encrypted with the primary key, or ``None`` if it already uses it."""
    keys = configured_keys()
    fernets = _multifernet(keys)
    try:
        raw = token.encode("ascii")
    except UnicodeError:
        raise FieldDecryptionError(_undecryptable(what, keys)) from None
    try:
        _primary(keys[0]).decrypt(raw)
        return None
    except InvalidToken:
        pass
    try:
        return fernets.rotate(raw).decode("ascii")
    except InvalidToken:
        raise FieldDecryptionError(_undecryptable(what, keys)) from None


def is_decryptable(value: object) -> bool:
    """Whether ``value`` is a token one of the configured keys opens."""
    if not looks_like_token(value):
        return False
    try:
        _fernets().decrypt(value.encode("ascii"))  # type: ignore[union-attr]
    except InvalidToken:
        return False
    return True


def _undecryptable(what: str, keys: tuple[str, ...]) -> str:
    return (
        f"Could not decrypt {what}: none of the {len(keys)} configured FIELD_ENCRYPTION_KEYS "
        "opens it (a wrong key, or an old key removed before `manage.py "
        "rotate_encryption_keys` re-encrypted the data)."
    )
