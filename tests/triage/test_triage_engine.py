"""Tests for messaging.triage.engine: the triage rules a to k, and the invariants as properties.

Pure Python: no database. Example tests replace the detector with a fixed ``Detection`` so they
test the rules, not the detector's word lists; two smoke checks use the real detector on text
that is obviously a crisis.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from agreements.business_hours import BusinessCalendar, Coverage
from messaging.triage import engine
from messaging.triage.categories import Category
from messaging.triage.crisis_help import EmergencyNumbers
from messaging.triage.detector import Detection, Match, detect
from messaging.triage.engine import (
    AgreementSnapshot,
    ChannelTerms,
    ContactHistory,
    CrisisPeriodSnapshot,
    Disposition,
    InboundMessage,
    TriageContext,
    TriageDecision,
    WindowTerms,
    triage,
)
from messaging.triage.replies import auto_reply
from tests.factories import CALENDAR, NEW_YORK, PROPERTY_SETTINGS, ny, office_hours, triage_cases

LONDON = ZoneInfo("Europe/London")
NON_CRISIS = (Category.URGENT, Category.CLINICAL, Category.LOGISTICS)

# Dates used below (2026): Tue 12 May, Thu 14 May, Sat 16 May; the US clocks go back on
# Sunday 1 November, so Fri 30 Oct is EDT (UTC-4) and Mon 2 Nov is EST (UTC-5).
TUESDAY_10AM = ny(2026, 5, 12, 10, 0)
TUESDAY_9_40PM = ny(2026, 5, 12, 21, 40)
SATURDAY_NOON = ny(2026, 5, 16, 12, 0)
NEXT_SESSION = ny(2026, 5, 19, 15, 0)


# -- builders ----------------------------------------------------------------------------


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


def detection(category: Category, *reasons: str) -> Detection:
    if not reasons and category is not Category.CLINICAL:
        # The real detector only reaches logistics, urgent or crisis on matched phrases.
        reasons = (f"{category.value} phrase",)
    matches = tuple(
        Match(reason, 0, len(reason), "signal", category, 1.0, reason) for reason in reasons
    )
    return Detection(
        category=category, score=1.0 if reasons else 0.0, matches=matches, suppressed=()
    )


@pytest.fixture
def detects(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Make the detector read every message as ``category`` (with the given reasons)."""

    def set_detection(category: Category, *reasons: str) -> None:
        monkeypatch.setattr(engine, "detect", lambda _body: detection(category, *reasons))

    set_detection(Category.LOGISTICS)
    return set_detection


def codes(decision: TriageDecision) -> list[str]:
    return [rule.code for rule in decision.rules]


# -- a. category: declared vs detected ---------------------------------------------------


class TestCategory:
    def test_declaring_an_emergency_is_a_crisis(self, detects):
        decision = triage(message(purpose="logistics", emergency=True), context(agreement()))
        assert decision.declared_category is Category.CRISIS
        assert decision.category is Category.CRISIS
        assert decision.rules[0].reason == "Declared an emergency when asked."

    def test_declared_purpose_is_the_category_when_detection_finds_less(self, detects):
        detects(Category.LOGISTICS)
        decision = triage(message(purpose="urgent", emergency=False), context(agreement()))
        assert decision.declared_category is Category.URGENT
        assert decision.category is Category.URGENT
        assert "raised_by_detection" not in codes(decision)

    def test_detection_raises_the_declared_purpose(self, detects):
        detects(Category.CRISIS, "mentions a method (pills) together with intent")
        decision = triage(message(purpose="logistics"), context(agreement()))
        assert decision.declared_category is Category.LOGISTICS
        assert decision.category is Category.CRISIS
        reasons = {rule.code: rule.reason for rule in decision.rules}
        assert reasons["detected"] == "Detected: mentions a method (pills) together with intent."
        assert reasons["raised_by_detection"] == (
            "Raised from scheduling and admin to crisis by what the message says."
        )

    @pytest.mark.parametrize("detected", list(Category))
    @pytest.mark.parametrize("declared", list(Category))
    def test_detection_never_lowers(self, detects, declared, detected):
        detects(detected, f"a {detected.value} phrase")
        decision = triage(message(purpose=declared.value), context(agreement()))
        assert decision.category.severity == max(declared.severity, detected.severity)

    def test_a_reading_without_evidence_does_not_raise_the_declared_purpose(self, detects):
        detects(Category.CLINICAL)  # no phrase matched: the detector's default reading
        decision = triage(message(purpose="logistics"), context(agreement()))
        assert decision.category is Category.LOGISTICS
        assert "raised_by_detection" not in codes(decision)

    def test_without_a_declared_purpose_the_detector_decides(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(), context(agreement()))
        assert decision.declared_category is None
        assert decision.category is Category.CLINICAL
        assert "detected" in codes(decision)

    def test_answering_no_to_the_emergency_question_does_not_lower_detection(self, detects):
        detects(Category.CRISIS, "says they want to die")
        decision = triage(message(emergency=False), context(agreement()))
        assert decision.category is Category.CRISIS
        assert decision.disposition is Disposition.ESCALATE


# -- b. crisis always escalates ----------------------------------------------------------


class TestCrisis:
    @pytest.mark.parametrize(
        ("snapshot", "msg_channel", "at", "sent", "known"),
        [
            (agreement(), "portal", TUESDAY_10AM, 0, True),
            (None, "sms", TUESDAY_9_40PM, 0, True),  # no agreement, at night
            (agreement(limit=2), "portal", SATURDAY_NOON, 9, True),  # far over the limit
            (
                agreement(channels=(channel("email", enabled=False),)),
                "email",
                TUESDAY_10AM,
                0,
                True,
            ),
            (
                agreement(channels=(channel("portal", ("logistics",)),)),
                "phone",
                SATURDAY_NOON,
                0,
                True,
            ),
            (None, "sms", SATURDAY_NOON, 0, False),  # unknown sender
        ],
    )
    def test_escalates_whatever_the_circumstances(
        self, detects, snapshot, msg_channel, at, sent, known
    ):
        decision = triage(
            message(channel=msg_channel, at=at, emergency=True, known=known),
            context(snapshot, sent_this_week=sent),
        )
        assert decision.category is Category.CRISIS
        assert decision.disposition is Disposition.ESCALATE
        assert decision.response_due_at == at
        assert decision.over_frequency_limit is False
        assert codes(decision)[-1] == "crisis_escalates"

    def test_a_crisis_is_never_a_purpose_outside_the_agreement(self, detects):
        # The portal is agreed for logistics only; a crisis there is still welcome.
        snapshot = agreement(channels=(channel("portal", ("logistics",), after_hours=True),))
        decision = triage(message(purpose="crisis"), context(snapshot))
        assert "purpose_not_agreed" not in codes(decision)
        assert decision.outside_agreement is False

    def test_detected_crisis_escalates_even_when_declared_logistics(self, detects):
        detects(Category.CRISIS, "says they have taken an overdose (took 30 pills)")
        decision = triage(message(purpose="logistics", emergency=False), context(None))
        assert decision.disposition is Disposition.ESCALATE

    @pytest.mark.parametrize(
        "body",
        ["I took 30 pills tonight, I want to die", "I am going to kill myself tonight"],
    )
    def test_smoke_with_the_real_detector(self, body):
        """End to end, with the real detector: an unmistakable crisis sent as 'logistics'."""
        decision = triage(
            message(body, channel="sms", at=SATURDAY_NOON, purpose="logistics", emergency=False),
            context(None, sent_this_week=50),
        )
        assert decision.category is Category.CRISIS
        assert decision.disposition is Disposition.ESCALATE
        assert decision.response_due_at == SATURDAY_NOON
        assert decision.detection.matches
        assert any(rule.reason.startswith("Detected: ") for rule in decision.rules)


# -- c. after hours ----------------------------------------------------------------------


class TestAfterHours:
    @pytest.mark.parametrize(
        ("at", "after_hours"),
        [
            (TUESDAY_10AM, False),
            (ny(2026, 5, 12, 9, 0), False),  # opening time counts as open
            (ny(2026, 5, 12, 17, 0), True),  # closing time is closed
            (TUESDAY_9_40PM, True),
            (SATURDAY_NOON, True),
        ],
    )
    def test_after_hours_is_when_the_office_is_closed(self, detects, at, after_hours):
        decision = triage(message(at=at), context(agreement()))
        assert decision.after_hours is after_hours
        assert ("after_hours" in codes(decision)) is after_hours

    def test_reason_names_the_local_arrival_time(self, detects):
        decision = triage(message(at=TUESDAY_9_40PM.astimezone(UTC)), context(agreement()))
        assert decision.rules[-2].reason == "Arrived at 21:40 on Tuesday, outside office hours."


# -- d. outside the agreement ------------------------------------------------------------


class TestOutsideAgreement:
    def test_within_the_agreement(self, detects):
        decision = triage(message(channel="sms", purpose="logistics"), context(agreement()))
        assert decision.outside_agreement is False
        assert decision.disposition is Disposition.DELIVER

    def test_no_agreement(self, detects):
        decision = triage(message(purpose="clinical"), context(None))
        assert decision.outside_agreement is True
        assert decision.agreement_id is None
        assert decision.agreement_version is None
        assert {"no_agreement", "held_outside_agreement"} <= set(codes(decision))

    @pytest.mark.parametrize(
        "channels",
        [(channel("portal"),), (channel("portal"), channel("sms", enabled=False))],
        ids=["not in the agreement", "disabled"],
    )
    def test_channel_not_agreed(self, detects, channels):
        decision = triage(message(channel="sms"), context(agreement(channels=channels)))
        assert decision.outside_agreement is True
        reasons = {rule.code: rule.reason for rule in decision.rules}
        assert reasons["channel_not_agreed"] == "SMS is not one of the agreed ways to get in touch."

    def test_purpose_not_agreed_on_that_channel(self, detects):
        snapshot = agreement(channels=(channel("email", ("logistics",)),))
        decision = triage(message(channel="email", purpose="clinical"), context(snapshot))
        assert decision.outside_agreement is True
        reasons = {rule.code: rule.reason for rule in decision.rules}
        assert reasons["purpose_not_agreed"] == "Email is not agreed for therapy content."

    def test_after_hours_on_an_office_hours_channel(self, detects):
        decision = triage(message(channel="sms", at=TUESDAY_9_40PM), context(agreement()))
        assert decision.outside_agreement is True
        assert decision.rules[1] == engine.FiredRule(
            "after_hours_not_agreed",
            "Arrived at 21:40 on Tuesday, outside office hours; SMS is not agreed for after hours.",
        )

    def test_after_hours_on_an_any_time_channel_is_within(self, detects):
        decision = triage(message(channel="portal", at=TUESDAY_9_40PM), context(agreement()))
        assert decision.outside_agreement is False
        assert decision.disposition is Disposition.DELIVER

    def test_each_breach_gives_its_own_rule(self, detects):
        snapshot = agreement(channels=(channel("sms", ("logistics",)),))
        decision = triage(
            message(channel="sms", at=TUESDAY_9_40PM, purpose="clinical"), context(snapshot)
        )
        assert {"after_hours_not_agreed", "purpose_not_agreed"} <= set(codes(decision))


# -- e. urgent ---------------------------------------------------------------------------


class TestUrgent:
    def test_in_office_hours_delivered_with_the_urgent_window(self, detects):
        decision = triage(message(purpose="urgent"), context(agreement()))
        assert decision.disposition is Disposition.DELIVER
        assert decision.response_due_at == ny(2026, 5, 12, 14, 0)

    def test_after_hours_where_agreed_goes_on_call(self, detects):
        decision = triage(
            message(channel="portal", at=TUESDAY_9_40PM, purpose="urgent"), context(agreement())
        )
        assert decision.disposition is Disposition.ESCALATE
        assert decision.response_due_at == TUESDAY_9_40PM
        assert decision.rules[-1].reason == (
            "Urgent after hours: the agreement says urgent matters after hours go to the "
            "on-call clinician."
        )

    def test_after_hours_on_a_channel_not_agreed_for_urgent_is_delivered(self, detects):
        snapshot = agreement(channels=(channel("portal", ("logistics",), after_hours=True),))
        decision = triage(message(at=TUESDAY_9_40PM, purpose="urgent"), context(snapshot))
        assert decision.disposition is Disposition.DELIVER
        assert decision.outside_agreement is True
        # 4 business hours from Tuesday night: Wednesday 13:00.
        assert decision.response_due_at == ny(2026, 5, 13, 13, 0)
        assert "urgent_outside_agreement_delivered" in codes(decision)

    def test_after_hours_on_an_office_hours_channel_is_delivered_flagged(self, detects):
        decision = triage(
            message(channel="sms", at=TUESDAY_9_40PM, purpose="urgent"), context(agreement())
        )
        assert decision.disposition is Disposition.DELIVER
        assert decision.outside_agreement is True

    @pytest.mark.parametrize(
        "snapshot",
        [None, agreement(hold_clinical=True, limit=1), agreement(channels=(channel("email"),))],
        ids=["no agreement", "hold clinical and over the limit", "channel not agreed"],
    )
    def test_never_held(self, detects, snapshot):
        decision = triage(message(purpose="urgent"), context(snapshot, sent_this_week=5))
        assert decision.disposition is Disposition.DELIVER

    def test_without_an_urgent_window_there_is_no_set_reply_time(self, detects):
        decision = triage(message(purpose="urgent"), context(None))
        assert decision.response_due_at is None
        assert decision.rules[-1].reason == (
            "Delivered to the inbox; no reply time is agreed for urgent matters."
        )


# -- f. frequency and check-ins ----------------------------------------------------------


class TestFrequency:
    @pytest.mark.parametrize(("sent", "over"), [(0, False), (2, False), (3, True), (7, True)])
    def test_over_the_limit_once_the_week_already_has_the_limit(self, detects, sent, over):
        detects(Category.CLINICAL)
        decision = triage(message(), context(agreement(limit=3), sent_this_week=sent))
        assert decision.over_frequency_limit is over
        expected = Disposition.HOLD_FOR_SESSION if over else Disposition.DELIVER
        assert decision.disposition is expected

    def test_reason_counts_this_message(self, detects):
        decision = triage(message(), context(agreement(limit=3), sent_this_week=3))
        reasons = {rule.code: rule.reason for rule in decision.rules}
        assert reasons["over_frequency_limit"] == (
            "This is message 4 in 7 days; the agreement allows 3 a week."
        )

    def test_no_limit_never_over(self, detects):
        decision = triage(message(), context(agreement(limit=None), sent_this_week=500))
        assert decision.over_frequency_limit is False

    def test_a_limit_of_zero_keeps_therapy_content_for_the_session(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(), context(agreement(limit=0)))
        assert decision.over_frequency_limit is True
        assert decision.disposition is Disposition.HOLD_FOR_SESSION

    def test_crisis_never_counts(self, detects):
        decision = triage(message(emergency=True), context(agreement(limit=1), sent_this_week=4))
        assert decision.over_frequency_limit is False


class TestCheckIn:
    PERIOD = CrisisPeriodSnapshot(ny(2026, 5, 10), ny(2026, 5, 24), timedelta(hours=24))

    def test_first_check_in_is_delivered_with_the_urgent_window(self, detects):
        detects(Category.CLINICAL)
        decision = triage(
            message(),
            context(
                agreement(hold_clinical=True, limit=2), crisis_period=self.PERIOD, sent_this_week=9
            ),
        )
        assert decision.is_check_in is True
        assert decision.over_frequency_limit is False
        assert decision.disposition is Disposition.DELIVER
        assert decision.response_due_at == ny(2026, 5, 12, 14, 0)
        assert codes(decision)[-2:] == ["check_in", "delivered"]

    def test_check_in_after_half_the_interval(self, detects):
        detects(Category.CLINICAL)
        decision = triage(
            message(),
            context(
                agreement(),
                crisis_period=self.PERIOD,
                last_check_in_at=TUESDAY_10AM - timedelta(hours=12),
            ),
        )
        assert decision.is_check_in is True

    def test_too_soon_after_the_last_check_in_follows_the_usual_rules(self, detects):
        detects(Category.CLINICAL)
        decision = triage(
            message(),
            context(
                agreement(hold_clinical=True),
                crisis_period=self.PERIOD,
                last_check_in_at=TUESDAY_10AM - timedelta(hours=3),
            ),
        )
        assert decision.is_check_in is False
        assert decision.disposition is Disposition.HOLD_FOR_SESSION
        reasons = {rule.code: rule.reason for rule in decision.rules}
        assert reasons["not_a_check_in"] == (
            "Sent during the crisis period, but only 3 hours after the last check-in "
            "(check-ins are every 24 hours)."
        )

    @pytest.mark.parametrize(
        "period",
        [
            CrisisPeriodSnapshot(ny(2026, 5, 1), TUESDAY_10AM, timedelta(hours=24)),  # just ended
            CrisisPeriodSnapshot(TUESDAY_10AM + timedelta(seconds=1), ny(2026, 6, 1), timedelta(1)),
        ],
        ids=["ended", "not started"],
    )
    def test_only_during_the_period(self, detects, period):
        decision = triage(message(), context(agreement(), crisis_period=period))
        assert decision.is_check_in is False

    def test_scheduling_is_never_a_check_in(self, detects):
        detects(Category.LOGISTICS, "a scheduling phrase")
        decision = triage(
            message(purpose="logistics"), context(agreement(), crisis_period=self.PERIOD)
        )
        assert decision.is_check_in is False

    def test_without_an_urgent_window_the_clinical_window_applies(self, detects):
        detects(Category.CLINICAL)
        snapshot = agreement(windows={"clinical": WindowTerms(2, "days")})
        decision = triage(message(), context(snapshot, crisis_period=self.PERIOD))
        assert decision.response_due_at == ny(2026, 5, 14, 17, 0)

    def test_never_held_even_outside_the_agreement(self, detects):
        detects(Category.CLINICAL)
        decision = triage(
            message(channel="phone", at=TUESDAY_9_40PM),
            context(agreement(), crisis_period=self.PERIOD),
        )
        assert decision.outside_agreement is True
        assert decision.disposition is Disposition.DELIVER


# -- g. clinical, h. logistics -----------------------------------------------------------


class TestClinicalAndLogistics:
    def test_clinical_held_when_the_agreement_says_so(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(), context(agreement(hold_clinical=True)))
        assert decision.disposition is Disposition.HOLD_FOR_SESSION
        assert decision.response_due_at == NEXT_SESSION
        assert decision.rules[-1] == engine.FiredRule(
            "clinical_held",
            "The agreement keeps therapy content for the session. Held for the next session.",
        )

    def test_clinical_delivered_with_its_window_otherwise(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(), context(agreement()))
        assert decision.disposition is Disposition.DELIVER
        # 2 business days from Tuesday morning: close of Thursday.
        assert decision.response_due_at == ny(2026, 5, 14, 17, 0)

    def test_therapy_content_held_outside_the_agreement(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(channel="phone"), context(agreement()))
        assert decision.disposition is Disposition.HOLD_FOR_SESSION
        assert "held_outside_agreement" in codes(decision)

    def test_therapy_content_held_over_the_limit(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(), context(agreement(limit=2), sent_this_week=2))
        assert decision.disposition is Disposition.HOLD_FOR_SESSION
        assert "held_over_frequency_limit" in codes(decision)

    def test_every_reason_to_hold_is_listed(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(channel="phone"), context(agreement(hold_clinical=True, limit=0)))
        assert codes(decision)[-3:] == [
            "clinical_held",
            "held_outside_agreement",
            "held_over_frequency_limit",
        ]

    def test_logistics_delivered_with_its_window(self, detects):
        decision = triage(message(channel="email"), context(agreement(hold_clinical=True)))
        assert decision.disposition is Disposition.DELIVER
        assert decision.response_due_at == ny(2026, 5, 13, 17, 0)

    def test_held_without_a_session_booked_is_due_at_none(self, detects):
        detects(Category.CLINICAL)
        decision = triage(message(channel="phone"), context(agreement(), next_session_at=None))
        assert decision.disposition is Disposition.HOLD_FOR_SESSION
        assert decision.response_due_at is None


# -- h. scheduling and admin is never held until the session --------------------------


class TestSchedulingNeverHeld:
    SATURDAY_BEFORE_DST_ENDS = ny(2026, 10, 31, 12, 0)  # EDT; the clocks go back on Sunday
    SATURDAY_BEFORE_DST_STARTS = ny(2026, 3, 7, 22, 0)  # EST; the clocks go forward on Sunday

    def test_after_hours_on_an_office_hours_channel_is_delivered_flagged(self, detects):
        decision = triage(message(channel="sms", at=TUESDAY_9_40PM), context(agreement()))
        assert decision.disposition is Disposition.DELIVER
        assert decision.outside_agreement is True
        # One business day counted from Wednesday 09:00 (day 0): the close of Thursday.
        assert decision.response_due_at == ny(2026, 5, 14, 17, 0)
        assert decision.rules[-2:] == (
            engine.FiredRule(
                "logistics_outside_agreement_delivered",
                "Sent outside the agreement, but scheduling and admin is never held until the "
                "session it is about: delivered to the practice and flagged.",
            ),
            engine.FiredRule(
                "delivered_after_hours",
                "Delivered to the inbox after hours; a reply to scheduling and admin is due "
                "within 1 business day, counted from when the office opens, Wednesday 13 May "
                "at 09:00.",
            ),
        )

    def test_after_hours_with_no_window_is_due_at_the_next_opening(self, detects):
        decision = triage(
            message(channel="portal", at=SATURDAY_NOON), context(agreement(windows={}))
        )
        assert decision.disposition is Disposition.DELIVER
        assert decision.response_due_at == ny(2026, 5, 18, 9, 0)
        assert decision.rules[-1].reason == (
            "Delivered to the inbox after hours; a reply to scheduling and admin is due when "
            "the office opens, Monday 18 May at 09:00."
        )

    def test_within_office_hours_the_window_counts_from_arrival(self, detects):
        decision = triage(message(channel="sms"), context(agreement()))
        assert decision.response_due_at == ny(2026, 5, 13, 17, 0)
        assert "delivered_after_hours" not in codes(decision)

    @pytest.mark.parametrize(
        "snapshot",
        [
            agreement(channels=(channel("portal"),)),
            agreement(channels=(channel("sms", enabled=False),)),
            agreement(channels=(channel("sms", ("clinical", "urgent")),)),
            None,
        ],
        ids=["channel not agreed", "channel disabled", "purpose not agreed", "no agreement"],
    )
    def test_outside_the_agreement_is_delivered_to_the_practice(self, detects, snapshot):
        decision = triage(message(channel="sms", purpose="logistics"), context(snapshot))
        assert decision.disposition is Disposition.DELIVER
        assert decision.outside_agreement is True
        assert "logistics_outside_agreement_delivered" in codes(decision)
        assert "held_outside_agreement" not in codes(decision)
        # The agreed window where there is one, else one business day, as for the practice.
        assert decision.response_due_at == ny(2026, 5, 13, 17, 0)

    def test_outside_the_agreement_with_no_window_still_gets_a_due_time(self, detects):
        snapshot = agreement(channels=(channel("portal"),), windows={})
        decision = triage(message(channel="email"), context(snapshot))
        assert decision.response_due_at == ny(2026, 5, 13, 17, 0)

    @pytest.mark.parametrize("limit", [0, 2])
    def test_over_the_limit_is_delivered_flagged(self, detects, limit):
        decision = triage(message(), context(agreement(limit=limit), sent_this_week=2))
        assert decision.disposition is Disposition.DELIVER
        assert decision.over_frequency_limit is True
        assert "logistics_over_limit_delivered" in codes(decision)

    def test_every_breach_at_once_is_still_delivered(self, detects):
        snapshot = agreement(channels=(channel("sms", ("clinical",)),), limit=0)
        decision = triage(
            message(channel="sms", at=TUESDAY_9_40PM, purpose="logistics"), context(snapshot)
        )
        assert decision.disposition is Disposition.DELIVER
        assert codes(decision)[-3:] == [
            "logistics_outside_agreement_delivered",
            "logistics_over_limit_delivered",
            "delivered_after_hours",
        ]

    def test_the_issue_example_with_the_real_detector(self):
        decision = triage(
            message("can we move next week's session?", channel="sms", at=TUESDAY_9_40PM),
            context(agreement(hold_clinical=True, limit=0)),
        )
        assert decision.category is Category.LOGISTICS
        assert decision.disposition is Disposition.DELIVER
        assert decision.response_due_at == ny(2026, 5, 14, 17, 0)

    def test_next_opening_across_the_november_clock_change(self, detects):
        snapshot = agreement(windows={"logistics": WindowTerms(3, "hours")})
        decision = triage(
            message(channel="sms", at=self.SATURDAY_BEFORE_DST_ENDS), context(snapshot)
        )
        # Opens Monday 09:00 EST (14:00 UTC, not 13:00 as in October); three hours on.
        assert decision.response_due_at == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
        assert decision.rules[-1].reason.endswith("Monday 2 November at 09:00.")

    def test_next_opening_across_the_march_clock_change(self, detects):
        decision = triage(
            message(channel="portal", at=self.SATURDAY_BEFORE_DST_STARTS),
            context(agreement(windows={})),
        )
        # Arrived at 03:00 UTC Sunday in EST; opens Monday 09:00 EDT, which is 13:00 UTC.
        assert decision.response_due_at == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
        assert decision.response_due_at.astimezone(NEW_YORK).hour == 9

    def test_next_opening_is_the_covers_while_away(self, detects):
        # The therapist is away; a London colleague covers in London office hours.
        away = Coverage(ny(2026, 5, 11), ny(2026, 5, 18), office_hours("Europe/London"))
        calendar = BusinessCalendar(office_hours(), (away,))
        decision = triage(
            message(channel="portal", at=TUESDAY_9_40PM),
            context(agreement(windows={}), calendar=calendar),
        )
        # 21:40 Tuesday in New York is 02:40 Wednesday in London, which opens at 09:00.
        assert decision.response_due_at == datetime(2026, 5, 13, 9, 0, tzinfo=LONDON)
        assert decision.rules[-1].reason.endswith("Wednesday 13 May at 04:00.")

    def test_nobody_covering_means_the_opening_after_the_away_period(self, detects):
        away = Coverage(ny(2026, 5, 11), ny(2026, 5, 18), None)
        calendar = BusinessCalendar(office_hours(), (away,))
        decision = triage(
            message(channel="portal", at=TUESDAY_9_40PM),
            context(agreement(windows={}), calendar=calendar),
        )
        assert decision.disposition is Disposition.DELIVER
        assert decision.response_due_at == ny(2026, 5, 18, 9, 0)


# -- i. unknown senders ------------------------------------------------------------------


class TestUnknownSender:
    def test_delivered_to_the_practice_with_one_business_day(self, detects):
        decision = triage(message(channel="sms", known=False, at=SATURDAY_NOON), context(None))
        assert decision.disposition is Disposition.DELIVER
        # Saturday counts for Monday (day 0); one business day on is the close of Tuesday.
        assert decision.response_due_at == ny(2026, 5, 19, 17, 0)
        assert "unknown_sender" in codes(decision)

    @pytest.mark.parametrize("category", NON_CRISIS)
    def test_never_held(self, detects, category):
        detects(category)
        decision = triage(
            message(channel="phone", known=False),
            context(agreement(hold_clinical=True, limit=0)),
        )
        assert decision.disposition is Disposition.DELIVER

    def test_uses_the_logistics_window_when_there_is_one(self, detects):
        snapshot = agreement(windows={"logistics": WindowTerms(3, "hours")})
        decision = triage(message(known=False), context(snapshot))
        assert decision.response_due_at == ny(2026, 5, 12, 13, 0)

    def test_crisis_escalates(self, detects):
        decision = triage(message(known=False, emergency=True), context(None))
        assert decision.disposition is Disposition.ESCALATE


# -- j. due times, DST -------------------------------------------------------------------


class TestDueTimes:
    FRIDAY_BEFORE_DST_ENDS = ny(2026, 10, 30, 16, 0)  # EDT, UTC-4

    def test_business_hours_across_the_november_clock_change(self, detects):
        decision = triage(
            message(at=self.FRIDAY_BEFORE_DST_ENDS, purpose="urgent"), context(agreement())
        )
        # One hour on Friday, three on Monday: 12:00 EST, which is 17:00 UTC.
        assert decision.response_due_at == datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
        assert decision.response_due_at.astimezone(NEW_YORK).hour == 12

    def test_business_days_across_the_november_clock_change(self, detects):
        decision = triage(message(at=self.FRIDAY_BEFORE_DST_ENDS), context(agreement()))
        # 1 business day after Friday: close of Monday, 17:00 EST = 22:00 UTC.
        assert decision.response_due_at == datetime(2026, 11, 2, 22, 0, tzinfo=UTC)

    def test_on_the_sunday_of_the_clock_change(self, detects):
        # 01:30 happens twice on 1 Nov 2026; either way it is closed, and counting starts Monday.
        for fold in (0, 1):
            at = datetime(2026, 11, 1, 1, 30, tzinfo=NEW_YORK, fold=fold)
            decision = triage(message(channel="sms", at=at, purpose="urgent"), context(agreement()))
            assert decision.disposition is Disposition.DELIVER
            assert decision.response_due_at == ny(2026, 11, 2, 13, 0)

    def test_a_zero_hour_window_is_the_next_opening(self, detects):
        snapshot = agreement(windows={"logistics": WindowTerms(0, "hours")})
        decision = triage(message(at=SATURDAY_NOON, channel="portal"), context(snapshot))
        assert decision.response_due_at == ny(2026, 5, 18, 9, 0)

    def test_away_cover_hours_count(self, detects):
        # The therapist is away all week; a London colleague covers in London office hours.
        away = Coverage(ny(2026, 5, 11), ny(2026, 5, 18), office_hours("Europe/London"))
        calendar = BusinessCalendar(office_hours(), (away,))
        decision = triage(message(purpose="urgent"), context(agreement(), calendar=calendar))
        # Tuesday 10:00 New York is 15:00 London: 2 hours on Tuesday, 2 on Wednesday (to 11:00).
        assert decision.response_due_at == datetime(2026, 5, 13, 11, 0, tzinfo=LONDON)

    def test_escalation_is_due_now(self, detects):
        decision = triage(message(emergency=True, at=SATURDAY_NOON), context(agreement()))
        assert decision.response_due_at == SATURDAY_NOON

    def test_no_window_no_due_time(self, detects):
        decision = triage(message(), context(agreement(windows={})))
        assert decision.disposition is Disposition.DELIVER
        assert decision.response_due_at is None


# -- k. rules in order, agreement version ------------------------------------------------


class TestRecord:
    def test_every_rule_in_order_with_the_agreement_version(self, detects):
        detects(Category.CLINICAL, "talks about feelings or reflections (my mother)")
        snapshot = agreement(channels=(channel("sms", ("logistics",)),), version=7)
        decision = triage(
            message(channel="sms", at=TUESDAY_9_40PM, purpose="logistics", emergency=False),
            context(snapshot, sent_this_week=1),
        )
        assert codes(decision) == [
            "declared_not_emergency",
            "declared_purpose",
            "detected",
            "raised_by_detection",
            "after_hours_not_agreed",
            "purpose_not_agreed",
            "held_outside_agreement",
        ]
        assert all(rule.reason.endswith(".") for rule in decision.rules)
        assert decision.agreement_id == 41
        assert decision.agreement_version == 7

    def test_naive_times_are_refused(self):
        with pytest.raises(ValueError, match="aware"):
            message(at=datetime(2026, 5, 12, 10, 0))

    def test_unknown_window_unit_is_refused(self):
        with pytest.raises(ValueError):
            WindowTerms(3, "weeks")


# -- properties --------------------------------------------------------------------------

# The cases are drawn by ``tests.factories.triage_cases`` (the auto-reply tests draw them too).
EMERGENCY = EmergencyNumbers("911", "988 Suicide & Crisis Lifeline", "988", "988")


@PROPERTY_SETTINGS
@given(triage_cases())
def test_invariants_hold_for_any_message(case: tuple[InboundMessage, TriageContext]) -> None:
    inbound, triage_context = case
    decision = triage(inbound, triage_context)
    detected = detect(inbound.body).category
    event(f"{decision.category} → {decision.disposition}")
    declared = decision.declared_category

    # (1) Exactly one disposition, and the decision says why.
    assert isinstance(decision.disposition, Disposition)
    assert decision.rules
    assert all(rule.code and rule.reason for rule in decision.rules)

    # (2) Crisis, declared or detected, escalates and the reply opens with the numbers.
    if (
        inbound.declared_emergency
        or inbound.declared_purpose == "crisis"
        or (detected is Category.CRISIS)
    ):
        assert decision.category is Category.CRISIS
        assert decision.disposition is Disposition.ESCALATE
        assert decision.response_due_at == inbound.received_at
        reply = auto_reply(
            decision,
            now=inbound.received_at,
            time_zone="America/New_York",
            client_first_name="Alex",
            therapist_name="Dr Chen",
            emergency=EMERGENCY,
            safety_plan=[("Warning signs", "Not sleeping"), ("People to call", "")],
        )
        assert reply.includes_crisis_help
        assert reply.text.startswith("If you are in danger now, call 911.")
        assert "988" in reply.text.splitlines()[0]

    # (3) Detection may raise, never lower; a reading with no matched phrase raises nothing.
    if decision.detection.matches or declared is None:
        assert decision.category.severity >= detected.severity
    if declared is not None:
        assert decision.category.severity >= declared.severity
    if inbound.declared_purpose is not None:
        assert declared is not None
        assert declared.severity >= Category(inbound.declared_purpose).severity

    # (4) The agreement version is recorded.
    agreement_snapshot = triage_context.agreement
    expected_version = agreement_snapshot.version if agreement_snapshot else None
    assert decision.agreement_version == expected_version

    # (5) A reply is never due before the message arrived.
    if decision.disposition is Disposition.DELIVER and decision.response_due_at is not None:
        assert decision.response_due_at >= inbound.received_at

    # (6) Urgent is never held; and (invariant 1) unknown senders are never held either.
    if decision.category is Category.URGENT or not inbound.sender_known:
        assert decision.disposition is not Disposition.HOLD_FOR_SESSION

    # (7) Scheduling and admin is never held until the session it is about (invariant 9).
    if decision.category is Category.LOGISTICS:
        assert decision.disposition is Disposition.DELIVER

    # Only a crisis or urgent-after-hours escalates.
    if decision.disposition is Disposition.ESCALATE:
        assert decision.category in (Category.CRISIS, Category.URGENT)
        assert decision.response_due_at == inbound.received_at
    if decision.disposition is Disposition.HOLD_FOR_SESSION:
        assert decision.response_due_at == triage_context.next_session_at
    if decision.is_check_in:
        assert not decision.over_frequency_limit
        assert decision.disposition is not Disposition.HOLD_FOR_SESSION


SCHEDULING_TEXTS = (
    "can we move next week's session?",
    "Can we move Tuesday to 3pm?",
    "I need to reschedule our session",
    "Question about my invoice",
)


@PROPERTY_SETTINGS
@given(triage_cases(), st.sampled_from(SCHEDULING_TEXTS), st.sampled_from([None, "logistics"]))
def test_scheduling_is_never_held_for_the_session(
    case: tuple[InboundMessage, TriageContext], body: str, purpose: str | None
) -> None:
    """Whatever the channel, hour, limit, away period or agreement, scheduling is delivered."""
    inbound, triage_context = case
    # Not a low check-in answer in a crisis period either: that is delivered now, as urgent.
    inbound = dataclasses.replace(
        inbound, body=body, declared_purpose=purpose, declared_emergency=None, check_in_score=None
    )
    decision = triage(inbound, triage_context)
    event(f"after hours: {decision.after_hours}, outside: {decision.outside_agreement}")
    assert decision.category is Category.LOGISTICS
    assert decision.disposition is Disposition.DELIVER
    if decision.response_due_at is not None:
        assert decision.response_due_at >= inbound.received_at
        opening = triage_context.calendar.next_open(inbound.received_at)
        assert opening is not None and decision.response_due_at >= opening


# -- messages the detector does not read -----------------------------------------------


class TestNotReadAutomatically:
    """The real detector: another language is delivered to a clinician now, never held, and
    the decision says why; Spanish crisis words escalate."""

    @pytest.mark.parametrize(
        "body",
        [
            "Estuve pensando en lo que hablamos sobre mi mamá. Quiero seguir con eso.",
            "Je voulais juste vous dire merci pour la séance de mardi.",
        ],
    )
    def test_delivered_now_even_when_therapy_content_is_held(self, body: str) -> None:
        decision = triage(message(body), context(agreement(hold_clinical=True)))
        assert decision.category is Category.URGENT
        assert decision.disposition is not Disposition.HOLD_FOR_SESSION
        assert "not_read_automatically" in codes(decision)
        reason = next(r.reason for r in decision.rules if r.code == "not_read_automatically")
        assert reason.startswith("Not read automatically")

    def test_spanish_crisis_words_escalate(self) -> None:
        decision = triage(message("me quiero morir, ya tengo las pastillas"), context(None))
        assert decision.category is Category.CRISIS
        assert decision.disposition is Disposition.ESCALATE

    def test_english_is_read_as_before(self) -> None:
        decision = triage(message("can we move thursday to 3pm?"), context(agreement()))
        assert "not_read_automatically" not in codes(decision)
