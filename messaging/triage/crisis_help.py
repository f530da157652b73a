"""Every sentence that tells a client how to get help now, in one place.

Pure Python, no Django. Crisis help is given at once on every channel (DESIGN.md, invariant 2):
the crisis auto-reply, the safe reply sent when the usual one can't be written, and each
escalation update the client gets all take their words from here, so a practice's own numbers
reach the client the same way wherever they write from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "WITHOUT_A_PRACTICE",
    "EmergencyNumbers",
    "HasEmergencyNumbers",
    "crisis_line",
    "danger_line",
    "help_now",
    "kept_reply_without_practice",
    "practice_lines",
    "safe_reply_text",
]

#: Where no practice is known yet (the sign-in page, the server-error page).
WITHOUT_A_PRACTICE = (
    "If you are in danger now, call your local emergency number "
    "(in the US 911, or 988 for the Suicide & Crisis Lifeline)."
)


class HasEmergencyNumbers(Protocol):
    """Anything carrying a practice's numbers, such as the practice row itself."""

    emergency_number: str
    crisis_line_name: str
    crisis_line_number: str
    crisis_text: str
    phone_line: str
    after_hours_line: str


@dataclass(frozen=True)
class EmergencyNumbers:
    """The practice's emergency numbers, e.g. 911 and the 988 Suicide & Crisis Lifeline, and
    its own lines. An empty line is one the practice hasn't configured: no sentence names it."""

    emergency_number: str
    crisis_line_name: str
    crisis_line_number: str
    crisis_text: str  # a number to text ("988") or an instruction ("Text HOME to 741741")
    phone_line: str = ""  # the practice's main number, E.164
    after_hours_line: str = ""  # answered out of office hours (the answering service), E.164

    @classmethod
    def of(cls, source: HasEmergencyNumbers) -> EmergencyNumbers:
        return cls(
            emergency_number=source.emergency_number,
            crisis_line_name=source.crisis_line_name,
            crisis_line_number=source.crisis_line_number,
            crisis_text=source.crisis_text,
            phone_line=source.phone_line,
            after_hours_line=source.after_hours_line,
        )

    def callable_numbers(self) -> tuple[str, ...]:
        """Every configured number a client may be told to call, most urgent first."""
        numbers = (
            self.emergency_number,
            self.crisis_line_number,
            self.phone_line,
            self.after_hours_line,
        )
        return tuple(dict.fromkeys(n.strip() for n in numbers if n.strip()))


def help_now(numbers: EmergencyNumbers) -> str:
    """The full help, first in a crisis: emergency services, the crisis line, then the
    practice's own lines where it has them."""
    sentences = [
        f"If you are in danger now, call {numbers.emergency_number}.",
        crisis_line(numbers),
        practice_lines(numbers),
    ]
    return " ".join(s for s in sentences if s)


def practice_lines(numbers: EmergencyNumbers) -> str:
    """How to reach the practice by phone; empty when it has configured no line."""
    main, after_hours = numbers.phone_line.strip(), numbers.after_hours_line.strip()
    if main and main == after_hours:
        return f"You can reach the practice on {main}, in office hours and after."
    if main and after_hours:
        return f"To reach the practice, call {main}; after hours, call {after_hours}."
    if main:
        return f"To reach the practice, call {main}."
    if after_hours:
        return f"After hours, the practice's line is {after_hours}."
    return ""


def crisis_line(numbers: EmergencyNumbers) -> str:
    """How to reach the crisis line: call, text, or both when it is the same number."""
    number, name = numbers.crisis_line_number, numbers.crisis_line_name
    text = numbers.crisis_text.strip()
    if not number:
        return text
    if text == number:
        return f"You can call or text {number} ({name}) any time."
    sentence = f"You can call {number} ({name}) any time."
    if not text:
        return sentence
    if text.lower().startswith("text "):
        return f"{sentence} {text[0].upper()}{text[1:].rstrip('.')}."
    return f"{sentence} Or text {text}."


def danger_line(numbers: EmergencyNumbers) -> str:
    """The one short line that ends every reply that is not itself crisis help."""
    called = [n for n in (numbers.emergency_number, numbers.crisis_line_number) if n]
    return f"If you're in danger, call {' or '.join(dict.fromkeys(called))}."


def safe_reply_text(numbers: EmergencyNumbers) -> str:
    """When the usual reply can't be written: help now, and that the message is safe with us."""
    return f"{help_now(numbers)}\nWe have your message and a clinician will see it."


def kept_reply_without_practice() -> str:
    """The safe reply where no practice is known yet to take its numbers from."""
    return f"{WITHOUT_A_PRACTICE}\nWe have your message and a clinician will see it."
