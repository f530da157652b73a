"""``/healthz``: what an uptime monitor outside the app sees — 200 when the database and broker
answer, the engine ticks and nothing waits too long; 503 naming the failing checks otherwise."""

import socket
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from messaging.escalation import health, lifecycle
from messaging.intake.services import message_receive
from messaging.models import Notification, NotificationStatus

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))


@pytest.fixture
def night(time_machine):
    time_machine.move_to(NIGHT, tick=False)
    return time_machine


def crisis(world):
    return message_receive(
        practice=world.practice,
        channel="portal",
        body="I took all my pills, I want it to be over",
        sender=world.client,
    )


def healthz(client):
    return client.get(reverse("healthz"))


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthy_engine_answers_200_with_counts_only(client, world, night):
    crisis(world)
    lifecycle.escalation_tick()  # the first step: pages are written, waiting to be sent
    response = healthz(client)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    report = response.json()
    assert report["status"] == "ok" and report["failing"] == []
    assert report["database"] == {"ok": True} and report["broker"] == {"ok": True}
    assert report["engine"]["ok"] and report["engine"]["tick_age_seconds"] == 0.0
    assert report["engine"]["stale_after_seconds"] == 15
    pending = Notification.objects.filter(status=NotificationStatus.PENDING).count()
    assert pending > 0
    assert report["notifications"] == {
        "ok": True,
        "pending": pending,
        "overdue": 0,
        "oldest_due_age_seconds": 0.0,
        "overdue_after_seconds": 30,
    }
    body = response.content.decode()
    for personal in (
        world.client.user.name,
        world.client.user.email,
        world.therapist.user.email,
        "pills",
    ):
        assert personal not in body


def test_healthz_needs_no_sign_in_and_only_reads(client, world, night):
    lifecycle.escalation_tick()
    assert healthz(client).status_code == 200
    assert client.head(reverse("healthz")).status_code == 200
    assert client.post(reverse("healthz")).status_code == 405


def test_a_fixed_number_of_queries_however_large_the_backlog(
    client, world, night, django_assert_num_queries
):
    lifecycle.escalation_tick()
    with django_assert_num_queries(3):
        healthz(client)
    # Five callers (one client's repeated crises would join a single escalation).
    for n in range(5):
        message_receive(
            practice=world.practice,
            channel="sms",
            body="I took all my pills, I want it to be over",
            sender=None,
            sender_address=f"+1555000770{n}",
        )
    lifecycle.escalation_tick()
    assert Notification.objects.count() >= 10
    with django_assert_num_queries(3):
        healthz(client)


def test_an_engine_that_never_ticked_is_failing(client, world, night):
    response = healthz(client)
    assert response.status_code == 503
    assert response.json()["failing"] == ["engine"]
    assert response.json()["engine"]["last_tick_at"] is None
    assert response.json()["engine"]["tick_age_seconds"] is None


def test_a_stale_heartbeat_is_failing(client, world, night, settings):
    lifecycle.escalation_tick()
    night.shift(timedelta(seconds=15))
    assert healthz(client).status_code == 200
    night.shift(timedelta(seconds=1))
    response = healthz(client)
    assert response.status_code == 503
    assert response.json()["failing"] == ["engine"]
    assert response.json()["engine"]["tick_age_seconds"] == 16.0
    settings.ENGINE_STALE_AFTER_SECONDS = 60  # the threshold comes from settings
    assert healthz(client).status_code == 200


def test_overdue_sends_are_failing_with_their_count_and_oldest_age(client, world, night):
    crisis(world)
    lifecycle.escalation_tick()
    pending = Notification.objects.filter(status=NotificationStatus.PENDING)
    count = pending.count()
    # One page is backing off after a failed attempt: pending, due later, not overdue.
    backing_off = pending.first()
    backing_off.attempts = 1
    backing_off.next_attempt_at = NIGHT + timedelta(minutes=5)
    backing_off.save(update_fields=["attempts", "next_attempt_at"])
    night.shift(timedelta(seconds=40))
    lifecycle.escalation_tick()  # the engine itself is alive: only the sends are stuck
    response = healthz(client)
    assert response.status_code == 503
    report = response.json()
    assert report["failing"] == ["notifications"]
    assert report["notifications"]["pending"] == count
    assert report["notifications"]["overdue"] == count - 1
    assert report["notifications"]["oldest_due_age_seconds"] == 40.0
    assert report["engine"]["ok"]


def test_an_overdue_escalation_is_failing(client, world, night):
    lifecycle.escalation_tick()
    crisis(world)  # due at once, but no tick runs it
    night.shift(timedelta(seconds=31))
    health.heartbeat(health.HEARTBEAT_TICK)  # a tick that claims nothing
    response = healthz(client)
    assert response.status_code == 503
    assert response.json()["failing"] == ["escalations"]
    assert response.json()["engine"]["overdue_escalations"] == 1


def test_a_broker_refusing_connections_is_failing(client, world, night, settings):
    lifecycle.escalation_tick()
    port = closed_port()
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{port}/0"
    response = healthz(client)
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert response.json()["broker"] == {"ok": False}
    assert str(port) not in response.content.decode()  # where the broker lives stays in the log


def test_a_hung_broker_fails_within_the_timeout(client, world, settings):
    lifecycle.escalation_tick()
    # Accepts connections (the kernel completes the handshake) and never answers a PING.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        settings.HEALTHZ_BROKER_TIMEOUT_SECONDS = 0.3
        started = time.monotonic()
        response = healthz(client)
        elapsed = time.monotonic() - started
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]
    assert elapsed < 2


def test_a_real_redis_broker_is_reachable(client, world, night, settings):
    if settings.USES_EMBEDDED_SERVICES:
        pytest.skip("needs a real Redis server (REDIS_URL)")
    lifecycle.escalation_tick()
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    response = healthz(client)
    assert response.status_code == 200, response.json()
    assert response.json()["broker"] == {"ok": True}


def test_a_database_error_is_failing_and_the_broker_is_still_checked(client, world, night):
    lifecycle.escalation_tick()

    def refuse(execute, sql, params, many, context):
        raise OperationalError("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        response = healthz(client)
    assert response.status_code == 503
    report = response.json()
    assert report["failing"] == ["database"]
    assert report["database"] == {"ok": False}
    assert report["broker"] == {"ok": True}
    assert report["engine"] is None and report["notifications"] is None
