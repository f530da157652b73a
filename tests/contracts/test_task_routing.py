"""Every Celery task the project registers is routed, every route and beat entry names one, and
crisis work reaches the crisis queue.

A task missing from ``CELERY_TASK_ROUTES`` silently lands on whatever queue Celery picks, and a
route or beat entry with a stale name (a task renamed or moved) routes or schedules nothing: beat
then publishes a task no worker knows. The crisis path (start an escalation, the engine tick,
send a page, the client's crisis reply) must reach ``CRISIS_QUEUE``, the one queue the crisis
worker consumes (docker-compose.yml's ``worker-crisis``, runstack's ``crisis``), so it never
waits behind routine sends on ``ROUTINE_QUEUE``. Sends are routed when they are published, by
``notifications_enqueue``; the checks below read what it actually published to the in-memory
broker the test settings use.
"""

import importlib
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from contactpolicy.celery import app
from contactpolicy.queues import CRISIS_QUEUE, ROUTINE_QUEUE
from messaging.escalation import lifecycle
from messaging.inbox.services import message_reply
from messaging.intake import tasks as intake_tasks
from messaging.intake.services import message_receive
from messaging.models import Escalation, Notification, NotificationPurpose
from messaging.notifications import services as notification_services
from messaging.notifications.selectors import notifications_due

CRISIS_PATH = (
    lifecycle.ADVANCE_TASK,
    lifecycle.TICK_TASK,
    notification_services.SEND_TASK,
)
#: Tasks whose every run is crisis work (the envelope sweep retries inbound requests, a crisis
#: among them); sends are routed one by one when published.
CRISIS_TASKS = (
    lifecycle.ADVANCE_TASK,
    lifecycle.TICK_TASK,
    lifecycle.WATCHDOG_TASK,
    intake_tasks.SWEEP_TASK,
)


@pytest.fixture(scope="module")
def project_tasks() -> set[str]:
    for module in settings.CELERY_IMPORTS:
        importlib.import_module(module)
    app.loader.import_default_modules()
    names = {name for name in app.tasks if name.startswith("messaging.")}
    # Guards the lookup itself: an empty set would make every check below pass.
    assert set(CRISIS_PATH) <= names
    return names


def test_every_registered_task_is_routed(project_tasks):
    assert project_tasks - set(settings.CELERY_TASK_ROUTES) == set()


def test_every_route_names_a_registered_task(project_tasks):
    assert set(settings.CELERY_TASK_ROUTES) - project_tasks == set()


def test_every_beat_entry_names_a_registered_task(project_tasks):
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert lifecycle.TICK_TASK in scheduled, "the engine tick must be on the beat schedule"
    assert scheduled - project_tasks == set()


@pytest.mark.parametrize("task_name", CRISIS_TASKS)
def test_the_engine_runs_on_the_crisis_queue(project_tasks, task_name):
    assert settings.CELERY_TASK_ROUTES[task_name]["queue"] == CRISIS_QUEUE
    # And Celery's own router, the one ``apply_async`` uses, agrees with the table.
    route = app.amqp.router.route({}, task_name)
    assert route["queue"].name == CRISIS_QUEUE


def test_a_send_published_without_a_queue_is_routine(project_tasks):
    assert settings.CELERY_TASK_DEFAULT_QUEUE == ROUTINE_QUEUE != CRISIS_QUEUE
    assert settings.CELERY_TASK_ROUTES[notification_services.SEND_TASK]["queue"] == ROUTINE_QUEUE
    route = app.amqp.router.route({}, notification_services.SEND_TASK)
    assert route["queue"].name == ROUTINE_QUEUE


# --- what the publishers put on each queue -----------------------------------------------------


def drain(queue: str) -> list[tuple[str, list]]:
    """(task name, args) of every message waiting on ``queue`` in the in-memory broker."""
    published = []
    with app.connection_for_read() as connection:
        waiting = connection.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = waiting.get(block=False)
                except waiting.Empty:
                    break
                body_args = message.decode()[0]
                published.append((message.headers["task"], list(body_args)))
                message.ack()
        finally:
            waiting.close()
    return published


@pytest.fixture
def broker():
    """The in-memory broker, empty; returns a function that drains both queues."""
    assert settings.CELERY_BROKER_URL == "memory://"
    for queue in (CRISIS_QUEUE, ROUTINE_QUEUE):
        drain(queue)

    def published() -> dict[str, list[tuple[str, list]]]:
        return {queue: drain(queue) for queue in (CRISIS_QUEUE, ROUTINE_QUEUE)}

    return published


def sends(published: list[tuple[str, list]]) -> set[int]:
    return {args[0] for task, args in published if task == notification_services.SEND_TASK}


def test_crisis_work_is_published_to_the_crisis_queue_and_routine_sends_are_not(
    world, broker, django_capture_on_commit_callbacks
):
    """A crisis by email: its first step, its pages, the client's update and the crisis auto-reply
    all go to the crisis queue; a routine email's auto-reply and a clinician's reply do not."""
    with django_capture_on_commit_callbacks(execute=True):
        crisis = message_receive(
            practice=world.practice,
            channel="email",
            body="I took all my pills, I want it to be over",
            sender=world.client,
        )
    escalation = Escalation.objects.get(message=crisis.message)
    crisis_reply = Notification.objects.get(message=crisis.auto_reply)
    assert crisis_reply.escalation == escalation
    published = broker()
    assert sorted(published[CRISIS_QUEUE]) == sorted(
        [
            (lifecycle.ADVANCE_TASK, [escalation.pk]),
            (notification_services.SEND_TASK, [crisis_reply.pk]),
        ]
    )
    assert published[ROUTINE_QUEUE] == []

    with django_capture_on_commit_callbacks(execute=True):
        assert lifecycle.escalation_advance(escalation_id=escalation.pk)
    step_sends = Notification.objects.filter(escalation=escalation, step_index=0)
    purposes = set(step_sends.values_list("purpose", flat=True))
    assert purposes == {NotificationPurpose.PAGE, NotificationPurpose.CLIENT_UPDATE}

    with django_capture_on_commit_callbacks(execute=True):
        routine = message_receive(
            practice=world.practice,
            channel="email",
            body="Could we move Thursday's session to 4?",
            sender=world.client,
            declared_purpose="logistics",
        )
        reply = message_reply(
            message=routine.message, by=world.therapist.user, body="Yes, 4 works."
        )
    routine_sends = set(
        Notification.objects.filter(message__in=[routine.auto_reply, reply]).values_list(
            "pk", flat=True
        )
    )
    assert len(routine_sends) == 2

    published = broker()
    assert sends(published[CRISIS_QUEUE]) == set(step_sends.values_list("pk", flat=True))
    assert sends(published[ROUTINE_QUEUE]) == routine_sends

    # The sweeper routes each send the same way.
    notification_services.notifications_enqueue(
        notifications_due(now=timezone.now() + timedelta(minutes=1))
    )
    published = broker()
    expected_crisis = set(
        Notification.objects.filter(escalation=escalation).values_list("pk", flat=True)
    )
    assert crisis_reply.pk in expected_crisis
    assert sends(published[CRISIS_QUEUE]) == expected_crisis
    assert sends(published[ROUTINE_QUEUE]) == routine_sends
