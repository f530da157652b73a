"""Logging filters that keep the console readable.

* ``EngineTickAtDebug``: the engine tick runs every second; Celery's "received", "succeeded" and
  beat's "sending due task" lines for it are logged at DEBUG, so at INFO they are not shown and a
  page, a failed send or a restart is not buried under them.
* ``OneLinePermissionDenied``: Django logs every 403 from ``PermissionDenied`` (and a 400 from a
  bad body) with its traceback. A denial is the permission layer working, not an error: the one
  line ("Forbidden (Permission denied): /path") is kept, the traceback dropped. 5xx keep theirs.
"""

from __future__ import annotations

import logging

# The beat entries and task names that run every few seconds.
ROUTINE_TICKS = (
    "messaging.tasks.escalation_tick",
    "escalation-tick",
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
