"""The inbox settles crises: each crisis row shows its escalation (paging whom, acknowledged by
whom, outcome), a clinician's crisis is never "overdue", the detector's reason shows when it
raised the declared category, and the on-call clinician sees the crises they are paged for."""

from datetime import timedelta

import pytest
from django.urls import reverse

from messaging.escalation.lifecycle import (
    escalation_acknowledge,
    escalation_record_outcome,
    escalation_tick,
)
from messaging.escalation.schedules import schedule_create
from messaging.inbox.selectors import inbox_rows_for_therapist
from messaging.models import Escalation
from tests.factories import TUESDAY_9PM, activate_agreement, receive, sign_in

CRISIS = "I took all my pills, I want it to be over"


@pytest.fixture
def night(time_machine, world):
    time_machine.move_to(TUESDAY_9PM, tick=False)
    activate_agreement(world)
    schedule_create(
        practice=world.practice,
        by=world.admin.user,
        name="Weekly",
        time_zone="America/New_York",
        handoff_weekday=0,
        handoff_time=TUESDAY_9PM.time(),
        rotation_start=TUESDAY_9PM.date() - timedelta(days=15),
        member_ids=[world.other_therapist.pk],
    )
    return time_machine


def _row(therapist, message, now):
    rows = {m.pk: m for m in inbox_rows_for_therapist(therapist=therapist, now=now)}
    return rows.get(message.pk)


def test_the_on_call_inbox_lists_the_crisis_they_are_paged_for(client, world, night):
    received = receive(world, CRISIS, at=TUESDAY_9PM, declared_emergency=True)
    escalation_tick()  # step 1: the client's therapist
    assert _row(world.other_therapist, received.message, TUESDAY_9PM) is None
    night.shift(timedelta(minutes=5))
    escalation_tick()  # step 2: whoever is on call
    now = TUESDAY_9PM + timedelta(minutes=5)
    row = _row(world.other_therapist, received.message, now)
    assert row is not None, "the on-call's inbox lists the crisis, though the client isn't theirs"
    assert row.crisis.state == "active" and row.paging_now == ["Owen Other"]
    assert row.is_overdue, "nobody has it yet"
    sign_in(client, world.other_therapist)
    html = client.get(reverse("therapist_inbox")).content.decode()
    assert "paging Owen Other" in html and "Cleo Client" in html
    assert "list-group-item-action overdue" in html
    assert client.get(reverse("message_detail", args=[received.message.pk])).status_code == 200


def test_acknowledged_and_resolved_crises_are_not_overdue_and_say_who(client, world, night):
    received = receive(world, CRISIS, at=TUESDAY_9PM, declared_emergency=True)
    escalation_tick()
    escalation = Escalation.objects.get(message=received.message)
    night.shift(timedelta(minutes=3))
    escalation_acknowledge(escalation_id=escalation.pk, by=world.therapist.user, via="in_app")
    later = TUESDAY_9PM + timedelta(hours=1)
    night.move_to(later)
    row = _row(world.therapist, received.message, later)
    assert row.crisis.state == "acknowledged" and not row.is_overdue
    sign_in(client, world.therapist)
    html = client.get(reverse("therapist_inbox")).content.decode()
    assert "acknowledged by Tess Therapist" in html and "Overdue" not in html
    assert "list-group-item-action overdue" not in html

    escalation_record_outcome(
        escalation_id=escalation.pk,
        by=world.therapist.user,
        client_contacted=True,
        outcome="safety_confirmed",
    )
    row = _row(world.therapist, received.message, later)
    assert row.crisis.state == "resolved" and not row.is_overdue
    html = client.get(reverse("therapist_inbox")).content.decode()
    assert "outcome: safety confirmed (Tess Therapist)" in html and "Overdue" not in html


def test_the_detector_reason_shows_when_detection_raised_the_category(client, world, night):
    raised = receive(world, CRISIS, at=TUESDAY_9PM, declared_purpose="logistics")
    assert raised.decision.category == "crisis"
    row = _row(world.therapist, raised.message, TUESDAY_9PM)
    assert any(reason.startswith("Raised from") for reason in row.detector_reasons)
    assert any(reason.startswith("Detected:") for reason in row.detector_reasons)
    sign_in(client, world.therapist)
    html = client.get(reverse("therapist_inbox")).content.decode()
    assert 'data-testid="detector-reason"' in html and "Raised from" in html


def test_a_declared_emergency_shows_no_detector_reason(world, night):
    declared = receive(world, CRISIS, at=TUESDAY_9PM, declared_emergency=True)
    row = _row(world.therapist, declared.message, TUESDAY_9PM)
    assert row.detector_reasons == []


def test_a_joined_message_shows_the_escalation_it_joined(client, world, night):
    first = receive(world, CRISIS, at=TUESDAY_9PM, declared_emergency=True)
    escalation_tick()
    second = receive(world, CRISIS, at=TUESDAY_9PM, declared_emergency=True)
    row = _row(world.therapist, second.message, TUESDAY_9PM)
    assert row.crisis == Escalation.objects.get(message=first.message)
    assert row.paging_now == ["Tess Therapist"]
    sign_in(client, world.therapist)
    assert "joined the open escalation" in client.get(reverse("therapist_inbox")).content.decode()
