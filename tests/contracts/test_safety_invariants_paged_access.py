"""Safety invariant 7, property-tested over random chains, roles and moments:

    Whoever is paged can open what they are paged for — the message, the client's contact card
    with a callback number, the safety plan and the active agreement — while the escalation is
    open and for 72 hours after; each read is logged; after that the normal rules are back.

Each example builds a policy (any mix of steps: the therapist or their cover, whoever is on
call, the admins, a named backup), runs the real engine tick by tick, maybe acknowledges (as one
of the people paged) and records an outcome, then signs in as every person paged and opens each
page. Every example runs in a transaction that is rolled back, so examples never see each other.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agreements import services
from agreements.access import PAGED_ACCESS_AFTER_CLOSE
from agreements.models import Membership, Role
from messaging.escalation.lifecycle import (
    escalation_acknowledge,
    escalation_record_outcome,
    escalation_tick,
)
from messaging.escalation.policies import policy_update
from messaging.escalation.schedules import schedule_create
from messaging.intake.services import message_receive
from messaging.models import (
    ContactEvent,
    Escalation,
    EscalationPolicy,
    EventType,
    Notification,
)
from tests.factories import activate_agreement, make_member, sign_in_user

START = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))
PAGES = ("message_detail", "client_detail", "safety_plan_edit", "agreement_detail")
BACKUPS = ("therapist", "other_therapist", "third_therapist", "admin")

steps = st.lists(
    st.one_of(
        st.tuples(st.just("notify_therapist"), st.none()),
        st.tuples(st.just("notify_on_call"), st.none()),
        st.tuples(st.just("notify_admins"), st.none()),
        st.tuples(st.just("notify_user"), st.sampled_from(BACKUPS)),
    ),
    min_size=1,
    max_size=4,
)
scenarios = st.fixed_dictionaries(
    {
        "steps": steps,
        "repeat_count": st.integers(1, 2),
        "on_call": st.sampled_from(["other_therapist", "third_therapist"]),
        "cover": st.none() | st.sampled_from(["other_therapist", "third_therapist"]),
        "ticks": st.integers(1, 12),
        "acknowledge": st.booleans(),
        "outcome": st.booleans(),
        # Where in the window the second look is taken, as a share of it.
        "within": st.floats(0, 0.99),
    }
)


@pytest.fixture
def cast(world):
    world.third_therapist = make_member(
        "t3@harbour.test", "Tia Third", world.practice, Role.THERAPIST, on_call_eligible=True
    )
    world.client.user.phone = "+15550100011"
    world.client.user.save(update_fields=["phone"])
    activate_agreement(world)
    return world


def _urls(message, client_id: int, agreement_id: int) -> dict[str, str]:
    return {
        "message_detail": reverse("message_detail", args=[message.pk]),
        "client_detail": reverse("client_detail", args=[client_id]),
        "safety_plan_edit": reverse("safety_plan_edit", args=[client_id]),
        "agreement_detail": reverse("agreement_detail", args=[agreement_id]),
    }


def _opens(client, membership: Membership, urls: dict[str, str]) -> dict[str, int]:
    sign_in_user(client, membership.user)
    return {name: client.get(url).status_code for name, url in urls.items()}


def _run(world, client, time_machine, spec):
    time_machine.move_to(START, tick=False)
    schedule = schedule_create(
        practice=world.practice,
        by=world.admin.user,
        name="Nights",
        time_zone="America/New_York",
        handoff_weekday=0,
        handoff_time=time(9),
        rotation_start=START.date() - timedelta(days=14),
        member_ids=[getattr(world, spec["on_call"]).pk],
    )
    # The policy the client's agreement names (the practice's default), with these steps.
    policy_update(
        policy=EscalationPolicy.objects.get(practice=world.practice, is_default=True),
        by=world.admin.user,
        name="Property",
        description="",
        repeat_count=spec["repeat_count"],
        on_call_schedule=schedule,
        steps=[
            (action, getattr(world, target) if target else None, 5)
            for action, target in spec["steps"]
        ],
    )
    if spec["cover"]:
        services.away_period_add(
            therapist=world.therapist,
            by=world.therapist.user,
            starts_at=START - timedelta(hours=1),
            ends_at=START + timedelta(hours=12),
            covering_therapist=getattr(world, spec["cover"]),
        )
    received = message_receive(
        practice=world.practice,
        channel="portal",
        body="I took all my pills",
        sender=world.client,
        declared_emergency=True,
    )
    escalation = Escalation.objects.get(message=received.message)
    assert escalation.policy_snapshot["name"] == "Property"
    for _ in range(spec["ticks"]):
        escalation_tick()
        time_machine.shift(timedelta(minutes=5))
    paged_users = set(
        Notification.objects.filter(
            escalation=escalation, purpose__in=["page", "incident"], recipient__isnull=False
        ).values_list("recipient_id", flat=True)
    )
    paged = list(
        Membership.objects.filter(practice=world.practice, user_id__in=paged_users).select_related(
            "user"
        )
    )
    assert paged, "the first tick always pages someone"
    if spec["acknowledge"]:
        by = paged[0].user
        escalation_acknowledge(escalation_id=escalation.pk, by=by, via="link")
        if spec["outcome"]:
            time_machine.shift(timedelta(minutes=20))
            escalation_record_outcome(
                escalation_id=escalation.pk,
                by=by,
                client_contacted=True,
                outcome="safety_confirmed",
            )
    escalation.refresh_from_db()
    agreement_id = world.client.agreements.get(status="active").pk
    urls = _urls(received.message, world.client.pk, agreement_id)

    # Now, and anywhere in the window after it closed: every person paged opens every page.
    reads_before = ContactEvent.objects.filter(event_type=EventType.CARE_TEAM_READ).count()
    for membership in paged:
        assert _opens(client, membership, urls) == dict.fromkeys(PAGES, 200), membership
    closed_at = escalation.outcome_recorded_at or escalation.acknowledged_at
    if closed_at is None:
        return  # still open: nothing closes it without a person
    time_machine.move_to(closed_at + PAGED_ACCESS_AFTER_CLOSE * spec["within"], tick=False)
    for membership in paged:
        assert _opens(client, membership, urls) == dict.fromkeys(PAGES, 200), membership
    # Reads the normal rules don't give are logged, naming the escalation.
    logged = ContactEvent.objects.filter(event_type=EventType.CARE_TEAM_READ)
    if any(m != world.therapist for m in paged):
        assert logged.count() > reads_before
    assert all(e.details["escalation"] == escalation.pk for e in logged)

    # After the window the normal rules are back: a clinician who isn't the client's own (nor
    # covering now, the away period has ended) is a stranger again; admins see no bodies.
    time_machine.move_to(closed_at + PAGED_ACCESS_AFTER_CLOSE + timedelta(minutes=1), tick=False)
    for membership in paged:
        opened = _opens(client, membership, urls)
        if membership == world.therapist:
            assert opened == dict.fromkeys(PAGES, 200)
        elif membership.role == Role.ADMIN:
            assert opened["message_detail"] == opened["safety_plan_edit"] == 404
        else:
            assert opened == dict.fromkeys(PAGES, 404), membership


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=scenarios)
# The chain runs out: only the incident pages the admins, who then acknowledge.
@example(
    spec={
        "steps": [("notify_therapist", None)],
        "repeat_count": 1,
        "on_call": "other_therapist",
        "cover": None,
        "ticks": 3,
        "acknowledge": False,
        "outcome": False,
        "within": 0.5,
    }
)
# The on-call clinician is paged second and acknowledges; the outcome is recorded.
@example(
    spec={
        "steps": [("notify_therapist", None), ("notify_on_call", None)],
        "repeat_count": 1,
        "on_call": "third_therapist",
        "cover": "other_therapist",
        "ticks": 2,
        "acknowledge": True,
        "outcome": True,
        "within": 0.99,
    }
)
def test_whoever_is_paged_can_open_what_they_are_paged_for(cast, client, time_machine, spec):
    with transaction.atomic():
        _run(cast, client, time_machine, spec)
        transaction.set_rollback(True)
