"""``python -m tests.bench.engine_scale``: the engine's tick with thousands of open escalations.

Builds ``--practices`` practices (default 1,000), each with a therapist, an admin and
``--clients`` clients (default 10), and one open crisis escalation per client (10,000), all past
their first step and waiting for their second. The rows are bulk-written (building 10,000
through the intake would take most of an hour on this machine and measure the intake, not the
tick). Then ``--due`` of them (default 2,400) are made due at a steady ``--rate`` per second
(default 20/s, random phase against the 1 s tick) while the rest stay open; a crisis worker
(``--concurrency 2``, which also sends the pages), a routine worker and one beat run the real
engine, and the bench waits until every due escalation has taken its step.

Writes ``engine_at_scale`` to tests/bench/results.json: the steps' lateness (due →
processed, the ``lateness_ms`` the engine logs; goal p99 < 2000 ms), the tick's cost per due
escalation (tick run time over escalations moved, from the worker's log), and the machine.
Run it at two sizes (``--practices 100`` and the default) to see what grows with the open set.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from tests.bench import machine
from tests.bench.__main__ import (
    DEFAULT_DATABASE_URL,
    RESULTS,
    TASK_DONE,
    django_setup,
    percentiles,
    recreate_database,
)
from tests.bench.stack import Stack, poll

GOAL_P99_MS = 2000
CRISIS = "I want to die and I have a plan"


def build(practices: int, clients: int) -> list[int]:
    """Practices, people and one open escalation per client, waiting for step 2 an hour from
    now. Returns the escalation ids."""
    from django.db import transaction
    from django.utils import timezone

    from agreements import services
    from agreements.models import Membership, Role, User
    from messaging.escalation.lifecycle import policy_snapshot
    from messaging.models import (
        Disposition,
        Escalation,
        EscalationPolicy,
        EscalationState,
        Message,
        MessageStatus,
        TriageDecision,
    )
    from messaging.triage.categories import Category

    now = timezone.now()
    later = now + timedelta(hours=1)
    ids: list[int] = []
    for p in range(practices):
        with transaction.atomic():
            practice = services.practice_create(name=f"Practice {p}", country="US")
            users = User.objects.bulk_create(
                [
                    User(email=f"admin{p}@scale.test", name=f"Ada Admin{p}"),
                    User(email=f"therapist{p}@scale.test", name=f"Theo Therapist{p}"),
                    *(
                        User(email=f"c{p}-{n}@scale.test", name=f"Client {p}-{n}")
                        for n in range(clients)
                    ),
                ]
            )
            for user in users:
                user.set_unusable_password()
            User.objects.bulk_update(users, ["password"])
            _admin, therapist = Membership.objects.bulk_create(
                [
                    Membership(user=users[0], practice=practice, role=Role.ADMIN),
                    Membership(
                        user=users[1], practice=practice, role=Role.THERAPIST, on_call_eligible=True
                    ),
                ]
            )
            members = Membership.objects.bulk_create(
                Membership(user=user, practice=practice, role=Role.CLIENT, therapist=therapist)
                for user in users[2:]
            )
            policy = EscalationPolicy.objects.get(practice=practice, is_default=True)
            snapshot = policy_snapshot(policy).to_json()
            messages = Message.objects.bulk_create(
                Message(
                    practice=practice,
                    client=member,
                    therapist=therapist,
                    channel="portal",
                    direction="inbound",
                    body=CRISIS,
                    declared_emergency=True,
                    received_at=now,
                    status=MessageStatus.ESCALATED,
                    author=member.user,
                )
                for member in members
            )
            decisions = TriageDecision.objects.bulk_create(
                TriageDecision(
                    message=message,
                    category=Category.CRISIS.value,
                    severity=Category.CRISIS.severity,
                    disposition=Disposition.ESCALATE,
                    declared_category=Category.CRISIS.value,
                    detected_category=Category.CRISIS.value,
                    rules=[],
                    matches=[],
                    suppressed=[],
                    decided_at=now,
                )
                for message in messages
            )
            for message, decision in zip(messages, decisions, strict=True):
                message.current_decision = decision
            Message.objects.bulk_update(messages, ["current_decision"])
            escalations = Escalation.objects.bulk_create(
                Escalation(
                    practice=practice,
                    message=message,
                    client=message.client,
                    therapist=therapist,
                    policy=policy,
                    policy_snapshot=snapshot,
                    state=EscalationState.ACTIVE,
                    step_index=1,
                    cycle=0,
                    next_action_at=later,
                    started_at=now - timedelta(minutes=5),
                )
                for message in messages
            )
            ids.extend(e.pk for e in escalations)
    return ids


def schedule_due(ids: list[int], *, due: int, rate: float, lead: float) -> tuple[list[int], float]:
    """Make ``due`` escalations due at ``rate`` per second starting ``lead`` seconds from now
    (random phase), in one UPDATE per thousand. Returns them and the last due time (epoch)."""
    from django.db.models import Case, DateTimeField, Value, When
    from django.utils import timezone

    from messaging.models import Escalation

    chosen = random.Random(16).sample(ids, due)
    start = timezone.now() + timedelta(seconds=lead)
    at = {
        pk: start + timedelta(seconds=n / rate + random.random() / rate)
        for n, pk in enumerate(chosen)
    }
    for offset in range(0, len(chosen), 1000):
        part = chosen[offset : offset + 1000]
        Escalation.objects.filter(pk__in=part).update(
            next_action_at=Case(
                *(When(pk=pk, then=Value(at[pk])) for pk in part), output_field=DateTimeField()
            )
        )
    return chosen, max(at.values()).timestamp()


def lateness(chosen: list[int], since) -> list[int] | None:
    from messaging.models import ContactEvent, EventType

    rows = list(
        ContactEvent.objects.filter(
            event_type=EventType.ESCALATION_STEP,
            occurred_at__gte=since,
            details__step_index=1,
        ).values_list("details", flat=True)
    )
    wanted = set(chosen)
    found = [d["lateness_ms"] for d in rows if d.get("escalation") in wanted]
    return found if len(found) >= len(chosen) else None


def tick_cost(stack: Stack) -> dict:
    """Per tick run (from the crisis worker's log): seconds and escalations moved."""
    runs = []
    for path in stack.workdir.glob("w*.log"):
        for line in path.read_text(errors="replace").splitlines():
            found = TASK_DONE.search(line)
            if found and found.group(1) == "escalation_tick":
                runs.append((float(found.group(2)), int(found.group(3) or 0)))
    busy = [(s, m) for s, m in runs if m]
    moved = sum(m for _, m in busy)
    seconds = sum(s for s, _ in busy)
    idle = sorted(s for s, m in runs if not m)
    return {
        "ticks": len(runs),
        "ticks_moving": len(busy),
        "moved": moved,
        "ms_per_due_escalation": round(seconds * 1000 / moved, 1) if moved else None,
        "largest_tick_moved": max((m for _, m in busy), default=0),
        "empty_tick_ms_median": round(idle[len(idle) // 2] * 1000, 1) if idle else None,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--practices", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--due", type=int, default=2400)
    parser.add_argument("--rate", type=float, default=20.0)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    workdir = Path(tempfile.mkdtemp(prefix="contactpolicy-bench-engine-"))
    stack = Stack(workdir, database_url)
    ok = False
    try:
        recreate_database(database_url)
        stack.start_redis()
        stack.manage("migrate", "--noinput", "-v0", timeout=600)
        django_setup(stack)
        started = time.monotonic()
        ids = build(args.practices, args.clients)
        print(f"built {len(ids):,} open escalations in {time.monotonic() - started:.0f} s")
        stack.manage(
            "shell",
            "-c",
            "from django.db import connection; connection.cursor().execute('ANALYZE')",
        )
        stack.start_engine(concurrency=args.concurrency, LOG_LEVEL="INFO")
        time.sleep(3)
        before = machine.snapshot()
        from django.utils import timezone

        since = timezone.now()
        chosen, last_due = schedule_due(ids, due=args.due, rate=args.rate, lead=2.0)
        found = poll(
            lambda: lateness(chosen, since),
            timeout=(last_due - time.time()) + 300,
            interval=2.0,
            what="every due escalation's step",
        )
        after = machine.snapshot()
        figures = {
            "open_escalations": len(ids),
            "practices": args.practices,
            "due": len(chosen),
            "rate_per_s": args.rate,
            "lateness_ms": percentiles(found),
            "goal_p99_ms": GOAL_P99_MS,
            "tick": tick_cost(stack),
            "machine": machine.described(before, after),
        }
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        runs = results.setdefault("engine_at_scale", {})
        runs[f"{len(ids)} open, {args.rate:g} due per s"] = figures
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        print(json.dumps(figures, indent=2))
        ok = True
        return 0
    finally:
        stack.close()
        if ok and not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            print(f"logs kept in {workdir}", file=sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
