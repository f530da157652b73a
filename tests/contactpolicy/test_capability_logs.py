"""Acknowledgement, invitation and password-reset tokens never reach the access log: the real
servers (runserver, as ``make run`` starts it, and gunicorn, as production does) are started,
asked for each capability URL, and what they logged is read."""

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.request import urlopen

import pytest

from contactpolicy.logfilters import REDACTED, CapabilityURLFilter, redact_capabilities

ROOT = Path(__file__).resolve().parents[2]
TOKENS = {
    "/ack/ACKSECRET123.abcDEF/": "ACKSECRET123",
    "/invite/INVITESECRET456:xyz/": "INVITESECRET456",
    "/accounts/reset/MQ/RESETSECRET789-abc/": "RESETSECRET789",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve_and_log(command: list[str], port: int, tmp_path: Path) -> str:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}} | {
        "DJANGO_SETTINGS_MODULE": "contactpolicy.settings.test",
        "CONTACTPOLICY_VAR_DIR": str(tmp_path),
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=5).close()
                    break
                except HTTPError:
                    break
                except (URLError, OSError):
                    if time.monotonic() > deadline or server.poll() is not None:
                        pytest.fail(f"server did not start: {log.read_text()}")
                    time.sleep(0.3)
            for path in TOKENS:
                # The page's answer does not matter here, only what was logged.
                with contextlib.suppress(HTTPError):
                    urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).close()
            time.sleep(1)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return log.read_text()


def _assert_redacted(output: str) -> None:
    for secret in TOKENS.values():
        assert secret not in output, f"{secret} was logged:\n{output}"
    assert output.count(REDACTED) >= len(TOKENS), output
    assert "/ack/" in output and "/invite/" in output and "/accounts/reset/MQ/" in output


def test_runserver_logs_no_capability_tokens(tmp_path):
    port = _free_port()
    output = _serve_and_log(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        port,
        tmp_path,
    )
    _assert_redacted(output)


def test_gunicorn_access_log_has_no_capability_tokens(tmp_path):
    port = _free_port()
    output = _serve_and_log(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "contactpolicy.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            "-",
        ],
        port,
        tmp_path,
    )
    assert '"GET /ack/' in output, output  # the access log itself was written
    _assert_redacted(output)


def test_the_filter_keeps_the_route_and_the_set_password_step():
    assert redact_capabilities("GET /ack/abc.def/ 200") == f"GET /ack/{REDACTED}/ 200"
    assert redact_capabilities("/accounts/reset/MQ/set-password/") == (
        "/accounts/reset/MQ/set-password/"
    )
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s',
        ("GET /invite/t0k/ HTTP/1.1", 404),
        None,
    )
    assert CapabilityURLFilter().filter(record)
    assert record.getMessage() == f'"GET /invite/{REDACTED}/ HTTP/1.1" 404'
