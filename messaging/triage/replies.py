"""The auto-reply a client gets at once, on the same channel: what happens next, kindly.

Pure Python, no Django. The words restate the agreement rather than refuse: a delivered
message says when to expect a reply, a held one says it is kept for the session, and a crisis
puts the emergency numbers first, then who is being contacted, then the client's own safety
plan. Every other reply ends with one short line saying where to turn in danger. The words of
that help come from ``messaging.triage.crisis_help``.

Replies are read on phones and as SMS, so they stay short. Times are in the client's zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from agreements.business_hours import describe_due
from messaging.triage.categories import Category
from messaging.triage.crisis_help import EmergencyNumbers, danger_line, help_now
from messaging.triage.engine import CLIENT_RAISED, Disposition, TriageDecision

__all__ = [
    "RAISE_KEYWORD",
    "AutoReply",
    "Promised",
    "auto_reply",
    "body_cut_line",
    "how_to_raise",
    "promise_text",
]

#: The word a client replies with, by SMS or email, to say a held or delivered message can't
#: wait (case does not matter). It is not an acknowledgement code: those are four digits.
RAISE_KEYWORD = "URGENT"

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class AutoReply:
    text: str
    # True when the reply opens with the full crisis help: emergency numbers, then the plan.
    includes_crisis_help: bool


@dataclass(frozen=True)
class Promised:
    """What an escalation will do, in names (``machine.promise``, with who each step reaches).

    ``contacting`` is being contacted now; ``then`` is contacted at ``then_at`` if nobody has
    answered, or None when the chain ends then (``ends_at``) and the practice is alerted.
    """

    contacting: str = ""
    then: str | None = None
    then_at: datetime | None = None
    ends_at: datetime | None = None
    acknowledged_by: str = ""
    resolved: bool = False
    exhausted: bool = False


def promise_text(promised: Promised, *, now: datetime, time_zone: str, urgent: bool) -> str:
    """Who is being contacted now and next, for the reply, the status page and the updates.

    ``urgent``: an urgent (not crisis) message the agreement sends on call after hours — the
    clinician is asked to call back.
    """
    if promised.resolved:
        return f"{promised.acknowledged_by} has been in touch about this message."
    if promised.acknowledged_by:
        return f"{promised.acknowledged_by} has your message and is calling you now."
    if promised.exhausted:
        return (
            "We haven't been able to reach a clinician yet. The practice team has been alerted "
            "and is still trying."
        )
    if urgent:
        first = f"We've asked {promised.contacting} to call you back now."
    else:
        first = f"We're contacting {promised.contacting} now."
    when = _clock_phrase(promised.then_at or promised.ends_at, now, time_zone)
    if promised.then:
        after = f"If they haven't answered by {when}, we'll contact {promised.then}."
    else:
        after = f"If they haven't answered by {when}, the practice team is alerted."
    if urgent and promised.then and promised.ends_at:
        ends = _clock_phrase(promised.ends_at, now, time_zone)
        after += f" We keep trying until {ends}, then the practice team is alerted."
    return f"{first} {after}"


def _clock_phrase(at: datetime | None, now: datetime, time_zone: str) -> str:
    """'22:15', 'tomorrow 00:05' or 'Thursday 09:00', in the client's zone (minutes rounded up,
    so it never says sooner than the engine will act)."""
    if at is None:
        return "soon"
    zone = ZoneInfo(time_zone)
    if at.second or at.microsecond:
        at = at.replace(second=0, microsecond=0) + timedelta(minutes=1)
    local, today = at.astimezone(zone), now.astimezone(zone).date()
    days = (local.date() - today).days
    if days == 0:
        return f"{local:%H:%M}"
    if days == 1:
        return f"tomorrow {local:%H:%M}"
    day = f"{_WEEKDAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]}"
    return f"{day} {local:%H:%M}"


def auto_reply(
    decision: TriageDecision,
    *,
    now: datetime,
    time_zone: str,
    client_first_name: str,
    therapist_name: str,
    emergency: EmergencyNumbers,
    safety_plan: Sequence[tuple[str, str]] | None,
    body_cut: tuple[int, int] | None = None,
    channel: str | None = None,
    promised: Promised | None = None,
) -> AutoReply:
    """The reply for one triage decision, in the client's ``time_zone``.

    ``safety_plan`` is the client's plan as (step, what they wrote) pairs, in order; steps left
    empty are skipped. ``body_cut`` is (characters kept, characters sent) when the message was
    longer than intake takes whole. ``channel`` is the one the reply goes out on: a held or
    delivered reply then says how to raise the message on it (``how_to_raise``). ``promised``:
    for an escalation, who its policy snapshot contacts now and next (without it the reply says
    only that a clinician is being reached).
    """
    cut = [body_cut_line(*body_cut)] if body_cut else []
    raised = [_RAISED_LINE] if decision.fired(CLIENT_RAISED) else []
    if decision.category is Category.CRISIS:
        crisis = _crisis_reply(therapist_name, emergency, safety_plan, promised, now, time_zone)
        return AutoReply(
            "\n".join([crisis, *raised, *cut]),
            includes_crisis_help=True,
        )
    lines = list(raised)
    if decision.disposition is Disposition.ESCALATE:
        # Urgent after hours, where the agreement sends it on call: never the crisis screen.
        who = (
            promise_text(promised, now=now, time_zone=time_zone, urgent=True)
            if promised
            else "We've asked a clinician to call you back now."
        )
        lines.append(f"{_thanks(client_first_name)} Your message is urgent. {who}")
    elif decision.disposition is Disposition.HOLD_FOR_SESSION:
        lines.append(_held_reply(decision, now, time_zone, client_first_name))
    else:
        lines.append(_delivered_reply(decision, now, time_zone, client_first_name, therapist_name))
    lines.extend(cut)
    # Held or delivered, a known client can always say it can't wait (engine rule l).
    if (
        channel is not None
        and not raised
        and decision.disposition is not Disposition.ESCALATE
        and not decision.fired("unknown_sender")
    ):
        lines.append(how_to_raise(channel))
    lines.append(danger_line(emergency))
    return AutoReply("\n".join(lines), includes_crisis_help=False)


_RAISED_LINE = "You told us this can't wait, so it's now treated as urgent."


def how_to_raise(channel: str) -> str:
    """How to say a held or delivered message can't wait, on the channel the reply is read on."""
    if channel in ("sms", "email"):
        return f"If this can't wait, reply {RAISE_KEYWORD}."
    if channel == "phone":
        return "If this can't wait, call back and tell us."
    return "If this can't wait, press \"This can't wait\" on this message."


def body_cut_line(kept: int, sent: int) -> str:
    """Says what was kept of a message over the length limit, and what to do about the rest."""
    return (
        f"Your message was too long to read whole ({sent:,} characters): the first {kept:,} "
        "were read and passed on, and the rest was saved but not read. If something after that "
        "matters, please send it again in a shorter message."
    )


# -- crisis ------------------------------------------------------------------------------


def _crisis_reply(
    therapist_name: str,
    emergency: EmergencyNumbers,
    safety_plan: Sequence[tuple[str, str]] | None,
    promised: Promised | None,
    now: datetime,
    time_zone: str,
) -> str:
    """Immediate help first, then who we are contacting, then the client's own plan."""
    lines = [help_now(emergency)]
    if promised is not None:
        lines.append(promise_text(promised, now=now, time_zone=time_zone, urgent=False))
    else:
        who = therapist_name.strip() or "your therapist"
        lines.append(f"We're contacting {who} now, and the on-call clinician if needed.")
    steps = [(step.strip(), text.strip()) for step, text in safety_plan or () if text.strip()]
    if steps:
        lines.append("Your safety plan:")
        lines.extend(
            f"{number}. {step}: {text}" if step else f"{number}. {text}"
            for number, (step, text) in enumerate(steps, start=1)
        )
    return "\n".join(lines)


# -- delivered and held ------------------------------------------------------------------


def _delivered_reply(
    decision: TriageDecision, now: datetime, time_zone: str, first_name: str, therapist_name: str
) -> str:
    """Who has the message and when to expect a reply (or that there is no set time)."""
    # Mid-sentence either way: "Thanks, Alex — Dr Chen has…", "Thanks — the practice has…".
    who = therapist_name.strip() or "the practice"
    if decision.fired("unknown_sender"):
        who = "the practice"
    opening = (
        f"Thanks for checking in, {first_name.strip()} —"
        if decision.is_check_in and first_name.strip()
        else _thanks(first_name, dash=True)
    )
    due = decision.response_due_at
    if due is None:
        return f"{opening} your message is in {_possessive(who)} inbox. There's no set reply time."
    return f"{opening} {who} has your message. Expect a reply {describe_due(due, now, time_zone)}."


def _held_reply(decision: TriageDecision, now: datetime, time_zone: str, first_name: str) -> str:
    """Kept for the session, and why: over the weekly limit, outside the agreement, or agreed."""
    name = first_name.strip()
    session = _session_phrase(decision.response_due_at, now, time_zone)
    limit = decision.frequency_limit_per_week
    if decision.over_frequency_limit and limit is not None:
        # Says "the N we agreed", which stays true when more than N have been sent.
        already = (
            f"You've already sent the {limit} message{'' if limit == 1 else 's'} "
            "we agreed for this week"
            if limit > 0
            else "We agreed to keep messages for sessions"
        )
        return f"{_thanks(name)} {already}; this one is saved for {session}."
    if decision.fired("no_agreement"):
        return (
            f"{_thanks(name)} We don't have a contact agreement in place yet, so this is saved "
            f"for {session}."
        )
    if decision.outside_agreement:
        return (
            f"{_thanks(name)} This is outside what we agreed for between sessions, so it's "
            f"saved for {session}."
        )
    greeting = (
        f"Thank you for writing this down, {name}." if name else "Thank you for writing this."
    )
    return f"{greeting} It's saved for {session}, where there's time to talk it through."


def _session_phrase(session_at: datetime | None, now: datetime, time_zone: str) -> str:
    """'your session on Tuesday 14 May at 15:00', or 'your next session' when none is booked."""
    if session_at is None:
        return "your next session"
    local = session_at.astimezone(ZoneInfo(time_zone))
    when = f"{_WEEKDAY_NAMES[local.weekday()]} {local.day} {_MONTH_NAMES[local.month - 1]}"
    if local.year != now.astimezone(ZoneInfo(time_zone)).year:
        when = f"{when} {local.year}"
    return f"your session on {when} at {local:%H:%M}"


def _thanks(first_name: str, *, dash: bool = False) -> str:
    name = first_name.strip()
    if dash:
        return f"Thanks, {name} —" if name else "Thanks —"
    return f"Thank you, {name}." if name else "Thank you."


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"
