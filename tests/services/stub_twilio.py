"""A stub Twilio (and mail server) for real worker processes in the fault tests.

Workers load it through settings: ``TWILIO_HTTP_CLIENT=tests.services.stub_twilio.factory`` and
``EMAIL_BACKEND=tests.services.stub_twilio.EmailBackend``. Every request is one JSON line in the
file named by ``STUB_TWILIO_LOG``, written when the request *arrives* (before any delay), so a
request the worker was killed in the middle of still counts as one the provider may have acted
on. Behaviour, from the environment:

* ``STUB_TWILIO_FAIL_FIRST=N`` — the first N Twilio requests (counted across all processes, under
  a file lock) get HTTP 500.
* ``STUB_TWILIO_DELAY=seconds`` — sleep before answering (to kill a worker mid-send).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend
from twilio.http import HttpClient
from twilio.http.response import Response

LOG_ENV = "STUB_TWILIO_LOG"
NOTIFICATION_IN_BODY = re.compile(r"/ack/(\d+):")


def _log_path() -> Path:
    path = os.environ.get(LOG_ENV)
    if not path:
        raise RuntimeError(f"{LOG_ENV} is not set: the stub provider needs a log file")
    return Path(path)


@contextmanager
def _locked():
    """An exclusive lock shared by every process using the same log file."""
    with open(str(_log_path()) + ".lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _record(entry: dict, *, counter: str, fail_first: int = 0) -> dict:
    """Append one line and return it with ``n``, this request's number for ``counter`` across
    all processes (1, 2, …), and ``status``: 500 for the first ``fail_first``, else 201."""
    counter = Path(f"{_log_path()}.{counter}.count")
    with _locked():
        n = int(counter.read_text() or 0) + 1 if counter.exists() else 1
        counter.write_text(str(n))
        entry = {
            "n": n,
            "t": time.time(),
            "pid": os.getpid(),
            "status": 500 if n <= fail_first else 201,
            **entry,
        }
        with open(_log_path(), "a") as log:
            log.write(json.dumps(entry) + "\n")
    return entry


def notification_id(text: str) -> int | None:
    """The notification a page is about: its id is in the signed ack link of the body."""
    found = NOTIFICATION_IN_BODY.search(text or "")
    return int(found.group(1)) if found else None


def read_log(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


class StubHttpClient(HttpClient):
    def __init__(self):
        super().__init__(logging.getLogger("tests.stub_twilio"), is_async=False)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **kwargs):
        data = dict(data or {})
        kind = "call" if "/Calls" in uri else "sms"
        body = str(data.get("Body") or data.get("Twiml") or "")
        entry = _record(
            {
                "kind": kind,
                "method": method,
                "uri": uri,
                "to": data.get("To", ""),
                "notification": notification_id(body),
            },
            counter="twilio",
            fail_first=int(os.environ.get("STUB_TWILIO_FAIL_FIRST") or 0),
        )
        delay = float(os.environ.get("STUB_TWILIO_DELAY") or 0)
        if delay:
            time.sleep(delay)
        if entry["status"] == 500:
            payload = {"code": 20500, "message": "Internal Server Error", "status": 500}
            return Response(500, json.dumps(payload))
        sid = ("CA" if kind == "call" else "SM") + uuid.uuid4().hex
        payload = {"sid": sid, "status": "queued", "to": data.get("To", ""), "body": body}
        return Response(201, json.dumps(payload))


def factory() -> HttpClient:
    return StubHttpClient()


class EmailBackend(BaseEmailBackend):
    """Records each email in the stub log instead of printing or sending it."""

    def send_messages(self, email_messages):
        for message in email_messages:
            _record(
                {
                    "kind": "email",
                    "to": ",".join(message.to),
                    "notification": notification_id(str(message.body)),
                },
                counter="email",
            )
        return len(email_messages)
