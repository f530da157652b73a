"""``python -m tests.bench``: how fast a crisis reaches a clinician, on a quiet machine and with
both CPUs saturated and routine messages flooding in, and how punctual the engine's timers are,
with real Celery workers (crisis and routine) and beat on PostgreSQL and a private redis-server.

See tests/bench/README.md. Writes tests/bench/results.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.bench.stack import PYTHON, Process, Stack, poll

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/contactpolicy_bench"
RESULTS = Path(__file__).resolve().parent / "results.json"
GOALS_MS = {
    "crisis_to_first_notification_ms": 1000,
    "crisis_to_first_notification_under_load_ms": 1000,
    "timer_lateness_ms": 2000,
}
CRISIS_BODIES = [
    "I took all my pills, I want it to be over",
    "i cant do this anymore. i have the pills counted out",
    "I'm going to kill myself tonight, I have the rope ready",
    "I cut myself and it won't stop bleeding",
    "I want to die and I have a plan",
]


# --- the database -----------------------------------------------------------------------------


def recreate_database(url: str) -> None:
    """Drop and create the bench database (connecting to the server's ``postgres`` database)."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    if not name or parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit(f"BENCH_DATABASE_URL must be a postgres://…/NAME URL, not {url!r}")
    params = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "dbname": "postgres",
        "autocommit": True,
    }
    if parts.password:
        params["password"] = unquote(parts.password)
    with psycopg.connect(**params) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def django_setup(stack: Stack) -> None:
    """This process becomes one more app process of the stack: same settings, same broker, so a
    crisis message's on-commit enqueue reaches the worker exactly as it would from the web."""
    os.environ.update(stack.env(LOG_LEVEL="WARNING"))
    import django

    django.setup()


# --- the practice -----------------------------------------------------------------------------


def make_practice(clients: int):
    """One practice (its default policy: therapist, on call, admins; 5 minutes apart), an admin,
    a therapist and ``clients`` clients. Pages go in the app and by email (no phones)."""
    from agreements import services
    from agreements.models import Role, User

    def member(email: str, name: str, role: Role, **extra):
        user = User.objects.create_user(email=email, password=None, name=name)
        return services.membership_create(user=user, practice=practice, role=role, **extra)

    practice = services.practice_create(name="Bench Practice", country="US")
    member("admin@bench.test", "Bea Admin", Role.ADMIN)
    therapist = member("therapist@bench.test", "Theo Therapist", Role.THERAPIST)
    return practice, [
        member(f"client{n}@bench.test", f"Client {n}", Role.CLIENT, therapist=therapist)
        for n in range(clients)
    ]


# --- measurements -----------------------------------------------------------------------------


def percentiles(values: list[float]) -> dict:
    """p50, p99 (nearest rank) and max, in ms rounded to 0.1, and n."""
    ordered = sorted(values)

    def rank(p: float) -> float:
        return round(ordered[max(math.ceil(p / 100 * len(ordered)) - 1, 0)], 1)

    return {"p50": rank(50), "p99": rank(99), "max": round(ordered[-1], 1), "n": len(ordered)}


def measure_crisis(practice, clients, *, count: int, rate: float) -> tuple[list[int], dict, dict]:
    """Send ``count`` crisis messages at ``rate`` per second, each from its own client of
    ``clients`` (one client's repeated crises join their open escalation, with no first page of
    their own); for each, the time from the message (``received_at``, and the commit seen here)
    to its first page handed to a backend."""
    from django.db.models import Min
    from django.utils import timezone

    from messaging.intake.services import message_receive
    from messaging.models import Escalation, Notification, NotificationStatus

    if len(clients) < count:
        raise SystemExit(f"{count} crisis messages need {count} clients, got {len(clients)}")
    sent: list[tuple[int, datetime, datetime]] = []
    start = time.monotonic()
    for n in range(count):
        time.sleep(max(0.0, start + n / rate - time.monotonic()))
        received = message_receive(
            practice=practice,
            channel="portal",
            body=CRISIS_BODIES[n % len(CRISIS_BODIES)],
            sender=clients[n],
            declared_emergency=True,
        )
        committed = timezone.now()
        if received.decision.category != "crisis":
            raise SystemExit(f"message {n} was triaged {received.decision.category}, not crisis")
        sent.append((received.message.pk, received.message.received_at, committed))
    message_ids = [pk for pk, _, _ in sent]

    def first_pages() -> dict[int, datetime] | None:
        rows = dict(
            Notification.objects.filter(
                escalation__message_id__in=message_ids,
                purpose="page",
                status__in=[NotificationStatus.SENT, NotificationStatus.DELIVERED],
            )
            .values("escalation__message_id")
            .annotate(first=Min("sent_at"))
            .values_list("escalation__message_id", "first")
        )
        return rows if len(rows) == len(message_ids) else None

    first = poll(first_pages, timeout=120, interval=0.2, what="a page for every crisis message")
    from_received = [(first[pk] - received).total_seconds() * 1000 for pk, received, _ in sent]
    from_commit = [(first[pk] - committed).total_seconds() * 1000 for pk, _, committed in sent]
    escalation_ids = list(
        Escalation.objects.filter(message_id__in=message_ids).values_list("pk", flat=True)
    )
    return escalation_ids, percentiles(from_received), percentiles(from_commit)


def measure_timers(escalation_ids: list[int], *, rate: float) -> dict:
    """Make each escalation's next step (step 2: on call) fall due at a random instant over the
    next ``len / rate`` seconds; lateness is the engine's own ``lateness_ms`` for that step:
    when the tick processed it minus its ``next_action_at``."""
    from django.db import transaction
    from django.utils import timezone

    from messaging.models import ContactEvent, Escalation, EventType

    spread = len(escalation_ids) / rate
    base = timezone.now() + timedelta(seconds=2)
    due = {pk: base + timedelta(seconds=random.uniform(0, spread)) for pk in escalation_ids}
    with transaction.atomic():
        for pk, at in due.items():
            updated = Escalation.objects.filter(pk=pk, state="active", step_index=1).update(
                next_action_at=at
            )
            if not updated:
                raise SystemExit(f"escalation {pk} is not waiting on its second step")

    def second_steps() -> list[int] | None:
        events = ContactEvent.objects.filter(
            event_type=EventType.ESCALATION_STEP,
            occurred_at__gte=base,
            details__escalation__in=escalation_ids,
        ).values_list("details", flat=True)
        lateness = [details["lateness_ms"] for details in events]
        return lateness if len(lateness) >= len(escalation_ids) else None

    lateness = poll(second_steps, timeout=spread + 120, interval=0.2, what="every second step")
    return percentiles(lateness)


def notification_count(escalation_ids: list[int]) -> int:
    from messaging.models import Notification

    return Notification.objects.filter(escalation_id__in=escalation_ids).count()


# --- under load -------------------------------------------------------------------------------

BUSY_LOOP = "while True: pass"


def start_load(stack: Stack, practice, *, burners: int, flood_rate: float) -> list[Process]:
    """``burners`` busy processes at normal priority (other work taking the CPUs) and a flood of
    routine messages through the intake path at ``flood_rate`` per second, from a process of its
    own configured like a web process."""
    started = [
        Process(f"burner {n}", [PYTHON, "-c", BUSY_LOOP], {}, stack.workdir / f"burner{n}.log")
        for n in range(1, burners + 1)
    ]
    started.append(
        Process(
            "flood",
            [
                *(PYTHON, "-m", "tests.bench.flood"),
                *("--rate", f"{flood_rate:g}", "--practice", str(practice.pk)),
            ],
            stack.env(LOG_LEVEL="WARNING"),
            stack.workdir / "flood.log",
        )
    )
    for process in started:
        stack.processes.append(process.start())
    return started


def stop_load(load: list[Process]) -> None:
    for process in load:
        process.kill()


def routine_counts(since: datetime) -> dict:
    """Routine messages received since ``since`` and their automatic replies sent."""
    from messaging.models import Message, Notification, NotificationStatus

    return {
        "routine_messages": Message.objects.filter(
            received_at__gte=since, direction="inbound", channel="email"
        ).count(),
        "routine_sends_sent": Notification.objects.filter(
            created_at__gte=since,
            escalation__isnull=True,
            status__in=[NotificationStatus.SENT, NotificationStatus.DELIVERED],
        ).count(),
        "routine_sends_waiting": Notification.objects.filter(
            created_at__gte=since, escalation__isnull=True, status=NotificationStatus.PENDING
        ).count(),
    }


def wait_for_quiet_queues(timeout: float = 300) -> None:
    """Until nothing is waiting to be sent (the timer phase's pages and updates included), so the
    run under load starts with empty queues and measures the load, not a leftover backlog."""
    from django.utils import timezone

    from messaging.models import Notification, NotificationStatus

    def drained() -> bool:
        return not Notification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now()
        ).exists()

    poll(drained, timeout=timeout, interval=0.5, what="every pending notification sent")


def measure_under_load(
    stack: Stack, practice, clients, *, count: int, rate: float, burners: int, flood_rate: float
) -> tuple[dict, dict]:
    """The crisis path again while ``burners`` busy loops and the routine flood run."""
    from django.utils import timezone

    since = timezone.now()
    started = time.monotonic()
    load = start_load(stack, practice, burners=burners, flood_rate=flood_rate)
    try:
        time.sleep(5)  # the flood's process starts (Django's import time) and the backlog builds
        for process in load:
            if not process.alive:
                raise SystemExit(f"{process.name} exited:\n{process.log()}")
        _, crisis, _ = measure_crisis(practice, clients, count=count, rate=rate)
        load_average = os.getloadavg()[0]
        for process in load:
            if not process.alive:
                raise SystemExit(f"{process.name} exited during the run:\n{process.log()}")
    finally:
        stop_load(load)
    seconds = time.monotonic() - started
    config = {
        "messages": count,
        "rate_per_second": rate,
        "burners": burners,
        "flood_rate_per_second": flood_rate,
        "load_average_at_end": round(load_average, 2),
        "load_seconds": round(seconds, 1),
        **routine_counts(since),
    }
    return crisis, config


# --- reporting --------------------------------------------------------------------------------

TASK_DONE = re.compile(r"Task messaging\.tasks\.(\w+)\[[^\]]+\] succeeded in ([0-9.]+)s: (.*)$")


def worker_tasks(stack: Stack, pattern: str = "w*.log") -> dict:
    """From the logs of the workers ``pattern`` matches (``w*``: the crisis worker, ``r*``: the
    routine one): per task, how many ran, their total and p99 run time, and (for the first-step
    task) how many found nothing to do because the tick had already done it."""
    runs: dict[str, list[tuple[float, str]]] = {}
    for path in stack.workdir.glob(pattern):
        for line in path.read_text(errors="replace").splitlines():
            found = TASK_DONE.search(line)
            if found:
                runs.setdefault(found.group(1), []).append((float(found.group(2)), found.group(3)))
    summary = {}
    for task, done in sorted(runs.items()):
        seconds = sorted(s for s, _ in done)
        summary[task] = {
            "count": len(done),
            "total_s": round(sum(seconds), 2),
            "p99_s": round(seconds[max(math.ceil(0.99 * len(seconds)) - 1, 0)], 3),
        }
        if task == "escalation_advance":
            summary[task]["nothing_to_do"] = sum(1 for _, result in done if result == "False")
    return summary


def write_results(measured: dict) -> dict:
    results = {}
    if RESULTS.exists():
        try:
            results = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            results = {}
    results.update(measured)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    return results


def print_table(measured: dict) -> None:
    rows = [
        ("crisis message → first page sent", "crisis_to_first_notification_ms"),
        ("  (from the commit, not received_at)", "crisis_commit_to_first_notification_ms"),
        ("  CPUs saturated, routine flood", "crisis_to_first_notification_under_load_ms"),
        ("timer lateness (step due → processed)", "timer_lateness_ms"),
    ]
    print(f"\n{'measure (ms)':40} {'n':>5} {'p50':>9} {'p99':>9} {'max':>9}   goal")
    for label, key in rows:
        if key not in measured:
            continue
        m = measured[key]
        goal = GOALS_MS.get(key)
        verdict = ""
        if goal is not None:
            verdict = f"p99 < {goal}: " + ("met" if m["p99"] < goal else "MISSED")
        print(
            f"{label:40} {m['n']:>5} {m['p50']:>9.1f} {m['p99']:>9.1f} {m['max']:>9.1f}   {verdict}"
        )


def print_tasks(tasks: dict, title: str) -> None:
    print(f"\n{title}")
    for task, summary in tasks.items():
        if task == "notifications":
            continue
        extra = ""
        if "nothing_to_do" in summary:
            extra = f"  ({summary['nothing_to_do']} found the tick had done it)"
        print(
            f"  {task:20} {summary['count']:>6} runs  {summary['total_s']:>7.1f} s in all"
            f"  p99 {summary['p99_s'] * 1000:>6.0f} ms{extra}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--messages", type=int, default=200, help="crisis messages (≥ 200)")
    parser.add_argument("--rate", type=float, default=10.0, help="messages (and due steps) per s")
    parser.add_argument(
        "--clients", type=int, default=20, help="clients besides one per crisis message"
    )
    parser.add_argument("--tick", type=float, default=1.0, help="ESCALATION_TICK_SECONDS")
    parser.add_argument("--concurrency", type=int, default=2, help="pool processes per worker")
    parser.add_argument(
        "--burners",
        type=int,
        default=os.cpu_count() or 2,
        help="busy processes during the run under load (default: one per CPU)",
    )
    parser.add_argument(
        "--flood-rate", type=float, default=20.0, help="routine messages per s under load"
    )
    parser.add_argument(
        "--load-messages", type=int, default=100, help="crisis messages under load (≥ 100)"
    )
    parser.add_argument(
        "--load-rate", type=float, default=2.0, help="crisis messages per s under load"
    )
    parser.add_argument("--keep", action="store_true", help="keep the process logs")
    args = parser.parse_args(argv)

    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    load_at_start = os.getloadavg()[0]
    if load_at_start > 0.5 * (os.cpu_count() or 1):
        print(
            f"warning: load average {load_at_start:.1f} on {os.cpu_count()} CPUs before the bench"
            " started; other work on this machine will show in the figures",
            file=sys.stderr,
        )
    workdir = Path(tempfile.mkdtemp(prefix="contactpolicy-bench-"))
    stack = Stack(
        workdir,
        database_url,
        tick_seconds=args.tick,
        env={"EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"},
    )
    ok = False
    try:
        print(f"database {urlsplit(database_url).path.lstrip('/')}: dropping and recreating")
        recreate_database(database_url)
        stack.start_redis()
        migrated = stack.manage("migrate", "--noinput")
        if migrated.returncode:
            raise SystemExit(f"migrate failed:\n{migrated.stdout}\n{migrated.stderr}")
        django_setup(stack)
        # One client per crisis message of each run, and the others for the routine flood.
        practice, clients = make_practice(args.clients + args.messages + args.load_messages)
        quiet_clients = clients[: args.messages]
        load_clients = clients[args.messages : args.messages + args.load_messages]
        stack.start_engine(concurrency=args.concurrency)
        print(
            f"worker + beat up (tick {args.tick:g} s); {args.messages} crisis messages at "
            f"{args.rate:g}/s …"
        )
        escalation_ids, crisis, crisis_commit = measure_crisis(
            practice, quiet_clients, count=args.messages, rate=args.rate
        )
        print(f"{len(escalation_ids)} second steps falling due at {args.rate:g}/s …")
        lateness = measure_timers(escalation_ids, rate=args.rate)
        print(
            f"under load: {args.burners} busy processes, routine messages at "
            f"{args.flood_rate:g}/s; {args.load_messages} crisis messages at {args.load_rate:g}/s …"
        )
        wait_for_quiet_queues()
        under_load, load_config = measure_under_load(
            stack,
            practice,
            load_clients,
            count=args.load_messages,
            rate=args.load_rate,
            burners=args.burners,
            flood_rate=args.flood_rate,
        )
        time.sleep(2 * args.tick)  # the last sends finish and log
        tasks = worker_tasks(stack, "w*.log")
        tasks["notifications"] = notification_count(escalation_ids)
        routine_tasks = worker_tasks(stack, "r*.log")
        ok = True
    finally:
        stack.close()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"process logs kept in {workdir}", file=sys.stderr)

    measured = {
        "crisis_to_first_notification_ms": crisis,
        "crisis_commit_to_first_notification_ms": crisis_commit,
        "crisis_to_first_notification_under_load_ms": under_load,
        "timer_lateness_ms": lateness,
        "bench_config": {
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "messages": args.messages,
            "rate_per_second": args.rate,
            "tick_seconds": args.tick,
            "worker_concurrency": args.concurrency,
            "cpus": os.cpu_count(),
            "load_average_at_start": round(load_at_start, 2),
            "under_load": load_config,
        },
        "bench_worker_tasks": tasks,
        "bench_routine_worker_tasks": routine_tasks,
    }
    write_results(measured)
    print_table(measured)
    print_tasks(tasks, f"crisis worker tasks (quiet run: {tasks['notifications']} notifications)")
    print_tasks(routine_tasks, "routine worker tasks")
    print(f"\nwritten to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
