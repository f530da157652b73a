"""The contact log's hash chain: pure functions, no ORM.

Each practice's events form one chain. Event number ``sequence`` (1, 2, 3, …) stores the hash
of the one before it (``previous_hash``; ``GENESIS`` for the first) and its own ``hash``, a
SHA-256 over that previous hash and a canonical encoding of the event's content. Rewriting,
deleting or inserting a row anywhere breaks the link to the row after it, which anyone can
recompute (``manage.py verify_contact_log``).

What is hashed is the values as the application reads them, never their storage: timestamps
in UTC with microseconds, foreign keys as ids, JSON with sorted keys. The log's columns are not
encrypted today; if a column ever is, hash its plaintext, so that ``rotate_encryption_keys``
(which re-encrypts in place) does not break the chain.
"""

import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

VERSION = "contactlog.v1"
GENESIS = "0" * 64

# The hashed columns, in their hashed order. Adding one is a new VERSION.
FIELDS = (
    "practice_id",
    "sequence",
    "occurred_at",
    "event_type",
    "actor_id",
    "client_id",
    "agreement_id",
    "message_id",
    "therapist_id",
    "channel",
    "category",
    "disposition",
    "summary",
    "details",
)


def _canonical_json(value: Any) -> Any:
    """JSON values as they read back from any backend (PostgreSQL's jsonb renders 1e20 as
    100000000000000000000 and keeps 1.0 as 1.0): whole floats as ints, tuples as lists."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer():
            return int(value)
        return value
    if isinstance(value, Mapping):
        return {str(key): _canonical_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical_json(item) for item in value]
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("contact-log timestamps are aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(values: Mapping[str, Any]) -> bytes:
    """The bytes hashed for one event: ``FIELDS`` in order, JSON-encoded, UTF-8."""
    encoded = []
    for name in FIELDS:
        value = values[name]
        if name == "occurred_at":
            value = _timestamp(value)
        elif name == "details":
            value = _canonical_json(value or {})
        encoded.append(value)
    text = json.dumps(
        [VERSION, *encoded], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return text.encode("utf-8")


def event_hash(values: Mapping[str, Any], previous_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(previous_hash.encode("ascii"))
    digest.update(b"\n")
    digest.update(canonical(values))
    return digest.hexdigest()


@dataclass(frozen=True)
class Break:
    """The first link that does not hold."""

    sequence: int  # the chain position where it breaks
    event_id: int | None  # the row found there (None: the row is missing)
    reason: str


@dataclass(frozen=True)
class Verified:
    """How far a stretch of the chain holds: up to ``sequence`` (hash ``hash``), or a break."""

    sequence: int
    hash: str
    checked: int
    broken: Break | None = None


def verify(
    rows: Iterable[Mapping[str, Any]],
    *,
    after_sequence: int = 0,
    after_hash: str = GENESIS,
    pinned: Mapping[int, str] | None = None,
) -> Verified:
    """Walk ``rows`` (ordered by sequence, each with ``id``, ``previous_hash``, ``hash`` and the
    ``FIELDS``) from a known-good point and stop at the first broken link.

    ``pinned`` maps sequences to hashes recorded earlier (a verified checkpoint): a chain
    recomputed consistently from an earlier point on still breaks there.
    """
    sequence, head, checked = after_sequence, after_hash, 0
    pinned = pinned or {}
    for row in rows:
        expected = sequence + 1
        if row["sequence"] != expected:
            reason = (
                f"event {expected} is missing (the next one is {row['sequence']})"
                if row["sequence"] > expected
                else f"event {row['sequence']} appears twice or out of order"
            )
            return Verified(sequence, head, checked, Break(expected, row["id"], reason))
        if row["previous_hash"] != head:
            return Verified(
                sequence,
                head,
                checked,
                Break(expected, row["id"], "its link to the previous event does not match"),
            )
        if event_hash(row, head) != row["hash"]:
            return Verified(
                sequence,
                head,
                checked,
                Break(expected, row["id"], "its content was changed after it was written"),
            )
        if expected in pinned and pinned[expected] != row["hash"]:
            return Verified(
                sequence,
                head,
                checked,
                Break(expected, row["id"], "it differs from the event verified there before"),
            )
        sequence, head, checked = expected, row["hash"], checked + 1
    return Verified(sequence, head, checked)
