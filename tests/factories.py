"""Builders the tests share: the two-practice world, people, agreements, incoming messages, and
the generators behind the triage property tests.

Plain functions and constants, no fixtures: ``conftest.py`` files hold fixtures and hooks and
build on what is here, and test modules import from here rather than from one another (the
layout contract, tests/contracts/test_test_layout.py, checks it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import struct
import time as wall_clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticToken
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from agreements import services
from agreements.business_hours import BusinessCalendar, Coverage, OfficeWindow, WeeklySchedule
from agreements.models import Membership, Practice, Role, User
from agreements.selectors import membership_for_user
from agreements.signin.access import is_staff
from agreements.signin.middleware import session_seconds_left
from agreements.signin.selectors import second_factor_enrolled, totp_device_confirmed
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


def totp_code(secret_base32: str, at: float | None = None) -> str:
    """The code an authenticator app shows for ``secret_base32`` (RFC 6238: HMAC-SHA1, 30-second
    steps, 6 digits), computed here independently of the library the app uses."""
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    step = int((wall_clock.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def totp_secret_of(user: User) -> str:
    """The secret of ``user``'s authenticator, as their app holds it."""
    device = totp_device_confirmed(user=user)
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def second_factor_code(user: User) -> str:
    """What ``user`` types at the second-factor page: the app's current code, or, when that
    30-second step was already used (a frozen test clock signs in twice), a recovery code from
    their list, as a person whose code was just used would."""
    device = totp_device_confirmed(user=user)
    if device.last_t < int(wall_clock.time() // 30):
        return totp_code(totp_secret_of(user))
    code = StaticToken.objects.filter(device__user=user).values_list("token", flat=True).first()
    assert code, f"{user.email} signed in more than 11 times in one 30-second step"
    return code


def _form_post(client, url: str, data: dict):
    """POST as the page's form does, with its CSRF token (so clients that enforce CSRF work)."""
    if "csrftoken" not in client.cookies:
        client.get(reverse("login"))
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token})


def enrol_second_factor(client, user: User) -> list[str]:
    """Set up an authenticator through the real pages: read the key the page shows, type in
    the current code. Returns the recovery codes the page shows."""
    page = client.get(reverse("second_factor_setup"))
    assert page.status_code == 200, page.status_code
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    done = _form_post(client, reverse("second_factor_setup"), {"code": totp_code(secret)})
    assert done.status_code == 200, done.status_code
    codes = re.findall(r"<li>([a-z2-7]{5}-[a-z2-7]{5})</li>", done.content.decode())
    assert len(codes) == 10
    return codes


def _still_signed_in(client, user: User) -> bool:
    if "sessionid" not in client.cookies:
        return False
    session = client.session
    return (
        session.get("_auth_user_id") == str(user.pk)
        and bool(session.get(DEVICE_ID_SESSION_KEY))
        and session_seconds_left(session, timezone.now().timestamp()) > 0
    )


def sign_in_user(client, user: User, password: str = PASSWORD) -> None:
    """Sign the Django test client in through the real sign-in page and, for staff (and anyone
    who enrolled), the real second factor: staff met for the first time enrol an
    authenticator through the set-up page, as they would on their first sign-in."""
    if _still_signed_in(client, user):
        return  # already signed in as them, second factor given, session live: nothing to do
    response = _form_post(client, reverse("login"), {"username": user.email, "password": password})
    assert response.status_code == 302, f"sign-in as {user.email}: {response.status_code}"
    membership = membership_for_user(user)
    enrolled = second_factor_enrolled(user=user)
    if not (enrolled or is_staff(user=user, membership=membership)):
        return
    if not enrolled:
        enrol_second_factor(client, user)
        return
    done = _form_post(client, reverse("second_factor_verify"), {"code": second_factor_code(user)})
    assert done.status_code == 302, f"second factor for {user.email}: {done.status_code}"


def sign_in(client, membership: Membership) -> None:
    """Sign the Django test client in as ``membership``'s person (see ``sign_in_user``)."""
    sign_in_user(client, membership.user)


def browser_sign_in(page, base_url: str, email: str) -> None:
    """Sign a Playwright page in through the real login form and, for staff, the real second
    factor (enrolling an authenticator from the key the set-up page shows, the first time)."""
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    browser_second_factor(page, email)


def browser_second_factor(page, email: str) -> None:
    """After the password on a Playwright page: for staff, the real second factor (enrolling an
    authenticator from the key the set-up page shows, the first time); nothing for others."""
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/)"))
    if "/accounts/two-step/setup/" in page.url:
        secret = page.get_by_test_id("totp-secret").inner_text().strip()
        page.get_by_label("The 6-digit code your app shows now").fill(totp_code(secret))
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        page.get_by_role("link", name="Continue").click()
    elif "/accounts/two-step/" in page.url:
        user = User.objects.get(email=email)
        page.get_by_label("Code from your authenticator app, or a recovery code").fill(
            second_factor_code(user)
        )
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/two-step/)"))


def make_user(email: str, name: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, name=name)


def make_member(email: str, name: str, practice: Practice, role: Role, **extra) -> Membership:
    return services.membership_create(
        user=make_user(email, name), practice=practice, role=role, **extra
    )


PRACTICE_SMS_NUMBER = "+15550009000"
PRACTICE_INBOUND_EMAIL = "messages@harbour.test"


def make_world() -> World:
    """Two practices and every kind of person in them (the ``world`` fixture)."""
    practice = services.practice_create(name="Harbour Therapy", country="US")
    # Its inbound number and address: unknown senders writing there are filed under it.
    practice.inbound_sms_number = PRACTICE_SMS_NUMBER
    practice.inbound_email = PRACTICE_INBOUND_EMAIL
    practice.save(update_fields=["inbound_sms_number", "inbound_email"])
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


# Hypothesis settings for fuzzing a view with the function-scoped test client and world.
FUZZ = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
