"""Text as it arrives, made storable: pure, no Django.

Every database the app runs on must be able to hold what a client sent. PostgreSQL text
cannot hold NUL, and no encoding can hold a lone surrogate (``"\\ud800"`` from a JSON escape),
so both are changed here — and each change is returned as ``{"field", "change"}`` so the
envelope records what was done to the request.
"""

from __future__ import annotations

import re

__all__ = ["Changes", "bytes_decoded", "text_clean", "text_shortened"]

Changes = list[dict[str, str]]

_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def text_clean(value: str, *, field: str, changes: Changes) -> str:
    """``value`` without NUL characters and with each lone surrogate replaced by U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "")
        changes.append({"field": field, "change": "nul_removed"})
    # In a Python string every code point in the surrogate range is a lone one: paired
    # escapes are decoded to the character they stand for.
    value, replaced = _SURROGATE.subn(REPLACEMENT, value)
    if replaced:
        changes.append({"field": field, "change": "invalid_unicode_replaced"})
    return value


def bytes_decoded(raw: bytes, *, field: str, changes: Changes) -> str:
    """UTF-8 text of ``raw``, invalid sequences replaced by U+FFFD."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        changes.append({"field": field, "change": "invalid_utf8_replaced"})
        return raw.decode("utf-8", errors="replace")


def text_shortened(value: str, *, limit: int, field: str, changes: Changes) -> str:
    """The first ``limit`` characters of ``value``; the caller keeps the whole value elsewhere."""
    if len(value) <= limit:
        return value
    changes.append({"field": field, "change": f"shortened_from_{len(value)}_to_{limit}_chars"})
    return value[:limit]
