"""The dead-man's switch: the engine tick pings ``ENGINE_DEADMAN_URL`` (at most once per
interval) so a monitor outside the app notices a dead beat, broker or worker when the pings stop.
Every test talks to a real HTTP server on 127.0.0.1."""

import logging
import socket
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest

from messaging.escalation import health, tasks
from messaging.intake.services import message_receive
from messaging.models import Escalation

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))


class Monitor(ThreadingHTTPServer):
    """Records every request; answers with ``status`` after ``delay`` seconds."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), MonitorHandler)
        self.requests: list[tuple[str, str, str]] = []
        self.status = 200
        self.delay = 0.0
        self.received = threading.Event()

    def handle_error(self, request, client_address):
        pass  # the engine hung up first (the hanging-monitor test): expected

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class MonitorHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append((self.command, self.path, self.headers["User-Agent"]))
        self.server.received.set()
        time.sleep(self.server.delay)
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"OK")

    def log_message(self, format, *args):
        pass


@pytest.fixture
def monitor():
    server = Monitor()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def join_pings(timeout: float = 10) -> None:
    for thread in threading.enumerate():
        if thread.name == "engine-deadman-ping":
            thread.join(timeout)


def crisis(world):
    return message_receive(
        practice=world.practice,
        channel="portal",
        body="I took all my pills, I want it to be over",
        sender=world.client,
    )


def test_the_tick_pings_the_deadman_url(world, monitor, settings):
    settings.ENGINE_DEADMAN_URL = monitor.url + "/ping/5f1c-check"
    tasks.escalation_tick()
    assert monitor.received.wait(10)
    join_pings()
    assert monitor.requests == [("GET", "/ping/5f1c-check", "contactpolicy-engine")]


def test_no_ping_when_no_url_is_set(world, monitor, settings):
    settings.ENGINE_DEADMAN_URL = ""
    tasks.escalation_tick()
    assert health.deadman_ping_if_due() is None
    join_pings()
    assert monitor.requests == []


def test_pings_are_rate_limited_to_one_per_interval(world, monitor, settings, time_machine):
    time_machine.move_to(NIGHT, tick=False)
    settings.ENGINE_DEADMAN_URL = monitor.url + "/ping"
    settings.ENGINE_DEADMAN_INTERVAL_SECONDS = 60
    for _ in range(3):
        tasks.escalation_tick()
        join_pings()
    assert len(monitor.requests) == 1
    time_machine.shift(timedelta(seconds=59))
    tasks.escalation_tick()
    join_pings()
    assert len(monitor.requests) == 1
    time_machine.shift(timedelta(seconds=1))
    tasks.escalation_tick()
    join_pings()
    assert len(monitor.requests) == 2


def test_a_refusing_monitor_is_logged_and_the_tick_still_runs(world, monitor, settings, caplog):
    crisis(world)
    escalation = Escalation.objects.get()
    Escalation.objects.filter(pk=escalation.pk).update(started_at=NIGHT)  # past the grace
    settings.ENGINE_DEADMAN_URL = monitor.url + "/ping"
    monitor.status = 500
    with caplog.at_level(logging.ERROR, logger="contactpolicy.escalation"):
        assert tasks.escalation_tick() == 1  # the crisis's first step was paged all the same
        join_pings()
    assert monitor.requests
    assert "dead-man's switch ping refused: HTTP 500" in caplog.text
    assert "/ping" not in caplog.text  # the URL is a credential


def test_a_hanging_monitor_never_delays_the_tick(world, monitor, settings, caplog):
    settings.ENGINE_DEADMAN_URL = monitor.url + "/ping"
    settings.ENGINE_DEADMAN_TIMEOUT_SECONDS = 0.5
    monitor.delay = 3
    with caplog.at_level(logging.ERROR, logger="contactpolicy.escalation"):
        started = time.monotonic()
        tasks.escalation_tick()
        assert time.monotonic() - started < 0.5
        join_pings()
    assert "dead-man's switch ping failed (TimeoutError)" in caplog.text


def test_an_unreachable_monitor_is_logged_and_the_tick_still_runs(world, settings, caplog):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.ENGINE_DEADMAN_URL = f"http://127.0.0.1:{port}/ping"
    with caplog.at_level(logging.ERROR, logger="contactpolicy.escalation"):
        assert tasks.escalation_tick() == 0
        join_pings()
    assert "dead-man's switch ping failed (URLError)" in caplog.text
