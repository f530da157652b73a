"""Phone numbers: the one normaliser and the one way two numbers are compared.

Contact methods store numbers in E.164 (``phone_normalize``). Inbound numbers (an SMS sender, a
caller) are matched on their last ten digits (``phone_match_key``), so ``+1``, a leading ``1`` or
punctuation never decide whether a client or a clinician is recognised.
"""

import re

_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_E164 = re.compile(r"\+\d{8,15}")
MATCH_DIGITS = 10
MIN_MATCH_DIGITS = 7


def phone_normalize(value: str) -> str | None:
    """``+1 (555) 010-2030`` → ``+15550102030``; None unless it is + and 8–15 digits."""
    compact = _PHONE_PUNCTUATION.sub("", value or "")
    return compact if _E164.fullmatch(compact) else None


def phone_match_key(value: str) -> str | None:
    """The digits two numbers are compared on, or None when too few to identify anyone."""
    digits = "".join(ch for ch in (value or "") if ch.isdigit())[-MATCH_DIGITS:]
    return digits if len(digits) >= MIN_MATCH_DIGITS else None
