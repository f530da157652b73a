"""Rule f, low answers: a check-in answered 1 or 2 of 5 during a crisis period is at least
urgent and delivered now; it never lowers a higher category and never pages by itself."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from agreements.business_hours import BusinessCalendar
from messaging.triage.categories import Category
from messaging.triage.engine import (
    AgreementSnapshot,
    ChannelTerms,
    ContactHistory,
    CrisisPeriodSnapshot,
    Disposition,
    InboundMessage,
    TriageContext,
    WindowTerms,
    triage,
)
from tests.factories import CALENDAR, PROPERTY_SETTINGS, ny, triage_cases

TUESDAY_10AM = ny(2026, 5, 12, 10, 0)
TUESDAY_9_40PM = ny(2026, 5, 12, 21, 40)
NEXT_SESSION = ny(2026, 5, 19, 15, 0)


def channel(
    name: str,
    purposes: tuple[str, ...] = ("logistics", "clinical", "urgent"),
    *,
    enabled: bool = True,
    after_hours: bool = False,
) -> ChannelTerms:
    return ChannelTerms(name, enabled, frozenset(purposes), after_hours)


def agreement(
    *,
    channels: tuple[ChannelTerms, ...] | None = None,
    windows: dict[str, WindowTerms] | None = None,
    hold_clinical: bool = False,
    limit: int | None = None,
    version: int = 3,
) -> AgreementSnapshot:
    if channels is None:
        channels = (channel("portal", after_hours=True), channel("sms"), channel("email"))
    if windows is None:
        windows = {
            "urgent": WindowTerms(4, "hours"),
            "clinical": WindowTerms(2, "days"),
            "logistics": WindowTerms(1, "days"),
        }
    return AgreementSnapshot(
        agreement_id=41,
        version=version,
        channels={c.channel: c for c in channels},
        response_windows=windows,
        hold_clinical_for_session=hold_clinical,
        frequency_limit_per_week=limit,
    )


def message(
    body: str = "A message",
    *,
    channel: str = "portal",
    at: datetime = TUESDAY_10AM,
    purpose: str | None = None,
    emergency: bool | None = None,
    known: bool = True,
) -> InboundMessage:
    return InboundMessage(channel, body, at, purpose, emergency, known)


def context(
    agreement: AgreementSnapshot | None,
    *,
    calendar: BusinessCalendar = CALENDAR,
    crisis_period: CrisisPeriodSnapshot | None = None,
    sent_this_week: int = 0,
    last_check_in_at: datetime | None = None,
    next_session_at: datetime | None = NEXT_SESSION,
) -> TriageContext:
    return TriageContext(
        agreement=agreement,
        calendar=calendar,
        crisis_period=crisis_period,
        history=ContactHistory(sent_this_week, last_check_in_at),
        next_session_at=next_session_at,
    )


LOW_RULE = "low_check_in_in_crisis_period"
_RANK = {Disposition.HOLD_FOR_SESSION: 0, Disposition.DELIVER: 1, Disposition.ESCALATE: 2}


def period_around(at):
    return CrisisPeriodSnapshot(at - timedelta(days=1), at + timedelta(days=6), timedelta(days=1))


def answer(score, *, at=TUESDAY_10AM, body=None, known=True, channel="portal"):
    return dataclasses.replace(
        message(body or f"Check-in answer: {score} of 5", at=at, known=known, channel=channel),
        check_in_score=score,
    )


@pytest.mark.parametrize("score", [1, 2])
def test_a_low_answer_that_would_wait_for_the_session_is_delivered_now(score):
    held = context(agreement(hold_clinical=True), crisis_period=period_around(TUESDAY_10AM))
    # Too soon after the last check-in to count as one, so on its own it would be held.
    held = dataclasses.replace(
        held, history=dataclasses.replace(held.history, last_check_in_at=TUESDAY_10AM)
    )
    assert triage(answer(None, body="feeling low"), held).disposition is (
        Disposition.HOLD_FOR_SESSION
    )
    decision = triage(answer(score, body=f"{score} rough day"), held)
    assert decision.category is Category.URGENT
    assert decision.disposition is Disposition.DELIVER
    assert decision.response_due_at == TUESDAY_10AM + timedelta(hours=4)
    (reason,) = [rule.reason for rule in decision.rules if rule.code == LOW_RULE]
    assert reason == f"Answered a check-in {score} of 5 during the crisis period: delivered now."


def test_after_hours_on_an_urgent_any_time_channel_it_is_delivered_not_paged():
    urgent_any_time = agreement(channels=(channel("sms", after_hours=True),))
    decision = triage(
        answer(1, at=TUESDAY_9_40PM, body="1", channel="sms"),
        context(urgent_any_time, crisis_period=period_around(TUESDAY_9_40PM)),
    )
    assert decision.category is Category.URGENT
    assert decision.disposition is Disposition.DELIVER


def test_over_the_limit_and_outside_the_agreement_it_is_still_delivered_and_flagged():
    portal_only = agreement(channels=(channel("portal"),), limit=0)
    decision = triage(
        answer(2, body="2", channel="sms"),
        context(portal_only, crisis_period=period_around(TUESDAY_10AM), sent_this_week=9),
    )
    assert decision.disposition is Disposition.DELIVER
    assert decision.fired(LOW_RULE) and decision.fired("delivered_now_anyway")


@pytest.mark.parametrize("score", [3, 4, 5, None])
def test_other_answers_keep_the_check_in_rules(score):
    decision = triage(
        answer(score, body="so-so"), context(agreement(), crisis_period=period_around(TUESDAY_10AM))
    )
    assert not decision.fired(LOW_RULE)


def test_no_crisis_period_no_rule():
    decision = triage(answer(1, body="feeling low"), context(agreement(hold_clinical=True)))
    assert not decision.fired(LOW_RULE)
    assert decision.disposition is Disposition.HOLD_FOR_SESSION
    assert decision.response_due_at == NEXT_SESSION


def test_the_score_must_be_one_to_five():
    for bad in (0, 6, True, "1"):
        with pytest.raises(ValueError, match="check_in_score"):
            answer(bad)


@PROPERTY_SETTINGS
@given(triage_cases(), st.sampled_from([1, 2]))
def test_a_low_answer_in_a_crisis_period_is_never_below_urgent_and_never_lowers(
    case: tuple[InboundMessage, TriageContext], score: int
) -> None:
    inbound, triage_context = case
    at = inbound.received_at
    triage_context = dataclasses.replace(triage_context, crisis_period=period_around(at))
    without = triage(dataclasses.replace(inbound, check_in_score=None), triage_context)
    low = triage(dataclasses.replace(inbound, check_in_score=score), triage_context)
    event(f"{without.category} → {low.category}, {low.disposition}")
    # Never lowered: not the category, not what happens to it, not a reply already due sooner.
    assert low.category.severity >= without.category.severity
    assert _RANK[low.disposition] >= _RANK[without.disposition]
    if inbound.sender_known:
        assert low.category.severity >= Category.URGENT.severity
        assert low.disposition is not Disposition.HOLD_FOR_SESSION
    # Never a page by itself: it escalates only when the message would have anyway.
    if low.disposition is Disposition.ESCALATE:
        assert without.disposition is Disposition.ESCALATE
    if low.fired(LOW_RULE):
        assert without.category.severity < Category.URGENT.severity
        assert low.disposition is Disposition.DELIVER


# -- a call that ended before a choice or a message ------------------------------------


def test_an_unfinished_call_after_hours_is_delivered_now_not_paged():
    urgent_any_time = agreement(channels=(channel("phone", after_hours=True),))
    call = dataclasses.replace(
        message("Call ended before a choice was made", at=TUESDAY_9_40PM, channel="phone"),
        unfinished_call=True,
    )
    decision = triage(call, context(urgent_any_time))
    assert (decision.category, decision.disposition) == (Category.URGENT, Disposition.DELIVER)
    (reason,) = [rule.reason for rule in decision.rules if rule.code == "unfinished_call"]
    assert reason.startswith("A call that ended before the emergency question was answered")


@PROPERTY_SETTINGS
@given(triage_cases())
def test_an_unfinished_call_is_never_below_urgent_never_lowers_and_never_pages_by_itself(
    case: tuple[InboundMessage, TriageContext],
) -> None:
    inbound, triage_context = case
    without = triage(inbound, triage_context)
    call = triage(dataclasses.replace(inbound, unfinished_call=True), triage_context)
    assert call.category.severity >= max(without.category.severity, Category.URGENT.severity)
    assert _RANK[call.disposition] >= _RANK[without.disposition]
    assert call.disposition is not Disposition.HOLD_FOR_SESSION
    if call.disposition is Disposition.ESCALATE:
        assert without.disposition is Disposition.ESCALATE
    assert call.fired("unfinished_call") or call.category is Category.CRISIS
