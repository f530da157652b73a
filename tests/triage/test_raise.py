"""Tests for "this can't wait": the engine's rule l and the words that offer and answer it.

Pure Python: no database. The rules run with the real detector on plain texts.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from agreements.business_hours import BusinessCalendar, Coverage
from messaging.triage.categories import Category
from messaging.triage.crisis_help import EmergencyNumbers
from messaging.triage.engine import (
    CLIENT_RAISED,
    AgreementSnapshot,
    ChannelTerms,
    ContactHistory,
    Disposition,
    InboundMessage,
    TriageContext,
    WindowTerms,
    triage,
    triage_raised,
)
from messaging.triage.replies import auto_reply, how_to_raise
from tests.factories import CALENDAR, PROPERTY_SETTINGS, ny, office_hours, triage_cases

US_NUMBERS = EmergencyNumbers("911", "988 Suicide & Crisis Lifeline", "988", "988")
TUESDAY_10AM = ny(2026, 5, 12, 10, 0)
TUESDAY_9_40PM = ny(2026, 5, 12, 21, 40)
NEXT_SESSION = ny(2026, 5, 19, 15, 0)
SEVERITY_OF_DISPOSITION = {
    Disposition.HOLD_FOR_SESSION: 0,
    Disposition.DELIVER: 1,
    Disposition.ESCALATE: 2,
}


def agreement(*, sms_after_hours: bool = False, hold_clinical: bool = True) -> AgreementSnapshot:
    purposes = frozenset({"logistics", "clinical", "urgent"})
    return AgreementSnapshot(
        agreement_id=41,
        version=3,
        channels={
            "portal": ChannelTerms("portal", True, purposes, False),
            "sms": ChannelTerms("sms", True, purposes, sms_after_hours),
        },
        response_windows={
            "urgent": WindowTerms(4, "hours"),
            "clinical": WindowTerms(2, "days"),
            "logistics": WindowTerms(1, "days"),
        },
        hold_clinical_for_session=hold_clinical,
        frequency_limit_per_week=None,
    )


def context(snapshot=None, *, calendar: BusinessCalendar = CALENDAR) -> TriageContext:
    return TriageContext(
        agreement=snapshot if snapshot is not None else agreement(),
        calendar=calendar,
        crisis_period=None,
        history=ContactHistory(0, None),
        next_session_at=NEXT_SESSION,
    )


def inbound(body: str, *, at: datetime = TUESDAY_10AM, channel: str = "portal", **kw):
    return InboundMessage(
        channel=channel,
        body=body,
        received_at=at,
        declared_purpose=kw.get("purpose"),
        declared_emergency=kw.get("emergency"),
        sender_known=True,
    )


def raise_(message: InboundMessage, ctx: TriageContext, *, was=None):
    """Triage ``message`` as it first came, then raise it with what it had."""
    first = was or triage(message, ctx)
    return first, triage_raised(
        message,
        ctx,
        previous_category=first.category,
        previous_disposition=first.disposition,
        previous_due_at=first.response_due_at,
    )


# -- rule l ------------------------------------------------------------------------------


class TestRaised:
    def test_held_therapy_content_becomes_urgent_and_is_delivered(self):
        first, raised = raise_(inbound("I keep thinking about what you said"), context())
        assert first.disposition is Disposition.HOLD_FOR_SESSION
        assert (raised.category, raised.disposition) == (Category.URGENT, Disposition.DELIVER)
        # Four business hours from Tuesday 10:00.
        assert raised.response_due_at == ny(2026, 5, 12, 14, 0)
        assert raised.rules[0].code == CLIENT_RAISED
        assert raised.rules[0].reason == (
            "The client said this can't wait, so it was triaged again as at least urgent."
        )
        assert raised.declared_category is Category.URGENT

    def test_after_hours_where_urgent_goes_on_call_it_escalates(self):
        message = inbound("Question about my invoice", channel="sms", at=TUESDAY_9_40PM)
        _, raised = raise_(message, context(agreement(sms_after_hours=True)))
        assert raised.disposition is Disposition.ESCALATE
        assert raised.response_due_at == TUESDAY_9_40PM
        assert raised.fired("urgent_after_hours_escalates")

    def test_after_hours_elsewhere_it_is_due_from_the_next_opening(self):
        message = inbound("Question about my invoice", channel="sms", at=TUESDAY_9_40PM)
        _, raised = raise_(message, context())
        assert raised.disposition is Disposition.DELIVER
        # Four business hours from Wednesday 09:00.
        assert raised.response_due_at == ny(2026, 5, 13, 13, 0)

    def test_across_the_november_clock_change(self):
        friday = ny(2026, 10, 30, 16, 0)  # EDT
        _, raised = raise_(inbound("Question about my invoice", at=friday), context())
        # One hour on Friday, three on Monday in EST: 12:00 EST is 17:00 UTC.
        assert raised.response_due_at == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)

    def test_across_the_march_clock_change_with_a_cover(self):
        # Raised on the Saturday before the clocks go forward; a London cover that week.
        away = Coverage(ny(2026, 3, 9), ny(2026, 3, 14), office_hours("Europe/London"))
        calendar = BusinessCalendar(office_hours(), (away,))
        saturday = ny(2026, 3, 7, 22, 0)
        _, raised = raise_(
            inbound("Question about my invoice", at=saturday), context(calendar=calendar)
        )
        # London opens Monday 09:00 GMT (09:00 UTC); four hours on is 13:00 UTC.
        assert raised.response_due_at == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)

    def test_a_reply_already_due_sooner_stays_due_then(self):
        _, raised = raise_(
            inbound("Question about my invoice", at=TUESDAY_10AM),
            context(),
            was=dataclasses.replace(
                triage(inbound("Question about my invoice"), context()),
                response_due_at=ny(2026, 5, 12, 11, 0),
            ),
        )
        assert raised.response_due_at == ny(2026, 5, 12, 11, 0)
        assert raised.fired("earlier_due_kept")

    def test_a_crisis_stays_a_crisis(self):
        message = inbound("Question about my invoice")
        was = dataclasses.replace(
            triage(message, context()),
            category=Category.CRISIS,
            disposition=Disposition.ESCALATE,
        )
        _, raised = raise_(message, context(), was=was)
        assert (raised.category, raised.disposition) == (Category.CRISIS, Disposition.ESCALATE)
        assert raised.response_due_at == message.received_at
        assert raised.fired("raised_never_lowered")

    def test_what_was_escalated_still_escalates(self):
        message = inbound("Question about my invoice")
        was = dataclasses.replace(
            triage(message, context()),
            category=Category.URGENT,
            disposition=Disposition.ESCALATE,
        )
        _, raised = raise_(message, context(), was=was)
        assert raised.disposition is Disposition.ESCALATE

    def test_a_crisis_in_the_text_escalates_with_crisis_help(self):
        _, raised = raise_(inbound("I am going to kill myself tonight"), context())
        assert (raised.category, raised.disposition) == (Category.CRISIS, Disposition.ESCALATE)


@PROPERTY_SETTINGS
@given(
    triage_cases(),
    st.sampled_from(list(Category)),
    st.sampled_from(list(Disposition)),
    st.booleans(),
)
def test_raising_never_lowers(case, previous_category, previous_disposition, due_before):
    message, ctx = case
    message = dataclasses.replace(message, sender_known=True)
    if previous_category is Category.CRISIS:
        previous_disposition = Disposition.ESCALATE  # a crisis is always escalated
    previous_due = message.received_at if due_before else None
    raised = triage_raised(
        message,
        ctx,
        previous_category=previous_category,
        previous_disposition=previous_disposition,
        previous_due_at=previous_due,
    )
    event(f"{previous_category}/{previous_disposition} → {raised.category}/{raised.disposition}")
    assert raised.rules[0].code == CLIENT_RAISED
    assert raised.category.severity >= max(previous_category.severity, Category.URGENT.severity)
    assert raised.disposition is not Disposition.HOLD_FOR_SESSION
    assert (
        SEVERITY_OF_DISPOSITION[raised.disposition] >= SEVERITY_OF_DISPOSITION[previous_disposition]
    )
    if raised.category is Category.CRISIS:
        assert raised.disposition is Disposition.ESCALATE
    if raised.disposition is Disposition.ESCALATE:
        assert raised.response_due_at == message.received_at
    if previous_disposition is Disposition.DELIVER and previous_due is not None:
        assert raised.response_due_at is not None and raised.response_due_at <= previous_due


# -- the words ---------------------------------------------------------------------------


def reply(decision, channel):
    return auto_reply(
        decision,
        now=TUESDAY_10AM,
        time_zone="America/New_York",
        client_first_name="Alex",
        therapist_name="Dr Chen",
        emergency=US_NUMBERS,
        safety_plan=None,
        channel=channel,
    ).text


@pytest.mark.parametrize(
    ("channel", "line"),
    [
        ("portal", "If this can't wait, press \"This can't wait\" on this message."),
        ("sms", "If this can't wait, reply URGENT."),
        ("email", "If this can't wait, reply URGENT."),
        ("phone", "If this can't wait, call back and tell us."),
    ],
)
@pytest.mark.parametrize(
    "body", ["I keep thinking about what you said", "Question about my invoice"]
)
def test_held_and_delivered_replies_say_how_to_raise(channel, line, body):
    decision = triage(inbound(body, channel="portal"), context())
    assert decision.disposition in (Disposition.HOLD_FOR_SESSION, Disposition.DELIVER)
    lines = reply(decision, channel).splitlines()
    assert lines[-2:] == [line, "If you're in danger, call 911 or 988."]
    assert how_to_raise(channel) == line


def test_an_escalation_reply_offers_no_raise():
    decision = triage(inbound("I am going to kill myself tonight"), context())
    text = reply(decision, "sms")
    assert "reply URGENT" not in text


def test_an_unknown_senders_reply_offers_no_raise():
    message = dataclasses.replace(
        inbound("hi is this the clinic", channel="sms"), sender_known=False
    )
    decision = triage(message, context())
    assert "reply URGENT" not in reply(decision, "sms")


def test_the_answer_to_a_raise_says_what_happens_now():
    _, raised = raise_(inbound("I keep thinking about what you said"), context())
    lines = reply(raised, "sms").splitlines()
    assert lines == [
        "You told us this can't wait, so it's now treated as urgent.",
        "Thanks, Alex — Dr Chen has your message. Expect a reply today by 14:00.",
        "If you're in danger, call 911 or 988.",
    ]


def test_the_answer_to_a_raise_that_escalates_says_who_is_contacted():
    message = inbound("Question about my invoice", channel="sms", at=TUESDAY_9_40PM)
    _, raised = raise_(message, context(agreement(sms_after_hours=True)))
    text = auto_reply(
        raised,
        now=TUESDAY_9_40PM,
        time_zone="America/New_York",
        client_first_name="Alex",
        therapist_name="Dr Chen",
        emergency=US_NUMBERS,
        safety_plan=None,
        channel="sms",
    ).text
    assert text.splitlines()[:2] == [
        "You told us this can't wait, so it's now treated as urgent.",
        "Thank you, Alex. Your message is urgent. We've asked a clinician to call you back now.",
    ]


def test_crisis_help_still_comes_first_when_a_raise_is_a_crisis():
    _, raised = raise_(inbound("I am going to kill myself tonight"), context())
    text = reply(raised, "portal")
    assert text.startswith("If you are in danger now, call 911.")
    assert "You told us this can't wait" in text
