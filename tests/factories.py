"""Builders the tests share: the two-practice world, people, agreements, incoming messages, and
the generators behind the triage property tests.

Plain functions and constants, no fixtures: ``conftest.py`` files hold fixtures and hooks and
build on what is here, and test modules import from here rather than from one another (the
layout contract, tests/contracts/test_test_layout.py, checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from agreements import services
from agreements.business_hours import BusinessCalendar, Coverage, OfficeWindow, WeeklySchedule
from agreements.models import Membership, Practice, Role, User
from messaging.intake.services import message_receive
from messaging.triage import engine
from messaging.triage.categories import Category
from messaging.triage.engine import (
    AgreementSnapshot,
    ChannelTerms,
    ContactHistory,
    CrisisPeriodSnapshot,
    InboundMessage,
    TriageContext,
    WindowTerms,
)

NEW_YORK = ZoneInfo("America/New_York")

# -- people --------------------------------------------------------------------------------

PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    practice: Practice
    other_practice: Practice
    admin: Membership
    therapist: Membership
    other_therapist: Membership
    client: Membership
    other_client: Membership
    other_admin: Membership
    operator: Membership


def sign_in(client, membership: Membership) -> None:
    """Sign the Django test client in as ``membership``'s person."""
    assert client.login(email=membership.user.email, password=PASSWORD)


def browser_sign_in(page, base_url: str, email: str) -> None:
    """Sign a Playwright page in through the real login form."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def make_user(email: str, name: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, name=name)


def make_member(email: str, name: str, practice: Practice, role: Role, **extra) -> Membership:
    return services.membership_create(
        user=make_user(email, name), practice=practice, role=role, **extra
    )


def make_world() -> World:
    """Two practices and every kind of person in them (the ``world`` fixture)."""
    practice = services.practice_create(name="Harbour Therapy", country="US")
    other_practice = services.practice_create(name="Hillside Counselling", country="GB")
    therapist = make_member("t@harbour.test", "Tess Therapist", practice, Role.THERAPIST)
    other_therapist = make_member(
        "t2@harbour.test", "Owen Other", practice, Role.THERAPIST, on_call_eligible=True
    )
    return World(
        practice=practice,
        other_practice=other_practice,
        admin=make_member("admin@harbour.test", "Ada Admin", practice, Role.ADMIN),
        therapist=therapist,
        other_therapist=other_therapist,
        client=make_member(
            "client@harbour.test", "Cleo Client", practice, Role.CLIENT, therapist=therapist
        ),
        other_client=make_member(
            "client2@harbour.test", "Bo Other", practice, Role.CLIENT, therapist=other_therapist
        ),
        other_admin=make_member("admin@hillside.test", "Hal Hill", other_practice, Role.ADMIN),
        operator=make_member("operator@harbour.test", "Opal Operator", practice, Role.OPERATOR),
    )


# -- agreements and messages -----------------------------------------------------------------

# Tuesday 24 November 2026 in New York: 10:00 is inside the default office hours, 21:00 after.
TUESDAY_10AM = datetime(2026, 11, 24, 10, 0, tzinfo=NEW_YORK)
TUESDAY_9PM = datetime(2026, 11, 24, 21, 0, tzinfo=NEW_YORK)


def activate_agreement(world: World, client: Membership | None = None, **terms):
    """Draft, propose and accept an agreement for ``client`` (the world's client by default)."""
    client = client or world.client
    therapist_user = client.therapist.user
    draft = services.agreement_start_draft(client=client, by=therapist_user)
    if terms:
        services.agreement_update_draft(
            agreement=draft, by=therapist_user, terms=terms, channel_rules={}, response_windows={}
        )
    services.agreement_propose(agreement=draft, by=therapist_user)
    return services.agreement_accept(agreement=draft, by=client.user)


def on_call_weekly(world: World, name: str = "Weekly"):
    """A New York weekly on-call rotation (Monday 09:00 hand-off) with the world's other
    therapist the only member: the one paged at the "on call" step."""
    from messaging.models import OnCallMember, OnCallSchedule

    schedule = OnCallSchedule.objects.create(
        practice=world.practice,
        name=name,
        time_zone="America/New_York",
        handoff_weekday=0,
        handoff_time=time(9),
        rotation_start=date(2026, 11, 2),
    )
    OnCallMember.objects.create(schedule=schedule, membership=world.other_therapist, position=0)
    return schedule


def receive(
    world: World, body: str, *, at=TUESDAY_10AM, channel="portal", sender="client", **declared
):
    """Take in a message from the world's ``sender`` (an attribute name), or from an unknown
    number when ``sender`` is None."""
    return message_receive(
        practice=world.practice,
        channel=channel,
        body=body,
        sender=getattr(world, sender) if sender else None,
        sender_address="" if sender else "+15550001111",
        received_at=at,
        **declared,
    )


# -- triage property cases (pure: no database) ---------------------------------------------

ALL_PURPOSES = frozenset(c.value for c in Category)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)  # type: ignore[misc]


def office_hours(zone: str = "America/New_York") -> WeeklySchedule:
    """Monday to Friday, 09:00-17:00."""
    return WeeklySchedule(zone, tuple(OfficeWindow(d, time(9), time(17)) for d in range(5)))


CALENDAR = BusinessCalendar(office_hours())

CRISIS_TEXTS = (
    "I took 30 pills tonight, I want to die",
    "I am going to kill myself tonight",
    "I have a gun and I am going to end it",
)
OTHER_TEXTS = (
    "Can we move Tuesday to 3pm?",
    "Question about my invoice",
    "I had a panic attack at work",
    "this commute is murder",
    "I would never act on it, but I think about dying sometimes",
    "My prescription ran out and I feel awful",
    "I want to talk about my dad next time",
    "",
)
# Local dates on which the US clocks change (2026 and 2027).
DST_DAYS = (date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14), date(2027, 11, 7))

CALENDARS = (
    CALENDAR,
    BusinessCalendar(
        office_hours(),
        (Coverage(ny(2026, 10, 26), ny(2026, 11, 9), office_hours("Europe/London")),),
    ),
    BusinessCalendar(office_hours(), (Coverage(ny(2026, 12, 20), ny(2027, 1, 4), None),)),
)

window_terms = st.builds(
    WindowTerms, amount=st.integers(0, 30), unit=st.sampled_from(["hours", "days"])
)
channel_terms = st.builds(
    ChannelTerms,
    channel=st.just(""),
    enabled=st.booleans(),
    allowed_purposes=st.frozensets(st.sampled_from(sorted(ALL_PURPOSES))) | st.just(ALL_PURPOSES),
    after_hours_allowed=st.booleans(),
)


@st.composite
def agreements(draw: st.DrawFn) -> AgreementSnapshot:
    channels = {}
    for name in engine.CHANNELS:
        terms = draw(st.one_of(st.none(), channel_terms, channel_terms))
        if terms is not None:
            channels[name] = ChannelTerms(
                name, terms.enabled, terms.allowed_purposes, terms.after_hours_allowed
            )
    windows = draw(
        st.dictionaries(st.sampled_from(["urgent", "clinical", "logistics"]), window_terms)
    )
    return AgreementSnapshot(
        agreement_id=draw(st.integers(1, 10_000)),
        version=draw(st.integers(1, 50)),
        channels=channels,
        response_windows=windows,
        hold_clinical_for_session=draw(st.booleans()),
        frequency_limit_per_week=draw(st.none() | st.integers(0, 10)),
    )


@st.composite
def arrival_times(draw: st.DrawFn) -> datetime:
    """Any time in 2026-2027, with DST days (and both 01:30s in November) drawn often."""
    if draw(st.booleans()):
        return draw(
            st.datetimes(
                min_value=datetime(2026, 1, 1),
                max_value=datetime(2027, 12, 31, 23, 59),
                timezones=st.just(NEW_YORK),
            )
        )
    day = draw(st.sampled_from(DST_DAYS))
    minute = draw(st.integers(0, 24 * 60 - 1))
    local = datetime.combine(day, time(minute // 60, minute % 60))
    return local.replace(tzinfo=NEW_YORK, fold=draw(st.integers(0, 1)))


@st.composite
def triage_cases(draw: st.DrawFn) -> tuple[InboundMessage, TriageContext]:
    received_at = draw(arrival_times())
    # Weighted towards the non-crisis texts so every disposition comes up often enough.
    body = draw(
        st.one_of(
            st.sampled_from(CRISIS_TEXTS),
            st.sampled_from(OTHER_TEXTS),
            st.sampled_from(OTHER_TEXTS),
            st.text(max_size=80),
        )
    )
    inbound = InboundMessage(
        channel=draw(st.sampled_from(engine.CHANNELS)),
        body=body,
        received_at=received_at,
        declared_purpose=draw(
            st.sampled_from([None, "logistics", "clinical", "urgent", "urgent", "crisis"])
        ),
        declared_emergency=draw(st.sampled_from([None, None, False, False, True])),
        sender_known=draw(st.sampled_from([True, True, True, False])),
        check_in_score=draw(st.none() | st.integers(1, 5)),
    )
    hours = st.integers(0, 24 * 14).map(lambda h: timedelta(hours=h))
    crisis_period = None
    if draw(st.booleans()):
        starts_at = received_at - draw(hours)
        crisis_period = CrisisPeriodSnapshot(
            starts_at,
            starts_at + draw(hours),
            timedelta(hours=draw(st.integers(1, 72))),
        )
    history = ContactHistory(
        non_crisis_messages_last_7_days=draw(st.integers(0, 15)),
        last_check_in_at=draw(st.none() | hours.map(lambda h: received_at - h)),
    )
    triage_context = TriageContext(
        agreement=draw(st.one_of(st.none(), agreements(), agreements())),
        calendar=draw(st.sampled_from(CALENDARS)),
        crisis_period=crisis_period,
        history=history,
        next_session_at=draw(st.none() | hours.map(lambda h: received_at + h)),
    )
    return inbound, triage_context


PROPERTY_SETTINGS = settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
