"""Demo data: one practice with every kind of person and three different agreements, and a month
of contact history run through the real services (``manage.py seed_demo``)."""

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from agreements import services
from agreements.models import CheckInCadence, Membership, Practice, Role, User
from agreements.signin.services import demo_second_factor_enrol
from messaging.between import services as between_services
from messaging.between import tick as between_tick
from messaging.between.texts import DEFAULT_CARING_MESSAGES
from messaging.escalation import lifecycle
from messaging.escalation.schedules import schedule_create
from messaging.inbox.services import (
    message_reply,
    session_note_save,
    session_note_share,
    therapy_session_schedule,
)
from messaging.intake.services import message_receive
from messaging.models import Escalation, EscalationPolicy, Message, Notification, OnCallSchedule
from messaging.notifications.services import notification_send

DEMO_PRACTICE = "Riverside Counselling (demo)"
# 555-01xx numbers are reserved for fiction: nothing real is ever dialled.
DEMO_PHONE_LINE = "+15550100100"
DEMO_AFTER_HOURS_LINE = "+15550100199"
DEMO_PHONES = {
    "therapist@demo.test": "+15550100001",
    "oncall@demo.test": "+15550100002",
    "client@demo.test": "+15550100011",
    "client2@demo.test": "+15550100012",
    "client3@demo.test": "+15550100013",
}


@dataclass(frozen=True)
class DemoLogin:
    email: str
    role: str
    description: str


DEMO_LOGINS = (
    DemoLogin("admin@demo.test", "practice admin", "Practice admin"),
    DemoLogin("therapist@demo.test", "therapist", "Dr Maya Chen, therapist"),
    DemoLogin("oncall@demo.test", "therapist (on call)", "Sam Okafor, on-call clinician"),
    DemoLogin("operator@demo.test", "operator", "Robin Hale, answering-service operator"),
    DemoLogin("client@demo.test", "client", "Alex Rivera — crisis period, active agreement"),
    DemoLogin("client2@demo.test", "client", "Jordan Lee — therapy content held for session"),
    DemoLogin("client3@demo.test", "client", "Casey Morgan — no agreement yet"),
)


def local_site_url(host: str, port: int) -> str:
    """The address a browser on this machine uses to reach a server bound to ``host:port``.

    A wildcard bind (0.0.0.0, ::) is reached through the loopback address; an IPv6 address
    is bracketed.
    """
    reachable = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    url_host = f"[{reachable}]" if ":" in reachable else reachable
    return f"http://{url_host}:{port}"


# Every demo staff login has two-step sign-in on with this authenticator key (the base32 form
# is what an authenticator app takes; `oathtool --totp -b KEY` prints the current code), and
# these single-use recovery codes. Clients have none, as a new client wouldn't.
DEMO_TOTP_KEY_HEX = b"contactpolicy-demo!!".hex()
DEMO_TOTP_SECRET = "MNXW45DBMN2HA33MNFRXSLLEMVWW6IJB"
DEMO_RECOVERY_CODES = [f"demo-recovery-{n}" for n in range(1, 6)]
DEMO_STAFF = ("admin@demo.test", "therapist@demo.test", "oncall@demo.test", "operator@demo.test")


def demo_password() -> str:
    return os.environ.get("DEMO_PASSWORD") or "contactpolicy-demo"


def _user(email: str, name: str, password: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=password, name=name)
    return user


def _member(user, practice, role, **extra) -> Membership:
    existing = Membership.objects.filter(user=user, practice=practice).first()
    return existing or services.membership_create(user=user, practice=practice, role=role, **extra)


@transaction.atomic
def seed_demo() -> Practice:
    """Create the demo practice once; running it again changes nothing."""
    password = demo_password()
    practice = Practice.objects.filter(name=DEMO_PRACTICE).first() or services.practice_create(
        name=DEMO_PRACTICE, country="US", time_zone="America/New_York"
    )
    admin = _user("admin@demo.test", "Priya Natarajan", password)
    _member(admin, practice, Role.ADMIN)
    if not (practice.phone_line or practice.after_hours_line):
        practice = services.practice_update_settings(
            practice=practice,
            by=admin,
            changes={"phone_line": DEMO_PHONE_LINE, "after_hours_line": DEMO_AFTER_HOURS_LINE},
        )
    maya = _user("therapist@demo.test", "Dr Maya Chen", password)
    therapist = _member(maya, practice, Role.THERAPIST)
    sam = _user("oncall@demo.test", "Sam Okafor", password)
    _member(sam, practice, Role.THERAPIST, on_call_eligible=True)
    _member(_user("operator@demo.test", "Robin Hale", password), practice, Role.OPERATOR)
    for email in DEMO_STAFF:
        demo_second_factor_enrol(
            user=User.objects.get(email=email),
            key_hex=DEMO_TOTP_KEY_HEX,
            recovery_codes=DEMO_RECOVERY_CODES,
        )

    alex = _member(
        _user("client@demo.test", "Alex Rivera", password),
        practice,
        Role.CLIENT,
        therapist=therapist,
    )
    jordan = _member(
        _user("client2@demo.test", "Jordan Lee", password),
        practice,
        Role.CLIENT,
        therapist=therapist,
    )
    _member(
        _user("client3@demo.test", "Casey Morgan", password),
        practice,
        Role.CLIENT,
        therapist=therapist,
    )

    if not therapist.office_hours.exists():
        services.office_hours_replace(
            therapist=therapist,
            by=maya,
            windows=[(d, time(9), time(17)) for d in range(4)] + [(4, time(9), time(13))],
        )

    if not alex.agreements.exists():
        draft = services.agreement_start_draft(client=alex, by=maya)
        services.agreement_update_draft(
            agreement=draft,
            by=maya,
            terms={
                "frequency_limit_per_week": 3,
                "hold_clinical_for_session": False,
                "crisis_instructions": "After hours, call the practice's after-hours line and "
                "say it's an emergency; the answering service will reach me or the clinician "
                "on call.",
                "note_to_client": "As we discussed: short check-ins are welcome while things "
                "are hard.",
                "check_ins_enabled": True,
                "check_in_local_time": time(10, 0),
                "check_in_channel": "portal",
                "check_in_answer_hours": 12,
                "caring_contacts_enabled": True,
                "caring_contacts_channel": "portal",
                "can_this_wait": True,
            },
            channel_rules={
                "portal": dict(
                    enabled=True, allow_logistics=True, allow_clinical=True, allow_urgent=True
                ),
                "sms": dict(
                    enabled=True, allow_logistics=True, allow_urgent=True, after_hours_allowed=True
                ),
                "email": dict(enabled=True, allow_logistics=True),
                "phone": dict(
                    enabled=True, allow_urgent=True, allow_crisis=True, after_hours_allowed=True
                ),
            },
            response_windows={
                "urgent": services.WindowTerms(2, "hours"),
                "logistics": services.WindowTerms(1, "days"),
                "clinical": services.WindowTerms(2, "days"),
            },
        )
        services.agreement_propose(agreement=draft, by=maya)
        services.agreement_accept(agreement=draft, by=alex.user)
        now = timezone.now()
        services.crisis_period_start(
            client=alex,
            by=maya,
            starts_at=now - timedelta(days=5),
            ends_at=now + timedelta(days=9),
            check_in_cadence=CheckInCadence.DAILY,
            note="After the hospital visit; daily check-ins by portal.",
        )
        services.safety_plan_update(
            client=alex,
            by=maya,
            sections={
                "warning_signs": "Not sleeping; cancelling plans; thinking nobody would notice.",
                "coping_strategies": "Walk the dog round the park; cold water on my face; music.",
                "distractions": "Coffee shop on Elm St; my sister's kitchen.",
                "people_to_ask": "My sister Dana — 555-0142; my friend Luis — 555-0178.",
                "professionals": f"Dr Maya Chen via the practice line, {DEMO_PHONE_LINE}; "
                "988 any time.",
                "safe_environment": "Dana keeps my extra medication; no alcohol at home.",
                "reasons_for_living": "My dog, Biscuit, and my niece.",
            },
        )

    if not jordan.agreements.exists():
        draft = services.agreement_start_draft(client=jordan, by=maya)
        services.agreement_update_draft(
            agreement=draft,
            by=maya,
            terms={
                "frequency_limit_per_week": 2,
                "hold_clinical_for_session": True,
                "crisis_instructions": "Call 988 or 911, or the after-hours line "
                f"{DEMO_AFTER_HOURS_LINE}.",
                "note_to_client": "Bring what comes up to our Tuesday sessions; notes are welcome.",
                "can_this_wait": True,
            },
            channel_rules={
                "portal": dict(
                    enabled=True, allow_logistics=True, allow_clinical=True, allow_urgent=True
                ),
                "sms": dict(enabled=False),
                "email": dict(enabled=True, allow_logistics=True),
                "phone": dict(
                    enabled=True, allow_urgent=True, allow_crisis=True, after_hours_allowed=True
                ),
            },
            response_windows={
                "urgent": services.WindowTerms(4, "hours"),
                "logistics": services.WindowTerms(2, "days"),
                "clinical": None,
            },
        )
        services.agreement_propose(agreement=draft, by=maya)
        services.agreement_accept(agreement=draft, by=jordan.user)

    # Phones on file: SMS pages reach the clinicians; clients are recognised when they text or
    # call, and their callback number is on the escalation.
    for email, phone in DEMO_PHONES.items():
        User.objects.filter(email=email, phone="").update(phone=phone)
    _demo_on_call(practice, admin, sam)
    _demo_sessions_and_messages(practice, therapist, alex, jordan)
    return practice


_DEMO_ROUTINE = [
    # (client's email, days ago, hour, text, purpose, reply after minutes or None)
    (
        "client2@demo.test",
        29,
        10,
        "Can I get a receipt for October for my insurance?",
        "logistics",
        90,
    ),
    ("client@demo.test", 27, 14, "Running 10 minutes late today, sorry.", "logistics", 20),
    (
        "client2@demo.test",
        24,
        20,
        "Work was hard again and I noticed the old pattern.",
        "clinical",
        None,
    ),
    ("client@demo.test", 22, 9, "Could we move Thursday to the afternoon?", "logistics", 300),
    (
        "client2@demo.test",
        20,
        11,
        "My new prescription is making me dizzy, should I stop it?",
        "urgent",
        45,
    ),
    ("client2@demo.test", 17, 9, "Is the invoice for November ready?", "logistics", 60 * 30),
    ("client2@demo.test", 17, 12, "Also the superbill for October please", "logistics", None),
    ("client2@demo.test", 16, 15, "And can we switch to video next week?", "logistics", None),
    ("client@demo.test", 13, 16, "Checking in: a steadier day, went for a walk.", "clinical", 120),
    ("client2@demo.test", 8, 13, "The parking code changed, what is it now?", "logistics", 15),
    ("client@demo.test", 4, 11, "Checking in, slept better, saw my sister.", "clinical", 200),
    (
        "client2@demo.test",
        2,
        19,
        "I keep replaying the conversation with my mum.",
        "clinical",
        None,
    ),
]

_DEMO_CRISIS_NIGHTS = [
    # (days ago, hour, minute, channel, text, who acknowledges (email), minutes to ack, outcome)
    (
        18,
        23,
        40,
        "sms",
        "i cant do this anymore. the pills are on the table",
        "oncall@demo.test",
        7,
        "referred_to_emergency",
    ),
    (
        6,
        2,
        15,
        "portal",
        "I don't want to be here anymore, I've written letters",
        "therapist@demo.test",
        3,
        "safety_confirmed",
    ),
]


def demo_history_steps() -> int:
    """How many messages and crisis nights ``seed_demo_history`` plays (its progress total)."""
    return len(_DEMO_ROUTINE) + len(_DEMO_CRISIS_NIGHTS)


@transaction.atomic
def seed_demo_history(*, progress: Callable[[int], None] = lambda done: None) -> None:
    """A month of contact, so the oversight dashboard and the log have something to answer.

    Runs through the real services with the clock set to each moment: messages arrive and are
    triaged, most are answered in time and a few late, one client goes over their limit, and
    two crisis nights are escalated and acknowledged. Idempotent like ``seed_demo``.
    ``progress(1)`` is called after each message and each crisis night.
    """
    practice = Practice.objects.get(name=DEMO_PRACTICE)
    if Escalation.objects.filter(practice=practice).exists():
        return
    members = {
        m.user.email: m for m in Membership.objects.filter(practice=practice).select_related("user")
    }
    alex = members["client@demo.test"]
    maya = members["therapist@demo.test"].user
    zone = ZoneInfo(practice.time_zone)
    today = timezone.localdate(timezone=zone)

    def at(days_ago: int, hour: int, minute: int = 0) -> datetime:
        day = today - timedelta(days=days_ago)
        return datetime.combine(day, time(hour, minute), tzinfo=zone)

    def send_pending(now: datetime) -> None:
        for pk in Notification.objects.filter(status="pending").values_list("pk", flat=True):
            notification_send(notification_id=pk, now=now)

    for client_email, days_ago, hour, text, purpose, reply_after in _DEMO_ROUTINE:
        client = members[client_email]
        received = message_receive(
            practice=practice,
            channel="portal",
            body=text,
            sender=client,
            declared_purpose=purpose,
            declared_emergency=False,
            received_at=at(days_ago, hour),
        )
        if reply_after is not None and received.decision.disposition == "deliver":
            message_reply(
                message=received.message,
                by=maya,
                body="Thanks for letting me know. Let's go over this together.",
                now=at(days_ago, hour) + timedelta(minutes=reply_after),
            )
        progress(1)

    for (
        days_ago,
        hour,
        minute,
        channel,
        text,
        acker_email,
        ack_after,
        outcome,
    ) in _DEMO_CRISIS_NIGHTS:
        acker = members[acker_email].user
        start = at(days_ago, hour, minute)
        received = message_receive(
            practice=practice, channel=channel, body=text, sender=alex, received_at=start
        )
        escalation = Escalation.objects.get(message=received.message)
        Escalation.objects.filter(pk=escalation.pk).update(started_at=start, next_action_at=start)
        moment = start
        while moment < start + timedelta(minutes=ack_after):
            lifecycle.escalation_tick(now=moment)
            send_pending(moment + timedelta(seconds=2))
            moment += timedelta(minutes=1)
        ack_at = start + timedelta(minutes=ack_after)
        lifecycle.escalation_acknowledge(
            escalation_id=escalation.pk, by=acker, via="link", now=ack_at
        )
        send_pending(ack_at + timedelta(seconds=2))
        lifecycle.escalation_record_outcome(
            escalation_id=escalation.pk,
            by=acker,
            client_contacted=True,
            outcome=outcome,
            note="Spoke with Alex; went through the safety plan together.",
            now=ack_at + timedelta(minutes=25),
        )
        progress(1)
    _demo_between_sessions(practice, alex, maya, at)


def _demo_between_sessions(practice, alex, maya, at) -> None:
    """Alex's check-ins this crisis period (answered, one missed, today's on its way) and the
    caring messages Maya started after the first crisis night, three of them sent so far."""
    period = alex.crisis_periods.order_by("-starts_at").first()
    answers = {
        4: (3, "Rough night but I walked Biscuit."),
        3: (4, ""),
        1: (3, "Tired; Dana later."),
    }
    for days_ago in (4, 3, 2, 1):
        due = at(days_ago, 10)
        between_services.check_in_plan_next(period=period, now=due - timedelta(hours=1))
        between_tick.check_ins_tick(now=due + timedelta(seconds=1))
        if days_ago in answers:
            message_receive(
                practice=practice,
                channel="portal",
                body=between_services.check_in_answer_body(
                    score=answers[days_ago][0], words=answers[days_ago][1]
                ),
                sender=alex,
                received_at=due + timedelta(minutes=40),
            )
        between_tick.check_ins_tick(now=due + timedelta(hours=12, seconds=1))
    first_night = Escalation.objects.filter(client=alex).order_by("started_at").first()
    started = at(17, 15)
    schedule = between_services.caring_contacts_start(
        client=alex,
        by=maya,
        bodies=list(DEFAULT_CARING_MESSAGES),
        after_escalation=first_night,
        now=started,
    )
    for contact in schedule.contacts.filter(due_at__lte=timezone.now()).order_by("position"):
        between_tick.caring_contacts_tick(now=contact.due_at + timedelta(seconds=1))


def _demo_on_call(practice, admin, sam) -> None:
    """Sam is on call every week; the default policy reads that rotation."""
    if OnCallSchedule.objects.filter(practice=practice).exists():
        return
    sam_membership = Membership.objects.get(user=sam, practice=practice)
    schedule = schedule_create(
        practice=practice,
        by=admin,
        name="Weekly on-call",
        time_zone=practice.time_zone,
        handoff_weekday=0,
        handoff_time=time(9),
        rotation_start=timezone.localdate() - timedelta(days=70),
        member_ids=[sam_membership.pk],
    )
    EscalationPolicy.objects.filter(practice=practice, is_default=True).update(
        on_call_schedule=schedule
    )


def _next_weekday_at(weekday: int, hour: int, zone: str) -> datetime:
    local = timezone.localtime(timezone.now(), ZoneInfo(zone))
    days = (weekday - local.weekday()) % 7 or 7
    day = local.date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(zone))


def _demo_sessions_and_messages(practice, therapist, alex, jordan) -> None:
    """A booked session each and a few messages, so every page has something to show."""
    if Message.objects.filter(practice=practice).exists():
        return
    for client, weekday in ((alex, 1), (jordan, 3)):
        therapy_session_schedule(
            client=client,
            by=therapist.user,
            starts_at=_next_weekday_at(weekday, 15, therapist.time_zone),
        )
    now = timezone.now()
    message_receive(
        practice=practice,
        channel="portal",
        body="Could we move next week's session to Thursday afternoon?",
        sender=alex,
        declared_purpose="logistics",
        declared_emergency=False,
        received_at=now - timedelta(hours=20),
    )
    message_receive(
        practice=practice,
        channel="portal",
        body="Checking in like we said. Slept a bit better, walked Biscuit twice.",
        sender=alex,
        declared_purpose="clinical",
        declared_emergency=False,
        received_at=now - timedelta(hours=3),
    )
    message_receive(
        practice=practice,
        channel="portal",
        body="I keep thinking about what my mum said at the wedding and why it got to me so much.",
        sender=jordan,
        declared_purpose="clinical",
        declared_emergency=False,
        received_at=now - timedelta(days=1, hours=2),
    )
    note = session_note_save(client=jordan, body="I want to talk about setting limits with work.")
    session_note_share(note=note)
    message_receive(
        practice=practice,
        channel="sms",
        body="hi is this the clinic? I need to cancel thursday",
        sender=None,
        sender_address="+15550104477",
        received_at=now - timedelta(hours=5),
    )
