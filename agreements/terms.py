"""An agreement's terms as plain-language lines: for the client's page, the digest, and diffs.

Every term that a version fixes appears here, so two versions differ exactly when their terms do.
"""

import hashlib
import json
from dataclasses import dataclass

from .models import Channel, ContactAgreement, Purpose, WindowUnit

PURPOSE_WORDS = {
    Purpose.LOGISTICS: "scheduling and admin",
    Purpose.CLINICAL: "therapy content",
    Purpose.URGENT: "urgent matters",
    Purpose.CRISIS: "a crisis",
}


@dataclass(frozen=True)
class Term:
    section: str
    label: str
    value: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.section, self.label)


@dataclass(frozen=True)
class TermChange:
    section: str
    label: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"


def _join_words(words: list[str]) -> str:
    if not words:
        return ""
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]


def describe_window(amount: int, unit: str) -> str:
    if unit == WindowUnit.BUSINESS_DAYS:
        return f"within {amount} business day{'s' if amount != 1 else ''}"
    return f"within {amount} business hour{'s' if amount != 1 else ''}"


def agreement_terms(agreement: ContactAgreement) -> list[Term]:
    """The terms of one version, in the order the client reads them."""
    terms: list[Term] = []
    rules = {rule.channel: rule for rule in agreement.channel_rules.all()}
    for channel in Channel:
        rule = rules.get(channel.value)
        if rule is None or not rule.enabled or not rule.allowed_purposes:
            value = "Not used between sessions."
        else:
            purposes = _join_words([PURPOSE_WORDS[Purpose(p)] for p in rule.allowed_purposes])
            hours = (
                "any time (outside office hours it waits for the next opening)"
                if rule.after_hours_allowed
                else "during office hours"
            )
            value = f"For {purposes}; {hours}."
        terms.append(Term("Ways to get in touch", channel.label, value))

    windows = {w.category: w for w in agreement.response_windows.all()}
    for purpose in (Purpose.URGENT, Purpose.LOGISTICS, Purpose.CLINICAL):
        window = windows.get(purpose.value)
        if purpose == Purpose.CLINICAL and agreement.hold_clinical_for_session:
            value = "Kept for your next session, where there is time to talk it through."
        elif window is None:
            value = "No set reply time."
        else:
            value = f"A reply {describe_window(window.amount, window.unit)}."
        terms.append(Term("How soon you'll hear back", PURPOSE_WORDS[purpose].capitalize(), value))

    limit = agreement.frequency_limit_per_week
    terms.append(
        Term(
            "How often",
            "Messages per week",
            "No set limit." if limit is None else f"Up to {limit} a week (a crisis never counts).",
        )
    )
    policy = agreement.escalation_policy
    terms.append(
        Term(
            "In a crisis",
            "Who is contacted",
            policy.name if policy else "Your therapist, then the clinician on call.",
        )
    )
    terms.append(Term("In a crisis", "What to do", agreement.crisis_instructions.strip() or "—"))
    terms.extend(between_session_terms(agreement))
    terms.append(
        Term(
            "Reviewing this agreement",
            "Review date",
            agreement.review_due.strftime("%-d %B %Y") if agreement.review_due else "Not set.",
        )
    )
    if agreement.note_to_client.strip():
        terms.append(Term("From your therapist", "Note", agreement.note_to_client.strip()))
    return terms


OUTREACH_WORDS = {"portal": "the client portal", "sms": "text message", "email": "email"}


def between_session_terms(agreement: ContactAgreement) -> list[Term]:
    """Check-ins, caring contacts and "can this wait?": on or off, and how, in plain words."""
    section = "Between sessions"
    if agreement.check_ins_enabled:
        at = agreement.check_in_local_time.strftime("%-I:%M %p").lower()
        check_ins = (
            f"During a crisis period we check in by {OUTREACH_WORDS[agreement.check_in_channel]} "
            f"at {at} your time, as often as the crisis period says. Answer 1 to 5, with words "
            f"if you like. If there is no answer within {agreement.check_in_answer_hours} hours "
            "your therapist is told" + (" and paged." if agreement.missed_check_in_pages else ".")
        )
    else:
        check_ins = "Not used: during a crisis period you are welcome to check in yourself."
    caring = (
        "After a crisis your therapist may send you brief caring messages by "
        f"{OUTREACH_WORDS[agreement.caring_contacts_channel]} for up to a year, more often at "
        "first. You never need to answer, and you can stop them at any time (reply STOP, use "
        "the link in each message, or the portal)."
        if agreement.caring_contacts_enabled
        else "Not used."
    )
    wait = (
        "Before a message about therapy content is sent (never an urgent one), you are shown "
        "your own coping steps and "
        "may keep it as a note for your next session instead. It never stops you sending."
        if agreement.can_this_wait
        else "Not used."
    )
    return [
        Term(section, "Check-ins", check_ins),
        Term(section, "Caring messages", caring),
        Term(section, "“Can this wait?”", wait),
    ]


def terms_digest(terms: list[Term]) -> str:
    payload = json.dumps([[t.section, t.label, t.value] for t in terms], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def terms_diff(before: list[Term], after: list[Term]) -> list[TermChange]:
    """What changed from one version to the next, term by term, in reading order."""
    old = {t.key: t.value for t in before}
    new = {t.key: t.value for t in after}
    order = [t.key for t in after] + [t.key for t in before if t.key not in new]
    changes = []
    for key in order:
        if old.get(key) != new.get(key):
            changes.append(TermChange(key[0], key[1], old.get(key), new.get(key)))
    return changes
