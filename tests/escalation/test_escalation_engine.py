"""The escalation engine against the database: start, tick, page, acknowledge, exhaust."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from agreements import services
from messaging.escalation import acks, health, lifecycle
from messaging.intake.services import message_receive
from messaging.models import (
    ContactEvent,
    Escalation,
    EscalationStep,
    EventType,
    Message,
    Notification,
)
from tests.factories import on_call_weekly, sign_in_user

NEW_YORK = ZoneInfo("America/New_York")
NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=NEW_YORK)


@pytest.fixture
def night(time_machine):
    time_machine.move_to(NIGHT, tick=False)
    return time_machine


@pytest.fixture
def on_call(world):
    schedule = on_call_weekly(world)
    return schedule


def crisis(world, channel="portal", sender="client"):
    return message_receive(
        practice=world.practice,
        channel=channel,
        body="I took all my pills, I want it to be over",
        sender=getattr(world, sender) if sender else None,
        sender_address="+15550123456" if not sender else "",
    )


def pages_to(escalation, user):
    return Notification.objects.filter(escalation=escalation, recipient=user, purpose="page")


def test_crisis_starts_an_escalation_that_pages_the_therapist_at_once(world, night, on_call):
    received = crisis(world)
    escalation = Escalation.objects.get(message=received.message)
    assert escalation.state == "active" and escalation.next_action_at == NIGHT
    assert escalation.policy_snapshot["name"]
    assert lifecycle.escalation_tick() == 1
    pages = pages_to(escalation, world.therapist.user)
    assert {p.channel for p in pages} >= {"in_app", "email"}
    assert all(p.ack_code and "ACK" in p.body and "/ack/" in p.body for p in pages)
    escalation.refresh_from_db()
    assert escalation.step_index == 1
    assert escalation.next_action_at == NIGHT + timedelta(minutes=5)
    update = (
        Message.objects.filter(in_reply_to=received.message, is_automatic=True)
        .order_by("id")
        .last()
    )
    # Who now and who next, from the snapshot: the on-call clinician at 02:05 if no answer.
    assert update.body.startswith(
        "We're contacting Tess Therapist now. If they haven't answered by 02:05, we'll contact "
        "Owen Other (the on-call clinician)."
    )
    assert "988" in update.body


def test_no_ack_moves_to_on_call_then_admins_then_incident(world, night, on_call):
    escalation = Escalation.objects.get(message=crisis(world).message)
    lifecycle.escalation_tick()
    night.shift(timedelta(minutes=4, seconds=59))
    assert lifecycle.escalation_tick() == 0
    night.shift(timedelta(seconds=1))
    assert lifecycle.escalation_tick() == 1
    assert pages_to(escalation, world.other_therapist.user).exists()
    for _ in range(20):
        night.shift(timedelta(minutes=5))
        lifecycle.escalation_tick()
    escalation.refresh_from_db()
    assert escalation.state == "exhausted"
    incident = Notification.objects.filter(escalation=escalation, purpose="incident")
    assert set(incident.values_list("recipient", flat=True)) == {world.admin.user_id}
    assert ContactEvent.objects.filter(
        message=escalation.message, event_type=EventType.ESCALATION_EXHAUSTED
    ).exists()
    # Two rounds of three steps, each step paged once.
    steps = ContactEvent.objects.filter(
        message=escalation.message, event_type=EventType.ESCALATION_STEP
    )
    assert steps.count() == 6


def test_acknowledging_stops_the_chain_and_tells_the_client(world, night, on_call):
    received = crisis(world)
    escalation = Escalation.objects.get(message=received.message)
    lifecycle.escalation_tick()
    result = lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=world.therapist.user, via="in_app"
    )
    assert result.won
    again = lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=world.other_therapist.user, via="in_app"
    )
    assert not again.won
    night.shift(timedelta(hours=1))
    assert lifecycle.escalation_tick() == 0
    assert not pages_to(escalation, world.other_therapist.user).exists()
    update = (
        Message.objects.filter(in_reply_to=received.message, is_automatic=True)
        .order_by("id")
        .last()
    )
    assert update.body.startswith("Tess Therapist has your message")


def test_ack_link_shows_a_button_and_the_post_acknowledges_once(client, world, night, on_call):
    escalation = Escalation.objects.get(message=crisis(world).message)
    lifecycle.escalation_tick()
    page = pages_to(escalation, world.therapist.user).first()
    url = reverse("escalation:ack_link", args=[acks.ack_token(page)])
    assert client.get(url).status_code == 200
    escalation.refresh_from_db()
    assert escalation.state == "active", "opening the link (or a link preview) must not ack"
    response = client.post(url)
    assert response.status_code == 200 and b"paging has stopped" in response.content
    escalation.refresh_from_db()
    assert escalation.state == "acknowledged" and escalation.acknowledged_via == "link"
    assert b"Already acknowledged" in client.post(url).content
    night.shift(timedelta(days=2))
    assert client.get(url).status_code == 410


def test_sms_reply_with_the_code_acknowledges(world, night, on_call):
    world.therapist.user.phone = "+15550107777"
    world.therapist.user.save(update_fields=["phone"])
    escalation = Escalation.objects.get(message=crisis(world).message)
    lifecycle.escalation_tick()
    sms_page = pages_to(escalation, world.therapist.user).get(channel="sms")
    assert lifecycle.ack_from_sms(phone="+15550107777", body="ack 0000x") is None
    assert lifecycle.ack_from_sms(phone="+15559999999", body=f"ACK {sms_page.ack_code}") is None
    result = lifecycle.ack_from_sms(phone="(555) 010-7777", body=f"ack {sms_page.ack_code}")
    assert result.won and result.escalation.acknowledged_via == "sms"


def test_the_policy_is_snapshotted_when_the_escalation_starts(world, night, on_call):
    policy = world.practice.escalation_policies.get(is_default=True)
    policy.steps.all().delete()
    EscalationStep.objects.create(policy=policy, position=0, action="notify_admins", wait_minutes=1)
    escalation = Escalation.objects.get(message=crisis(world).message)
    policy.steps.all().delete()
    EscalationStep.objects.create(
        policy=policy, position=0, action="notify_therapist", wait_minutes=30
    )
    lifecycle.escalation_tick()
    assert pages_to(escalation, world.admin.user).exists()
    assert not pages_to(escalation, world.therapist.user).exists()


def test_advance_twice_pages_once(world, night, on_call):
    escalation = Escalation.objects.get(message=crisis(world).message)
    assert lifecycle.escalation_advance(escalation_id=escalation.pk)
    assert not lifecycle.escalation_advance(escalation_id=escalation.pk)
    count = Notification.objects.filter(escalation=escalation).count()
    lifecycle.escalation_tick()
    assert Notification.objects.filter(escalation=escalation).count() == count


def test_away_therapist_routes_to_the_cover(world, night, on_call):
    services.away_period_add(
        therapist=world.therapist,
        by=world.therapist.user,
        starts_at=NIGHT - timedelta(days=1),
        ends_at=NIGHT + timedelta(days=1),
        covering_therapist=world.other_therapist,
    )
    escalation = Escalation.objects.get(message=crisis(world).message)
    lifecycle.escalation_tick()
    assert pages_to(escalation, world.other_therapist.user).exists()
    assert not pages_to(escalation, world.therapist.user).exists()


def test_unknown_caller_pages_whoever_is_on_call(world, night, on_call):
    escalation = Escalation.objects.get(message=crisis(world, channel="sms", sender=None).message)
    lifecycle.escalation_tick()
    assert pages_to(escalation, world.other_therapist.user).exists()
    client_update = Notification.objects.get(escalation=escalation, purpose="client_update")
    assert client_update.channel == "sms" and client_update.address == "+15550123456"


def test_outcome_is_recorded_after_acknowledgement(world, night, on_call):
    escalation = Escalation.objects.get(message=crisis(world).message)
    lifecycle.escalation_tick()
    with pytest.raises(ValueError):
        lifecycle.escalation_record_outcome(
            escalation_id=escalation.pk,
            by=world.therapist.user,
            client_contacted=True,
            outcome="safety_confirmed",
        )
    lifecycle.escalation_acknowledge(escalation_id=escalation.pk, by=world.therapist.user, via="x")
    done = lifecycle.escalation_record_outcome(
        escalation_id=escalation.pk,
        by=world.therapist.user,
        client_contacted=True,
        outcome="referred_to_emergency",
        note="Called 911 with her; ambulance on the way.",
    )
    assert done.state == "resolved" and done.client_contacted_at is not None


def test_a_lost_enqueue_is_caught_by_the_tick(world, night, on_call, monkeypatch):
    from messaging.escalation import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(tasks.escalation_advance, "apply_async", broker_down)
    lifecycle.enqueue_advance(12345)  # logs, never raises
    escalation = Escalation.objects.get(message=crisis(world).message)
    assert lifecycle.escalation_tick() == 1
    assert pages_to(escalation, world.therapist.user).exists()


def test_watchdog_reports_a_stalled_engine(world, night, caplog):
    with caplog.at_level(logging.ERROR, logger="contactpolicy.escalation"):
        report = health.engine_watchdog()
    assert report.stalled and "stalled" in caplog.text
    lifecycle.escalation_tick()
    assert not health.engine_health().stalled
    night.shift(timedelta(seconds=30))
    assert health.engine_health().stalled


def test_timeline_page_shows_steps_and_acknowledgement(client, world, night, on_call):
    escalation = Escalation.objects.get(message=crisis(world).message)
    lifecycle.escalation_tick()
    lifecycle.escalation_acknowledge(
        escalation_id=escalation.pk, by=world.therapist.user, via="in_app"
    )
    sign_in_user(client, world.therapist.user)
    page = client.get(reverse("escalation:detail", args=[escalation.pk])).content.decode()
    assert "Escalation started" in page and "Escalation acknowledged" in page
    assert "Tess Therapist" in page
