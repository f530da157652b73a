"""Capability URLs out of the logs.

An acknowledgement link, an invitation link and a password-reset link carry their credential in
the path (``/ack/<token>/``, ``/invite/<token>/``, ``/accounts/reset/<uid>/<token>/``): whoever
reads an access log could use them. This filter rewrites any log record that contains one,
leaving the route and the status, with the token replaced by ``[redacted]``. It is installed on
the loggers that write request lines (``contactpolicy.apps``): runserver's ``django.server``,
gunicorn's ``gunicorn.access`` and ``gunicorn.error``, and ``django.request`` (404s and errors
name the path).
"""

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
