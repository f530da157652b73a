"""Logging filters.

Capability URLs out of the logs. An acknowledgement link, an invitation link and a password-reset
link carry their credential in the path (``/ack/<token>/``, ``/invite/<token>/``,
``/accounts/reset/<uid>/<token>/``): whoever reads an access log could use them. This filter
rewrites any log record that contains one, leaving the route and the status, with the token replaced
by ``[redacted]``. It is installed on the loggers that write request lines (``contactpolicy.apps``):
runserver's ``django.server``, gunicorn's ``gunicorn.access`` and ``gunicorn.error``, and
``django.request`` (404s and errors name the path).

And keeping the console readable:

* ``EngineTickAtDebug``: the engine tick runs every second (the watchdog and the envelope sweep
  every few); Celery's "received", "succeeded" and beat's "sending due task" lines for them are
  logged at DEBUG, so at INFO they are not shown and a page, a failed send or a restart is not
  buried under them. Their warnings and errors (a stalled engine, a failed run) stay as they are.
* ``OneLinePermissionDenied``: Django logs every 403 from ``PermissionDenied`` (and a 400 from a
  bad body) with its traceback. A denial is the permission layer working, not an error: the one
  line ("Forbidden (Permission denied): /path") is kept, the traceback dropped. 5xx keep theirs.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"
CAPABILITY_PATHS = re.compile(
    r"(?P<route>/ack/|/invite/|/accounts/reset/[^/\s?#\"']+/)(?!set-password/)[^/\s?#\"']+"
)
REQUEST_LOGGERS = ("django.server", "django.request", "gunicorn.access", "gunicorn.error")


def redact_capabilities(text: str) -> str:
    return CAPABILITY_PATHS.sub(lambda m: m.group("route") + REDACTED, text)


class CapabilityURLFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):  # unformattable: left for its handler to report
            return True
        if CAPABILITY_PATHS.search(message):
            record.msg = redact_capabilities(message)
            record.args = None
            # Django's request loggers also attach the request; its path is the same secret.
            if hasattr(record, "request"):
                record.request = None
        return True


def install() -> None:
    for name in REQUEST_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, CapabilityURLFilter) for f in logger.filters):
            logger.addFilter(CapabilityURLFilter())


# The periodic tasks (beat entries in settings.CELERY_BEAT_SCHEDULE), by task name: every Celery
# line about one of them names it.
ROUTINE_TICKS = (
    "messaging.tasks.escalation_tick",
    "messaging.tasks.engine_watchdog",
    "messaging.tasks.envelopes_sweep",
    "messaging.tasks.between_tick",
)
# The loggers Celery writes those lines to (the worker's strategy and trace, and beat).
CELERY_TICK_LOGGERS = ("celery.worker.strategy", "celery.app.trace", "celery.beat")


class EngineTickAtDebug(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno > logging.INFO:
            return True
        try:
            text = record.getMessage()
        except (TypeError, ValueError):
            return True
        if not any(name in text for name in ROUTINE_TICKS):
            return True
        record.levelno = logging.DEBUG
        record.levelname = logging.getLevelName(logging.DEBUG)
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


class OneLinePermissionDenied(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        status_code = getattr(record, "status_code", None)
        if isinstance(status_code, int) and 400 <= status_code < 500:
            record.exc_info = None
            record.exc_text = None
            record.stack_info = None
        return True


def quiet_engine_tick() -> None:
    """Attach ``EngineTickAtDebug`` to Celery's loggers (once per process)."""
    for name in CELERY_TICK_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, EngineTickAtDebug) for existing in logger.filters):
            logger.addFilter(EngineTickAtDebug())
