"""Every Celery task the project registers is routed, and every route and beat entry names one.

A task missing from ``CELERY_TASK_ROUTES`` silently lands on whatever queue Celery picks, and a
route or beat entry with a stale name (a task renamed or moved) routes or schedules nothing: beat
then publishes a task no worker knows. The crisis path (start an escalation, the engine tick,
send a page) must reach the queue the workers consume: the deployment's workers are started
without ``-Q`` (docker-compose.yml, ``runstack``), so they consume ``CELERY_TASK_DEFAULT_QUEUE``.
"""

import importlib

import pytest
from django.conf import settings

from contactpolicy.celery import app
from messaging.escalation import lifecycle
from messaging.notifications import services as notification_services

CRISIS_PATH = (
    lifecycle.ADVANCE_TASK,
    lifecycle.TICK_TASK,
    notification_services.SEND_TASK,
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


@pytest.mark.parametrize("task_name", CRISIS_PATH)
def test_crisis_path_tasks_go_to_the_queue_the_workers_consume(project_tasks, task_name):
    assert settings.CELERY_TASK_ROUTES[task_name]["queue"] == settings.CELERY_TASK_DEFAULT_QUEUE
    # And Celery's own router, the one ``apply_async`` uses, agrees with the table.
    route = app.amqp.router.route({}, task_name)
    assert route["queue"].name == settings.CELERY_TASK_DEFAULT_QUEUE
