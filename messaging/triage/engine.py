"""The triage rules: what happens to one inbound message (DESIGN.md → Triage).

Pure Python, no Django and no ORM: the caller snapshots the client's active agreement, the
therapist's office calendar, any crisis period and the recent contact history, and
``triage`` answers with a ``TriageDecision`` that says what category the message is, what
happens to it (escalate, deliver, hold for the session), when a reply is due, and every rule
that fired on the way, each with a sentence a clinician can read.

The rules, in the order they are applied:

a. The category is the more severe of what the client declared (answering "yes" to "Is this
   an emergency?" declares a crisis) and what the detector reads in the message. Detection
   may raise the category, never lower it.
b. A crisis escalates at once, whatever the channel, the hour, the weekly limit, the
   agreement, or whether we even know the sender.
c. A message is after hours when the office calendar is closed at the moment it arrived.
d. A message is outside the agreement when there is no agreement, its channel is not agreed,
   its purpose is not agreed on that channel, or it arrived after hours on a channel that is
   agreed for office hours only.
e. Urgent messages are never held. After hours, on a channel agreed for urgent matters at any
   time, they go to the on-call clinician; otherwise they are delivered with the urgent window.
f. Beyond the weekly limit, non-crisis messages are held; during a crisis period, check-ins are
   welcome: never over the limit, never held, delivered promptly. A check-in answered 1 or 2
   of 5 during a crisis period is at least urgent and delivered now (never held, never lowered
   from anything higher, and never a page by itself). So is a phone call that ended before the
   caller answered the emergency question or left a message, so a clinician can call back.
g. Therapy content is held for the session when the agreement says so, when it came outside the
   agreement, or over the limit; otherwise it is delivered with the clinical window.
h. Scheduling and admin is never held until the session it is about: it is delivered, with
   the logistics window. When it came outside the agreement (no agreement, a channel or
   purpose not agreed, after hours on an office-hours channel) or over the limit, it is
   delivered to the practice all the same and flagged. After hours its reply time counts from
   when the office next opens; with no window agreed it is due then, or within one business
   day when it came outside the agreement.
i. A message from an unknown sender is never held: it goes to the practice inbox.
j. A delivered message's reply is due after its window in office time (the cover's hours while
   the therapist is away); a held one is due at the next session; an escalation is due now.
k. The decision lists every rule that fired, in order, and records the agreement version.
l. A client can always raise a held or delivered message ("this can't wait"): it is triaged
   again from the moment they say so, declared urgent. Its urgency is never lowered: a crisis
   stays a crisis, and a reply that was already due sooner stays due then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

from agreements.business_hours import BusinessCalendar
from messaging.triage.categories import Category, most_severe
from messaging.triage.detector import Detection, detect

__all__ = [
    "CHANNELS",
    "CLIENT_RAISED",
    "DEFAULT_UNKNOWN_SENDER_WINDOW",
    "AgreementSnapshot",
    "ChannelTerms",
    "ContactHistory",
    "CrisisPeriodSnapshot",
    "Disposition",
    "FiredRule",
    "InboundMessage",
    "TriageContext",
    "TriageDecision",
    "WindowTerms",
    "response_due_after",
    "triage",
    "triage_raised",
]

CHANNELS: tuple[str, ...] = ("portal", "sms", "email", "phone")
HOURS = "hours"  # business hours
DAYS = "days"  # business days

_CHANNEL_NAMES = {"portal": "The portal", "sms": "SMS", "email": "Email", "phone": "Phone"}
_PURPOSE_WORDS = {
    Category.LOGISTICS: "scheduling and admin",
    Category.CLINICAL: "therapy content",
    Category.URGENT: "urgent matters",
    Category.CRISIS: "a crisis",
}
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _require_aware(value: datetime | None, name: str) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be a time-zone aware datetime, got naive {value!r}")


# -- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelTerms:
    """What one channel may be used for under the agreement."""

    channel: str
    enabled: bool
    allowed_purposes: frozenset[str]
    after_hours_allowed: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed_purposes", frozenset(self.allowed_purposes))

    def allows(self, category: Category) -> bool:
        return self.enabled and category.value in self.allowed_purposes


@dataclass(frozen=True)
class WindowTerms:
    """How soon a category gets a reply: ``amount`` business hours or business days."""

    amount: int
    unit: str  # "hours" (business hours) or "days" (business days)

    def __post_init__(self) -> None:
        if self.unit not in (HOURS, DAYS):
            raise ValueError(f"unit must be {HOURS!r} or {DAYS!r}, got {self.unit!r}")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError(f"amount must be a whole number >= 0, got {self.amount!r}")

    def describe(self) -> str:
        noun = "business day" if self.unit == DAYS else "business hour"
        return f"within {self.amount} {noun}{'' if self.amount == 1 else 's'}"


@dataclass(frozen=True)
class AgreementSnapshot:
    """The terms of the client's ACTIVE agreement version (no agreement is ``None``)."""

    agreement_id: int
    version: int
    channels: Mapping[str, ChannelTerms]
    response_windows: Mapping[str, WindowTerms]  # keyed by category: urgent/clinical/logistics
    hold_clinical_for_session: bool
    frequency_limit_per_week: int | None

    def __post_init__(self) -> None:
        # Read-only copies: a snapshot must not change under a decision made against it.
        object.__setattr__(self, "channels", MappingProxyType(dict(self.channels)))
        object.__setattr__(self, "response_windows", MappingProxyType(dict(self.response_windows)))

    def window_for(self, category: Category) -> WindowTerms | None:
        return self.response_windows.get(category.value)


@dataclass(frozen=True)
class CrisisPeriodSnapshot:
    """A period of closer contact: check-ins are welcome every ``check_in_interval``."""

    starts_at: datetime
    ends_at: datetime
    check_in_interval: timedelta

    def __post_init__(self) -> None:
        _require_aware(self.starts_at, "starts_at")
        _require_aware(self.ends_at, "ends_at")

    def is_active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class InboundMessage:
    """One message from a client (or from someone we do not know)."""

    channel: str  # "portal", "sms", "email" or "phone"
    body: str
    received_at: datetime
    declared_purpose: str | None  # "logistics", "clinical", "urgent", "crisis" or None
    declared_emergency: bool | None  # the answer to "Is this an emergency?"
    sender_known: bool
    # The score (1 to 5) this message gives the client's open check-in, if it answers one.
    check_in_score: int | None = None
    # A call to the answering service that ended with no choice or no message left.
    unfinished_call: bool = False

    def __post_init__(self) -> None:
        _require_aware(self.received_at, "received_at")
        if self.check_in_score is not None and (
            isinstance(self.check_in_score, bool)
            or not isinstance(self.check_in_score, int)
            or not 1 <= self.check_in_score <= 5
        ):
            raise ValueError(f"check_in_score must be 1 to 5, got {self.check_in_score!r}")
        if self.declared_purpose is not None:
            Category(self.declared_purpose)  # raises ValueError for an unknown purpose


@dataclass(frozen=True)
class ContactHistory:
    """Recent contact, counted BEFORE the message being triaged."""

    non_crisis_messages_last_7_days: int
    last_check_in_at: datetime | None

    def __post_init__(self) -> None:
        _require_aware(self.last_check_in_at, "last_check_in_at")


@dataclass(frozen=True)
class TriageContext:
    """Everything the rules look at besides the message itself."""

    agreement: AgreementSnapshot | None
    calendar: BusinessCalendar
    crisis_period: CrisisPeriodSnapshot | None
    history: ContactHistory
    next_session_at: datetime | None

    def __post_init__(self) -> None:
        _require_aware(self.next_session_at, "next_session_at")


# -- output ------------------------------------------------------------------------------


class Disposition(StrEnum):
    ESCALATE = "escalate"
    DELIVER = "deliver"
    HOLD_FOR_SESSION = "hold_for_session"


@dataclass(frozen=True)
class FiredRule:
    """One rule that fired, with a plain-language reason a clinician reads."""

    code: str
    reason: str


@dataclass(frozen=True)
class TriageDecision:
    category: Category
    disposition: Disposition
    response_due_at: datetime | None
    rules: tuple[FiredRule, ...]
    detection: Detection
    declared_category: Category | None
    agreement_id: int | None
    agreement_version: int | None
    outside_agreement: bool
    over_frequency_limit: bool
    is_check_in: bool
    after_hours: bool
    # The agreed weekly limit at the time, so a reply can say "which is what we agreed".
    frequency_limit_per_week: int | None = None

    @property
    def rule_codes(self) -> tuple[str, ...]:
        return tuple(rule.code for rule in self.rules)

    def fired(self, code: str) -> bool:
        return code in self.rule_codes


#: Unknown senders get the logistics window when one is known, else this.
DEFAULT_UNKNOWN_SENDER_WINDOW = WindowTerms(1, DAYS)

#: The rule that opens a decision made because the client said "this can't wait" (rule l).
CLIENT_RAISED = "client_raised"


# -- the rules ---------------------------------------------------------------------------


@dataclass
class _Findings:
    """What the rule groups have found so far, and the rules that fired, in order."""

    rules: list[FiredRule] = field(default_factory=list)
    outside_agreement: bool = False
    over_frequency_limit: bool = False
    is_check_in: bool = False
    # Raised to urgent by a rule that delivers now and pages nobody by itself.
    deliver_now: bool = False

    def fire(self, code: str, reason: str) -> None:
        self.rules.append(FiredRule(code, reason))


@dataclass(frozen=True)
class _Outcome:
    disposition: Disposition
    response_due_at: datetime | None


def triage(message: InboundMessage, context: TriageContext) -> TriageDecision:
    """Decide what happens to one inbound message; see the module docstring for the rules."""
    findings = _Findings()
    detection = detect(message.body)
    declared = _declared_category(message, findings)
    category = _category(declared, detection, findings)
    after_hours = _after_hours(message, context, findings)
    _agreement_checks(category, message, context, findings)
    if category is not Category.CRISIS:  # a crisis never counts against the limit
        _frequency_and_check_in(category, message, context, findings)
        category = _low_check_in_answer(category, message, context, findings)
        category = _unfinished_call(category, message, findings)

    if category is Category.CRISIS:
        outcome = _escalate_crisis(message, findings)
    elif not message.sender_known:
        outcome = _deliver_from_unknown_sender(category, message, context, findings)
    elif findings.deliver_now:
        outcome = _deliver_now(message, context, findings)
    elif category is Category.URGENT:
        outcome = _urgent(message, context, after_hours, findings)
    elif findings.is_check_in:
        outcome = _deliver_check_in(message, context, findings)
    elif category is Category.CLINICAL:
        outcome = _clinical(message, context, findings)
    else:
        outcome = _logistics(message, context, after_hours, findings)

    agreement = context.agreement
    return TriageDecision(
        category=category,
        disposition=outcome.disposition,
        response_due_at=outcome.response_due_at,
        rules=tuple(findings.rules),
        detection=detection,
        declared_category=declared,
        agreement_id=agreement.agreement_id if agreement else None,
        agreement_version=agreement.version if agreement else None,
        outside_agreement=findings.outside_agreement,
        over_frequency_limit=findings.over_frequency_limit,
        is_check_in=findings.is_check_in,
        after_hours=after_hours,
        frequency_limit_per_week=agreement.frequency_limit_per_week if agreement else None,
    )


# l. "this can't wait" ------------------------------------------------------------------

_DISPOSITION_RANK = {
    Disposition.HOLD_FOR_SESSION: 0,
    Disposition.DELIVER: 1,
    Disposition.ESCALATE: 2,
}


def triage_raised(
    message: InboundMessage,
    context: TriageContext,
    *,
    previous_category: Category,
    previous_disposition: Disposition,
    previous_due_at: datetime | None,
) -> TriageDecision:
    """The client says this message can't wait: triage it again, declared urgent, never lower.

    ``message`` is the original message as it arrives now: ``received_at`` is the moment the
    client raised it and ``channel`` the way they did. ``previous_*`` is the decision it had.
    """
    declared = most_severe(Category.URGENT, message.declared_purpose)
    decision = triage(replace(message, declared_purpose=declared.value), context)
    rules = [
        FiredRule(
            CLIENT_RAISED,
            "The client said this can't wait, so it was triaged again as at least urgent.",
        ),
        *decision.rules,
    ]
    category = most_severe(decision.category, previous_category)
    disposition = decision.disposition
    due = decision.response_due_at
    if _DISPOSITION_RANK[previous_disposition] > _DISPOSITION_RANK[disposition] or (
        category is Category.CRISIS and disposition is not Disposition.ESCALATE
    ):
        # Urgency never goes down: what was escalated, or was a crisis, still escalates now.
        rules.append(
            FiredRule(
                "raised_never_lowered",
                f"It was already {previous_category.label.lower()} "
                f"({previous_disposition.value.replace('_', ' ')}); raising it never lowers "
                "that, so it escalates now.",
            )
        )
        disposition, due = Disposition.ESCALATE, message.received_at
    elif (
        disposition is Disposition.DELIVER
        and previous_disposition is Disposition.DELIVER
        and previous_due_at is not None
        and (due is None or previous_due_at < due)
    ):
        rules.append(
            FiredRule(
                "earlier_due_kept",
                "A reply was already due sooner than the urgent window gives; that time stands.",
            )
        )
        due = previous_due_at
    return replace(
        decision,
        category=category,
        disposition=disposition,
        response_due_at=due,
        rules=tuple(rules),
    )


# a. category --------------------------------------------------------------------------


def _declared_category(message: InboundMessage, findings: _Findings) -> Category | None:
    """An emergency declared when asked is a crisis; otherwise the declared purpose counts."""
    if message.declared_emergency is True:
        findings.fire("declared_emergency", "Declared an emergency when asked.")
        return Category.CRISIS
    if message.declared_emergency is False:
        findings.fire("declared_not_emergency", "Answered no when asked if this is an emergency.")
    if message.declared_purpose is None:
        return None
    declared = Category(message.declared_purpose)
    findings.fire("declared_purpose", f"Said the message is about {_PURPOSE_WORDS[declared]}.")
    return declared


def _category(declared: Category | None, detection: Detection, findings: _Findings) -> Category:
    """The more severe of declared and detected: detection raises, never lowers."""
    evidence = list(dict.fromkeys(match.reason for match in detection.matches))
    if detection.not_read_automatically:
        # A language the detector does not read: a clinician reads it now, and sees why.
        findings.fire(
            "not_read_automatically",
            "Not read automatically: the detector does not read this language, so the message "
            "is delivered to a clinician now rather than held.",
        )
    if evidence:
        findings.fire("detected", f"Detected: {'; '.join(evidence)}.")
    elif declared is None:
        findings.fire(
            "detected",
            "Detected nothing specific; the message is read as "
            f"{detection.category.label.lower()}.",
        )
    # A detector's default reading with no phrase behind it is not evidence: it may stand in
    # when nothing was declared, but it must not raise what the client told us.
    detected = detection.category if evidence or declared is None else None
    category = most_severe(declared, detected)
    if declared is not None and category.severity > declared.severity:
        findings.fire(
            "raised_by_detection",
            f"Raised from {declared.label.lower()} to {category.label.lower()} "
            "by what the message says.",
        )
    return category


# c. after hours -----------------------------------------------------------------------


def _after_hours(message: InboundMessage, context: TriageContext, findings: _Findings) -> bool:
    """After hours means the office calendar is closed at the moment the message arrived."""
    after_hours = not context.calendar.is_open(message.received_at)
    if not after_hours:
        return False
    arrived = _arrival_phrase(message.received_at, context.calendar)
    channel_terms = _channel_terms(message, context)
    if (
        channel_terms is not None
        and channel_terms.enabled
        and not channel_terms.after_hours_allowed
    ):
        # d. (after-hours part) said in one sentence with the arrival time.
        findings.outside_agreement = True
        findings.fire(
            "after_hours_not_agreed",
            f"{arrived}, outside office hours; {_channel_name(message.channel)} "
            "is not agreed for after hours.",
        )
    else:
        findings.fire("after_hours", f"{arrived}, outside office hours.")
    return True


def _arrival_phrase(received_at: datetime, calendar: BusinessCalendar) -> str:
    local = received_at.astimezone(ZoneInfo(calendar.schedule.time_zone))
    return f"Arrived at {local:%H:%M} on {_WEEKDAY_NAMES[local.weekday()]}"


# d. within the agreement --------------------------------------------------------------


def _agreement_checks(
    category: Category,
    message: InboundMessage,
    context: TriageContext,
    findings: _Findings,
) -> None:
    """Outside the agreement: no agreement, channel not agreed, or purpose not agreed there.

    (After hours on an office-hours-only channel is found with the hour, in ``_after_hours``.)
    """
    agreement = context.agreement
    if agreement is None:
        findings.outside_agreement = True
        findings.fire("no_agreement", "There is no active contact agreement.")
        return
    channel_terms = _channel_terms(message, context)
    channel = _channel_name(message.channel)
    if channel_terms is None or not channel_terms.enabled:
        findings.outside_agreement = True
        findings.fire(
            "channel_not_agreed", f"{channel} is not one of the agreed ways to get in touch."
        )
        return
    # A crisis is always welcome on any channel: asking "is this an emergency?" invites a yes.
    if category is not Category.CRISIS and not channel_terms.allows(category):
        findings.outside_agreement = True
        findings.fire(
            "purpose_not_agreed", f"{channel} is not agreed for {_PURPOSE_WORDS[category]}."
        )


def _channel_terms(message: InboundMessage, context: TriageContext) -> ChannelTerms | None:
    if context.agreement is None:
        return None
    return context.agreement.channels.get(message.channel)


def _channel_name(channel: str) -> str:
    return _CHANNEL_NAMES.get(channel, channel.capitalize())


# f. frequency and check-ins -----------------------------------------------------------


def _frequency_and_check_in(
    category: Category, message: InboundMessage, context: TriageContext, findings: _Findings
) -> None:
    """During a crisis period a timely message about how the client is doing is a check-in,
    which never counts as too many. Scheduling and admin is never a check-in.

    Otherwise a message is over the limit when the week's earlier non-crisis messages already
    reach the agreed weekly limit.
    """
    period = context.crisis_period
    history = context.history
    if (
        message.sender_known
        and category is not Category.LOGISTICS
        and period is not None
        and period.is_active(message.received_at)
    ):
        last = history.last_check_in_at
        if last is None or message.received_at - last >= period.check_in_interval / 2:
            findings.is_check_in = True
            findings.fire(
                "check_in", "A check-in during the crisis period, which the agreement welcomes."
            )
            return
        findings.fire(
            "not_a_check_in",
            f"Sent during the crisis period, but only {_duration(message.received_at - last)} "
            f"after the last check-in (check-ins are every {_duration(period.check_in_interval)}).",
        )
    agreement = context.agreement
    limit = agreement.frequency_limit_per_week if agreement else None
    if limit is not None and history.non_crisis_messages_last_7_days >= limit:
        findings.over_frequency_limit = True
        findings.fire(
            "over_frequency_limit",
            f"This is message {history.non_crisis_messages_last_7_days + 1} in 7 days; "
            f"the agreement allows {limit} a week.",
        )


#: Check-in answers (of 5) that, during a crisis period, are delivered now.
LOW_CHECK_IN_SCORES = frozenset({1, 2})


def _low_check_in_answer(
    category: Category, message: InboundMessage, context: TriageContext, findings: _Findings
) -> Category:
    """A check-in answered 1 or 2 of 5 during a crisis period is at least urgent: a therapist
    wants to know now. It only ever raises: urgent and crisis keep their own rules."""
    period = context.crisis_period
    if (
        message.check_in_score not in LOW_CHECK_IN_SCORES
        or not message.sender_known
        or period is None
        or not period.is_active(message.received_at)
        or category.severity >= Category.URGENT.severity
    ):
        return category
    findings.deliver_now = True
    findings.fire(
        "low_check_in_in_crisis_period",
        f"Answered a check-in {message.check_in_score} of 5 during the crisis period: "
        "delivered now.",
    )
    return Category.URGENT


def _unfinished_call(category: Category, message: InboundMessage, findings: _Findings) -> Category:
    """A call that ended before the caller chose (or before they left the message they chose)
    is at least urgent, so a clinician can call back; it only ever raises."""
    if not message.unfinished_call:
        return category
    findings.fire(
        "unfinished_call",
        "A call that ended before the emergency question was answered: delivered now so a "
        "clinician can call back."
        if message.declared_emergency is None
        else "A call that ended before a message was left: delivered now so a clinician can "
        "call back.",
    )
    if category.severity >= Category.URGENT.severity:
        return category
    findings.deliver_now = True
    return Category.URGENT


def _duration(delta: timedelta) -> str:
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 120:
        return f"{minutes} minute{'' if minutes == 1 else 's'}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours"
    return f"{hours // 24} days"


# b, e, g, h, i. dispositions ----------------------------------------------------------


def _escalate_crisis(message: InboundMessage, findings: _Findings) -> _Outcome:
    """A crisis escalates at once, whatever the channel, hour, limit or agreement."""
    findings.fire(
        "crisis_escalates",
        "Crisis: escalated at once to the therapist and the on-call clinician, "
        "whatever the channel, hour or agreement.",
    )
    return _Outcome(Disposition.ESCALATE, message.received_at)


def _deliver_from_unknown_sender(
    category: Category, message: InboundMessage, context: TriageContext, findings: _Findings
) -> _Outcome:
    """Nothing is dropped: an unknown sender's message goes to the practice inbox, never held.

    The window is the agreed one for urgent matters if the message is urgent (sooner is safer),
    else the logistics window, else one business day.
    """
    agreement = context.agreement
    window = None
    if agreement is not None and category is Category.URGENT:
        window = agreement.window_for(Category.URGENT)
    if window is None and agreement is not None:
        window = agreement.window_for(Category.LOGISTICS)
    window = window or DEFAULT_UNKNOWN_SENDER_WINDOW
    findings.fire(
        "unknown_sender",
        f"The sender is not a known client, so it goes to the practice inbox and is never "
        f"held; a reply is due {window.describe()}.",
    )
    return _Outcome(
        Disposition.DELIVER, response_due_after(message.received_at, window, context.calendar)
    )


def _urgent(
    message: InboundMessage, context: TriageContext, after_hours: bool, findings: _Findings
) -> _Outcome:
    """Urgent is never held: after hours where agreed it goes on call, otherwise it is delivered."""
    channel_terms = _channel_terms(message, context)
    urgent_any_time_here = (
        channel_terms is not None
        and channel_terms.allows(Category.URGENT)
        and channel_terms.after_hours_allowed
    )
    if after_hours and urgent_any_time_here:
        findings.fire(
            "urgent_after_hours_escalates",
            "Urgent after hours: the agreement says urgent matters after hours go to the "
            "on-call clinician.",
        )
        return _Outcome(Disposition.ESCALATE, message.received_at)
    window = context.agreement.window_for(Category.URGENT) if context.agreement else None
    if findings.outside_agreement:
        findings.fire(
            "urgent_outside_agreement_delivered",
            "Urgent but outside the agreement: delivered anyway and flagged, because holding "
            "urgent matters until the session is unsafe.",
        )
    return _deliver(Category.URGENT, window, message, context, findings)


def _deliver_check_in(
    message: InboundMessage, context: TriageContext, findings: _Findings
) -> _Outcome:
    """A check-in is delivered promptly: the urgent window if agreed, else the clinical one."""
    agreement = context.agreement
    window = None
    if agreement is not None:
        window = agreement.window_for(Category.URGENT) or agreement.window_for(Category.CLINICAL)
    return _deliver(Category.URGENT, window, message, context, findings, what="check-ins")


def _deliver_now(message: InboundMessage, context: TriageContext, findings: _Findings) -> _Outcome:
    """A low check-in answer in a crisis period, or an unfinished call: delivered now with the
    urgent window (else the clinical one), never held, whatever the hour, the limit or the
    agreement; on its own it pages nobody."""
    if findings.outside_agreement or findings.over_frequency_limit:
        findings.fire(
            "delivered_now_anyway",
            "Outside the agreement or over the weekly limit, but this is never held: "
            "delivered now and flagged.",
        )
    agreement = context.agreement
    window = None
    if agreement is not None:
        window = agreement.window_for(Category.URGENT) or agreement.window_for(Category.CLINICAL)
    what = "check-ins" if message.check_in_score is not None else None
    return _deliver(Category.URGENT, window, message, context, findings, what=what)


def _clinical(message: InboundMessage, context: TriageContext, findings: _Findings) -> _Outcome:
    """Therapy content waits for the session when agreed, outside the agreement, or over the
    limit; otherwise it is delivered with the clinical window."""
    agreement = context.agreement
    holds = []
    if agreement is not None and agreement.hold_clinical_for_session:
        holds.append(("clinical_held", "The agreement keeps therapy content for the session."))
    holds.extend(_held_for_breach(findings))
    if holds:
        return _hold(holds, context, findings)
    window = agreement.window_for(Category.CLINICAL) if agreement else None
    return _deliver(Category.CLINICAL, window, message, context, findings)


def _logistics(
    message: InboundMessage, context: TriageContext, after_hours: bool, findings: _Findings
) -> _Outcome:
    """Scheduling and admin is never held for the session it is about: it is delivered, and
    flagged when it came outside the agreement or over the limit."""
    if findings.outside_agreement:
        findings.fire(
            "logistics_outside_agreement_delivered",
            "Sent outside the agreement, but scheduling and admin is never held until the "
            "session it is about: delivered to the practice and flagged.",
        )
    if findings.over_frequency_limit:
        findings.fire(
            "logistics_over_limit_delivered",
            "Over the agreed weekly limit, but scheduling and admin is never held until the "
            "session it is about: delivered and flagged.",
        )
    agreement = context.agreement
    window = agreement.window_for(Category.LOGISTICS) if agreement else None
    if window is None and findings.outside_agreement:
        # Delivered to the practice like an unknown sender's message: it needs a due time.
        window = DEFAULT_UNKNOWN_SENDER_WINDOW
    if not after_hours:
        return _deliver(Category.LOGISTICS, window, message, context, findings)
    return _deliver_from_next_opening(window, message, context, findings)


def _deliver_from_next_opening(
    window: WindowTerms | None,
    message: InboundMessage,
    context: TriageContext,
    findings: _Findings,
) -> _Outcome:
    """After hours, scheduling and admin is delivered and its reply time counts from when the
    office next opens (the cover's hours while the therapist is away)."""
    opening = context.calendar.next_open(message.received_at)
    if opening is None:
        findings.fire(
            "delivered",
            "Delivered to the inbox; the office calendar has no opening ahead, so there is no "
            "set reply time.",
        )
        return _Outcome(Disposition.DELIVER, None)
    opens = _opening_phrase(opening, context.calendar)
    if window is None:
        findings.fire(
            "delivered_after_hours",
            f"Delivered to the inbox after hours; a reply to scheduling and admin is due when "
            f"the office opens, {opens}.",
        )
        return _Outcome(Disposition.DELIVER, opening)
    findings.fire(
        "delivered_after_hours",
        f"Delivered to the inbox after hours; a reply to scheduling and admin is due "
        f"{window.describe()}, counted from when the office opens, {opens}.",
    )
    return _Outcome(Disposition.DELIVER, response_due_after(opening, window, context.calendar))


def _opening_phrase(opening: datetime, calendar: BusinessCalendar) -> str:
    local = opening.astimezone(ZoneInfo(calendar.schedule.time_zone))
    return f"{_WEEKDAY_NAMES[local.weekday()]} {local.day} {local:%B} at {local:%H:%M}"


def _held_for_breach(findings: _Findings) -> list[tuple[str, str]]:
    holds = []
    if findings.outside_agreement:
        holds.append(("held_outside_agreement", "Sent outside the agreement."))
    if findings.over_frequency_limit:
        holds.append(("held_over_frequency_limit", "Over the agreed weekly limit."))
    return holds


# j. due times -------------------------------------------------------------------------


def _hold(holds: list[tuple[str, str]], context: TriageContext, findings: _Findings) -> _Outcome:
    """Held for the session: it is due when the next session starts (if one is booked)."""
    when = "the next session" if context.next_session_at else "the next session (none is booked)"
    for code, why in holds:
        findings.fire(code, f"{why} Held for {when}.")
    return _Outcome(Disposition.HOLD_FOR_SESSION, context.next_session_at)


def _deliver(
    category: Category,
    window: WindowTerms | None,
    message: InboundMessage,
    context: TriageContext,
    findings: _Findings,
    *,
    what: str | None = None,
) -> _Outcome:
    """Delivered to the inbox: a reply is due after the window, in office time."""
    what = what or _PURPOSE_WORDS[category]
    if window is None:
        findings.fire(
            "delivered",
            f"Delivered to the inbox; no reply time is agreed for {what}.",
        )
        return _Outcome(Disposition.DELIVER, None)
    findings.fire(
        "delivered", f"Delivered to the inbox; a reply to {what} is due {window.describe()}."
    )
    return _Outcome(
        Disposition.DELIVER, response_due_after(message.received_at, window, context.calendar)
    )


def response_due_after(
    start: datetime, window: WindowTerms, calendar: BusinessCalendar
) -> datetime | None:
    """When a reply is due: ``window`` counted from ``start`` in office time (rule j).

    ``None`` if the office never opens again. Triage counts from arrival; a clinician's
    re-triage counts from the moment it is made.
    """
    if window.unit == HOURS:
        return calendar.add_business_hours(start, timedelta(hours=window.amount))
    return calendar.add_business_days(start, window.amount)
