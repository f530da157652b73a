"""A quiet console: the engine's periodic tasks log at debug, a denial is one line."""

import logging

import pytest
from django.urls import reverse

from contactpolicy.logfilters import EngineTickAtDebug, OneLinePermissionDenied
from tests.factories import sign_in


def _record(name: str, message: str, *args, level=logging.INFO, **extra) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


@pytest.mark.parametrize(
    ("logger", "message", "args"),
    [
        (
            "celery.beat",
            "Scheduler: Sending due task %s (%s)",
            ("escalation-tick", "messaging.tasks.escalation_tick"),
        ),
        (
            "celery.worker.strategy",
            "Task %s[%s] received",
            ("messaging.tasks.escalation_tick", "abc"),
        ),
        (
            "celery.app.trace",
            "Task %(name)s[%(id)s] succeeded",
            ({"name": "messaging.tasks.envelopes_sweep", "id": "abc"},),
        ),
    ],
)
def test_the_periodic_tasks_lines_are_debug(logger, message, args):
    logging.getLogger(logger).setLevel(logging.INFO)
    record = _record(logger, message, *args)
    assert EngineTickAtDebug().filter(record) is False
    assert record.levelno == logging.DEBUG
    logging.getLogger(logger).setLevel(logging.DEBUG)
    try:
        assert EngineTickAtDebug().filter(_record(logger, message, *args)) is True
    finally:
        logging.getLogger(logger).setLevel(logging.NOTSET)


def test_other_tasks_and_every_warning_are_left_alone():
    page = _record(
        "celery.app.trace", "Task %s[%s] succeeded", "messaging.tasks.notification_send", "x"
    )
    assert EngineTickAtDebug().filter(page) is True and page.levelno == logging.INFO
    failed = _record(
        "celery.app.trace",
        "Task %s[%s] raised",
        "messaging.tasks.escalation_tick",
        "x",
        level=logging.ERROR,
    )
    assert EngineTickAtDebug().filter(failed) is True and failed.levelno == logging.ERROR


def test_the_celery_loggers_carry_the_filter():
    import contactpolicy.celery  # noqa: F401 - attaching the filter is what importing does

    for name in ("celery.worker.strategy", "celery.app.trace", "celery.beat"):
        assert any(isinstance(f, EngineTickAtDebug) for f in logging.getLogger(name).filters)


def test_a_denial_keeps_its_line_and_loses_its_traceback():
    try:
        raise PermissionError("denied")
    except PermissionError:
        import sys

        record = _record(
            "django.request",
            "Forbidden (Permission denied): %s",
            "/x/",
            level=logging.WARNING,
            status_code=403,
        )
        record.exc_info = sys.exc_info()
    assert OneLinePermissionDenied().filter(record) is True
    assert record.exc_info is None and record.getMessage() == "Forbidden (Permission denied): /x/"
    server_error = _record(
        "django.request", "Internal Server Error: %s", "/x/", level=logging.ERROR, status_code=500
    )
    server_error.exc_info = (RuntimeError, RuntimeError("boom"), None)
    OneLinePermissionDenied().filter(server_error)
    assert server_error.exc_info is not None


def test_a_403_from_a_page_logs_one_line(client, world, caplog):
    sign_in(client, world.client)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("oversight_dashboard"))
    assert response.status_code == 403
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info is None and record.exc_text is None
    assert "Forbidden (Permission denied)" in record.getMessage()
