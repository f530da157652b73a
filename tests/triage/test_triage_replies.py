"""Tests for messaging.triage.replies: the auto-reply a client gets at once.

Pure Python: no database. Decisions are built directly, so the words are tested on their own.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given

from messaging.triage.categories import Category
from messaging.triage.crisis_help import EmergencyNumbers
from messaging.triage.detector import Detection
from messaging.triage.engine import (
    Disposition,
    FiredRule,
    InboundMessage,
    TriageContext,
    TriageDecision,
    triage,
)
from messaging.triage.replies import AutoReply, Promised, auto_reply, promise_text
from tests.factories import PROPERTY_SETTINGS, triage_cases

NEW_YORK = ZoneInfo("America/New_York")
US_NUMBERS = EmergencyNumbers("911", "988 Suicide & Crisis Lifeline", "988", "988")
DANGER_LINE = "If you're in danger, call 911 or 988."
# Tuesday 12 May 2026, 10:00 in New York.
NOW = datetime(2026, 5, 12, 10, 0, tzinfo=NEW_YORK)
SESSION = datetime(2026, 5, 19, 15, 0, tzinfo=NEW_YORK)
SAFETY_PLAN = (
    ("Warning signs", "Not sleeping, pacing at night"),
    ("Things I can do on my own", "Walk the dog; cold water on my face"),
    ("People and places that distract me", "  "),
    ("People I can ask for help", "My sister Maya, 555-0100"),
)


def decision(
    category: Category = Category.LOGISTICS,
    disposition: Disposition = Disposition.DELIVER,
    response_due_at: datetime | None = None,
    *codes: str,
    **fields: object,
) -> TriageDecision:
    base = TriageDecision(
        category=category,
        disposition=disposition,
        response_due_at=response_due_at,
        rules=tuple(FiredRule(code, f"{code}.") for code in codes or ("delivered",)),
        detection=Detection(category=category, score=0.0, matches=(), suppressed=()),
        declared_category=None,
        agreement_id=41,
        agreement_version=3,
        outside_agreement=False,
        over_frequency_limit=False,
        is_check_in=False,
        after_hours=False,
        frequency_limit_per_week=None,
    )
    return replace(base, **fields)


def reply_to(
    triage_decision: TriageDecision,
    *,
    now: datetime = NOW,
    time_zone: str = "America/New_York",
    first_name: str = "Alex",
    therapist: str = "Dr Chen",
    emergency: EmergencyNumbers = US_NUMBERS,
    safety_plan: tuple[tuple[str, str], ...] | None = SAFETY_PLAN,
    promised: Promised | None = None,
) -> AutoReply:
    return auto_reply(
        triage_decision,
        now=now,
        time_zone=time_zone,
        client_first_name=first_name,
        therapist_name=therapist,
        emergency=emergency,
        safety_plan=safety_plan,
        promised=promised,
    )


# -- crisis ------------------------------------------------------------------------------


class TestCrisisReply:
    CRISIS = decision(Category.CRISIS, Disposition.ESCALATE, NOW, "crisis_escalates")

    def test_help_first_then_who_is_contacted_then_the_plan(self):
        reply = reply_to(self.CRISIS)
        assert reply.includes_crisis_help is True
        assert reply.text == (
            "If you are in danger now, call 911. "
            "You can call or text 988 (988 Suicide & Crisis Lifeline) any time.\n"
            "We're contacting Dr Chen now, and the on-call clinician if needed.\n"
            "Your safety plan:\n"
            "1. Warning signs: Not sleeping, pacing at night\n"
            "2. Things I can do on my own: Walk the dog; cold water on my face\n"
            "3. People I can ask for help: My sister Maya, 555-0100"
        )

    @pytest.mark.parametrize("plan", [None, (), (("Warning signs", ""),)])
    def test_without_a_filled_in_plan_there_is_no_plan_section(self, plan):
        reply = reply_to(self.CRISIS, safety_plan=plan)
        assert "safety plan" not in reply.text
        assert reply.text.startswith("If you are in danger now, call 911.")

    def test_no_danger_line_at_the_end_the_help_is_already_first(self):
        assert not reply_to(self.CRISIS).text.endswith(DANGER_LINE)

    @pytest.mark.parametrize(
        ("numbers", "first_line"),
        [
            (
                EmergencyNumbers("911", "Crisis Text Line", "988", "Text HOME to 741741"),
                "If you are in danger now, call 911. You can call 988 (Crisis Text Line) any "
                "time. Text HOME to 741741.",
            ),
            (
                EmergencyNumbers("999", "Samaritans", "116 123", ""),
                "If you are in danger now, call 999. You can call 116 123 (Samaritans) any time.",
            ),
            (
                EmergencyNumbers("000", "Lifeline", "13 11 14", "0477 13 11 14"),
                "If you are in danger now, call 000. You can call 13 11 14 (Lifeline) any time. "
                "Or text 0477 13 11 14.",
            ),
        ],
    )
    def test_the_practices_own_numbers(self, numbers, first_line):
        assert reply_to(self.CRISIS, emergency=numbers).text.splitlines()[0] == first_line

    def test_crisis_help_even_without_a_therapist(self):
        reply = reply_to(self.CRISIS, therapist="", first_name="")
        assert "We're contacting your therapist now" in reply.text
        assert reply.includes_crisis_help


# -- a message over the length limit ----------------------------------------------------


CUT = (
    "Your message was too long to read whole (1,200,000 characters): the first 1,000,000 were "
    "read and passed on, and the rest was saved but not read. If something after that matters, "
    "please send it again in a shorter message."
)


def test_a_cut_message_is_told_what_was_read_before_the_danger_line():
    reply = auto_reply(
        decision(Category.LOGISTICS, Disposition.DELIVER, SESSION),
        now=NOW,
        time_zone="America/New_York",
        client_first_name="Alex",
        therapist_name="Dr Chen",
        emergency=US_NUMBERS,
        safety_plan=None,
        body_cut=(1_000_000, 1_200_000),
    )
    assert reply.text.splitlines()[-2:] == [CUT, DANGER_LINE]


def test_a_cut_crisis_message_gets_the_help_first_and_the_notice_last():
    crisis = decision(Category.CRISIS, Disposition.ESCALATE, NOW, "crisis_escalates")
    reply = auto_reply(
        crisis,
        now=NOW,
        time_zone="America/New_York",
        client_first_name="Alex",
        therapist_name="Dr Chen",
        emergency=US_NUMBERS,
        safety_plan=None,
        body_cut=(1_000_000, 1_200_000),
    )
    assert reply.text.startswith("If you are in danger now, call 911.")
    assert reply.text.endswith(CUT) and reply.includes_crisis_help


# -- urgent after hours ------------------------------------------------------------------


def test_urgent_after_hours_goes_on_call():
    urgent = decision(
        Category.URGENT, Disposition.ESCALATE, NOW, "urgent_after_hours_escalates", after_hours=True
    )
    reply = reply_to(urgent)
    assert reply.text == (
        "Thank you, Alex. Your message is urgent. We've asked a clinician to call you back "
        f"now.\n{DANGER_LINE}"
    )
    assert not reply.includes_crisis_help


def test_urgent_after_hours_says_who_calls_back_and_by_when():
    urgent = decision(
        Category.URGENT, Disposition.ESCALATE, NOW, "urgent_after_hours_escalates", after_hours=True
    )
    promised = Promised(
        contacting="Sam Okafor",
        then="Owen Other (the on-call clinician)",
        then_at=NOW + timedelta(minutes=5),
        ends_at=NOW + timedelta(minutes=30),
    )
    reply = reply_to(urgent, promised=promised)
    local = NOW.astimezone(NEW_YORK)
    then, ends = local + timedelta(minutes=5), local + timedelta(minutes=30)
    assert reply.text.startswith(
        "Thank you, Alex. Your message is urgent. We've asked Sam Okafor to call you back now. "
        f"If they haven't answered by {then:%H:%M}, we'll contact Owen Other (the on-call "
        f"clinician). We keep trying until {ends:%H:%M}, then the practice team is alerted."
    )
    assert not reply.text.startswith("If you are in danger now")


def test_a_crisis_reply_says_who_the_snapshot_contacts_now_and_next():
    crisis = decision(Category.CRISIS, Disposition.ESCALATE, NOW, "crisis_escalates")
    promised = Promised(
        contacting="Sam Okafor", then="the practice team", then_at=NOW + timedelta(minutes=10)
    )
    reply = reply_to(crisis, promised=promised)
    then = NOW.astimezone(NEW_YORK) + timedelta(minutes=10)
    assert "We're contacting Sam Okafor now." in reply.text
    assert f"If they haven't answered by {then:%H:%M}, we'll contact the practice team." in (
        reply.text
    )
    assert "the on-call clinician if needed" not in reply.text


def test_an_acknowledged_escalation_says_who_is_calling():
    text = promise_text(
        Promised(acknowledged_by="Sam Okafor"), now=NOW, time_zone="America/New_York", urgent=True
    )
    assert text == "Sam Okafor has your message and is calling you now."


# -- delivered ---------------------------------------------------------------------------


class TestDeliveredReply:
    def test_says_who_has_it_and_when_to_expect_a_reply(self):
        due = datetime(2026, 5, 14, 17, 0, tzinfo=NEW_YORK)
        reply = reply_to(decision(Category.CLINICAL, Disposition.DELIVER, due))
        assert reply.text == (
            "Thanks, Alex — Dr Chen has your message. Expect a reply Thursday by 17:00.\n"
            + DANGER_LINE
        )
        assert reply.includes_crisis_help is False

    def test_today_and_tomorrow(self):
        today = reply_to(decision(response_due_at=datetime(2026, 5, 12, 14, tzinfo=NEW_YORK)))
        tomorrow = reply_to(decision(response_due_at=datetime(2026, 5, 13, 9, tzinfo=NEW_YORK)))
        assert "Expect a reply today by 14:00." in today.text
        assert "Expect a reply tomorrow by 09:00." in tomorrow.text

    def test_due_time_across_the_clock_change_in_the_clients_zone(self):
        # Sent Friday 30 Oct 2026 16:00 EDT; due Monday 2 Nov 12:00 EST (17:00 UTC).
        sent = datetime(2026, 10, 30, 16, 0, tzinfo=NEW_YORK)
        due = datetime(2026, 11, 2, 17, 0, tzinfo=ZoneInfo("UTC"))
        in_new_york = reply_to(decision(response_due_at=due), now=sent)
        in_london = reply_to(decision(response_due_at=due), now=sent, time_zone="Europe/London")
        assert "Expect a reply Monday by 12:00." in in_new_york.text
        assert "Expect a reply Monday by 17:00." in in_london.text

    def test_without_a_window_there_is_no_set_time_but_it_is_in_the_inbox(self):
        reply = reply_to(decision(response_due_at=None))
        assert reply.text == (
            "Thanks, Alex — your message is in Dr Chen's inbox. There's no set reply time.\n"
            + DANGER_LINE
        )

    def test_check_in(self):
        due = datetime(2026, 5, 12, 14, 0, tzinfo=NEW_YORK)
        reply = reply_to(decision(Category.CLINICAL, response_due_at=due, is_check_in=True))
        assert reply.text.startswith(
            "Thanks for checking in, Alex — Dr Chen has your message. Expect a reply today"
        )

    def test_unknown_sender_hears_from_the_practice(self):
        due = datetime(2026, 5, 13, 17, 0, tzinfo=NEW_YORK)
        unknown = decision(Category.LOGISTICS, Disposition.DELIVER, due, "unknown_sender")
        reply = reply_to(unknown, first_name="", therapist="")
        assert reply.text == (
            "Thanks — the practice has your message. Expect a reply tomorrow by 17:00.\n"
            + DANGER_LINE
        )


# -- held --------------------------------------------------------------------------------


class TestHeldReply:
    def test_held_as_agreed_for_the_session(self):
        held = decision(Category.CLINICAL, Disposition.HOLD_FOR_SESSION, SESSION, "clinical_held")
        assert reply_to(held).text == (
            "Thank you for writing this down, Alex. It's saved for your session on "
            "Tuesday 19 May at 15:00, where there's time to talk it through.\n" + DANGER_LINE
        )

    def test_without_a_session_booked(self):
        held = decision(Category.CLINICAL, Disposition.HOLD_FOR_SESSION, None, "clinical_held")
        assert "It's saved for your next session, where" in reply_to(held).text

    def test_session_time_in_the_clients_zone_with_the_year_when_not_this_year(self):
        session = datetime(2027, 1, 5, 20, 0, tzinfo=ZoneInfo("UTC"))
        held = decision(Category.CLINICAL, Disposition.HOLD_FOR_SESSION, session)
        assert "your session on Tuesday 5 January 2027 at 15:00" in reply_to(held).text

    @pytest.mark.parametrize(
        ("limit", "words"),
        [
            (3, "You've already sent the 3 messages we agreed for this week;"),
            (1, "You've already sent the 1 message we agreed for this week;"),
            (0, "We agreed to keep messages for sessions;"),
        ],
    )
    def test_over_the_limit_says_so_kindly(self, limit, words):
        held = decision(
            Category.LOGISTICS,
            Disposition.HOLD_FOR_SESSION,
            SESSION,
            "over_frequency_limit",
            "held_over_frequency_limit",
            over_frequency_limit=True,
            frequency_limit_per_week=limit,
        )
        assert reply_to(held).text == (
            f"Thank you, Alex. {words} this one is saved for your session on Tuesday 19 May "
            f"at 15:00.\n{DANGER_LINE}"
        )

    def test_outside_the_agreement(self):
        held = decision(
            Category.LOGISTICS,
            Disposition.HOLD_FOR_SESSION,
            SESSION,
            "channel_not_agreed",
            "held_outside_agreement",
            outside_agreement=True,
        )
        assert reply_to(held).text.startswith(
            "Thank you, Alex. This is outside what we agreed for between sessions, so it's "
            "saved for your session on Tuesday 19 May at 15:00."
        )

    def test_no_agreement_yet(self):
        held = decision(
            Category.CLINICAL,
            Disposition.HOLD_FOR_SESSION,
            None,
            "no_agreement",
            "held_outside_agreement",
            outside_agreement=True,
            agreement_id=None,
            agreement_version=None,
        )
        assert reply_to(held).text.startswith(
            "Thank you, Alex. We don't have a contact agreement in place yet, so this is saved "
            "for your next session."
        )


# -- properties --------------------------------------------------------------------------


@PROPERTY_SETTINGS
@given(triage_cases())
def test_every_decision_gets_a_reply_that_says_where_to_turn(
    case: tuple[InboundMessage, TriageContext],
) -> None:
    inbound, triage_context = case
    triage_decision = triage(inbound, triage_context)
    reply = reply_to(triage_decision, now=inbound.received_at)
    lines = reply.text.splitlines()
    assert lines and all(line.strip() for line in lines)
    assert "None" not in reply.text
    if triage_decision.category is Category.CRISIS:
        assert reply.includes_crisis_help
        assert lines[0].startswith("If you are in danger now, call 911.")
        assert "988" in lines[0]
    else:
        assert not reply.includes_crisis_help
        assert lines[-1] == DANGER_LINE
