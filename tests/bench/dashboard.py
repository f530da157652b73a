"""``python -m tests.bench.dashboard``: the oversight dashboard with a year of a busy practice.

Adds messages to the demo practice in the log bench's database (``BENCH_LOG_DATABASE_URL``,
default ``contactpolicy_bench_log``; built by ``tests.bench.contact_log``) until it holds
``--messages`` inbound messages (default 200,000) over the last 365 days, from 100 clients of
two therapists: each with its triage decision (category, disposition, due time, after hours,
over the weekly limit now and then), a reply time for most delivered ones, and an escalation,
mostly acknowledged, for each crisis. Rows are bulk-written (the intake would take hours).
Then times the dashboard page server-side through Django's test client (middleware, queries,
charts, template) for the last 7, 30 and 90 days and the whole year, six rounds after a
warm-up, and counts its queries. Writes ``oversight_dashboard_ms`` (keyed by message count).
Goal: p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
from datetime import timedelta

from tests.bench import machine
from tests.bench.contact_log import DEFAULT_URL, RESULTS, ROOT, _env, percentile

GOAL_P95_MS = 300


def build(wanted: int) -> int:
    """Bulk-write inbound messages (with decisions, reply times and escalations) until the
    demo practice has ``wanted``; runs in a Django process (``--build``)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from agreements.models import Membership, Role, User
    from contactpolicy.management.commands.generate_contact_log import (
        CATEGORY_WEIGHTS,
        HOUR_WEIGHTS,
    )
    from messaging.models import (
        Direction,
        Escalation,
        EscalationState,
        Message,
        MessageStatus,
        TriageDecision,
    )

    admin = Membership.objects.filter(role=Role.ADMIN).order_by("pk").first()
    practice = admin.practice
    have = Message.objects.filter(practice=practice, direction=Direction.INBOUND).count()
    therapists = list(Membership.objects.filter(practice=practice, role=Role.THERAPIST))
    clients = list(
        Membership.objects.filter(
            practice=practice, role=Role.CLIENT, user__email__startswith="bench"
        )
    )
    if len(clients) < 100:
        users = User.objects.bulk_create(
            User(email=f"bench{n}@demo.test", name=f"Bench Client {n}")
            for n in range(len(clients), 100)
        )
        clients += Membership.objects.bulk_create(
            Membership(
                user=user,
                practice=practice,
                role=Role.CLIENT,
                therapist=therapists[n % len(therapists)],
            )
            for n, user in enumerate(users)
        )
    rng = random.Random(have)
    now = timezone.now()
    status = {"escalate": MessageStatus.ESCALATED, "deliver": MessageStatus.DELIVERED}
    severity = {"crisis": 3, "urgent": 2, "clinical": 1, "logistics": 0}
    while have < wanted:
        rows = []
        for _ in range(min(5000, wanted - have)):
            client = rng.choice(clients)
            day = now - timedelta(days=rng.randrange(365))
            hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
            at = day.replace(hour=hour, minute=rng.randrange(60), second=rng.randrange(60))
            if at > now:
                at -= timedelta(days=1)
            category = rng.choices(list(CATEGORY_WEIGHTS), weights=CATEGORY_WEIGHTS.values())[0]
            disposition = {
                "crisis": "escalate",
                "clinical": rng.choice(["hold_for_session", "deliver"]),
            }.get(category, "deliver")
            replied = disposition == "deliver" and rng.random() < 0.85
            rows.append(
                {
                    "client": client,
                    "at": at,
                    "category": category,
                    "disposition": disposition,
                    "after_hours": hour < 8 or hour >= 18,
                    "replied_at": at + timedelta(hours=rng.randrange(1, 60)) if replied else None,
                }
            )
        with transaction.atomic():
            messages = Message.objects.bulk_create(
                Message(
                    practice=practice,
                    client=row["client"],
                    therapist=row["client"].therapist,
                    channel=rng.choice(["portal", "sms", "email"]),
                    direction=Direction.INBOUND,
                    body="(generated)",
                    received_at=row["at"],
                    status=status.get(row["disposition"], MessageStatus.HELD_FOR_SESSION),
                    author=row["client"].user,
                    replied_at=row["replied_at"],
                )
                for row in rows
            )
            decisions = TriageDecision.objects.bulk_create(
                TriageDecision(
                    message=message,
                    category=row["category"],
                    severity=severity[row["category"]],
                    disposition=row["disposition"],
                    response_due_at=row["at"] + timedelta(hours=24)
                    if row["disposition"] == "deliver"
                    else None,
                    declared_category=row["category"],
                    detected_category=row["category"],
                    rules=[],
                    matches=[],
                    suppressed=[],
                    after_hours=row["after_hours"],
                    over_frequency_limit=rng.random() < 0.03,
                    decided_at=row["at"],
                )
                for message, row in zip(messages, rows, strict=True)
            )
            for message, decision in zip(messages, decisions, strict=True):
                message.current_decision = decision
            Message.objects.bulk_update(messages, ["current_decision"], batch_size=1000)
            Escalation.objects.bulk_create(
                Escalation(
                    practice=practice,
                    message=message,
                    client=message.client,
                    therapist=message.therapist,
                    policy_snapshot={},
                    state=EscalationState.RESOLVED
                    if rng.random() < 0.9
                    else EscalationState.EXHAUSTED,
                    step_index=1,
                    cycle=0,
                    started_at=message.received_at,
                    acknowledged_at=message.received_at + timedelta(seconds=rng.randrange(30, 1800))
                    if rng.random() < 0.9
                    else None,
                    acknowledged_by=message.therapist.user,
                )
                for message, row in zip(messages, rows, strict=True)
                if row["disposition"] == "escalate"
            )
        have += len(rows)
    connection.cursor().execute("ANALYZE")
    return have


PROBE = r"""
import json, time
from datetime import timedelta
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone
from agreements.models import Membership, Role
from contactpolicy.demo import demo_password
from tests.factories import sign_in_user

setup_test_environment()
admin = Membership.objects.select_related("user").filter(role=Role.ADMIN).order_by("pk").first()
web = Client()
sign_in_user(web, admin.user, password=demo_password())  # password, then the demo TOTP
url = reverse("oversight_dashboard")
today = timezone.localdate()
periods = {"7": {"days": 7}, "30": {"days": 30}, "90": {"days": 90},
           "365": {"start": (today - timedelta(days=364)).isoformat(), "end": today.isoformat()}}
for params in periods.values():
    assert web.get(url, params).status_code == 200
timings = {name: [] for name in periods}
queries = {}
for _ in range(ROUNDS):
    for name, params in periods.items():
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = web.get(url, params)
            timings[name].append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
        queries[name] = len(captured)
print("RESULT " + json.dumps({"timings": timings, "queries": queries}))
"""


def _shell(database_url: str, code: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=ROOT,
        env=_env(database_url),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"failed:\n{result.stderr[-3000:]}")
    return result.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--build", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.build:
        import django

        django.setup()
        print(f"{build(args.build):,} inbound messages in the demo practice")
        return 0
    database_url = os.environ.get("BENCH_LOG_DATABASE_URL") or DEFAULT_URL
    built = subprocess.run(
        [sys.executable, "-m", "tests.bench.dashboard", "--build", str(args.messages)],
        cwd=ROOT,
        env=_env(database_url),
        check=True,
    )
    assert built.returncode == 0
    before = machine.snapshot()
    out = _shell(database_url, PROBE.replace("ROUNDS", str(args.rounds)))
    after = machine.snapshot()
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    probe = json.loads(line.removeprefix("RESULT "))
    everything = [t for values in probe["timings"].values() for t in values]
    figures = {
        "messages": args.messages,
        "p50": round(percentile(everything, 0.50), 1),
        "p95": round(percentile(everything, 0.95), 1),
        "max": round(max(everything), 1),
        "n": len(everything),
        "by_period_days": {
            name: {
                "p50": round(percentile(values, 0.5), 1),
                "p95": round(percentile(values, 0.95), 1),
                "queries": probe["queries"][name],
            }
            for name, values in probe["timings"].items()
        },
        "goal_p95_ms": GOAL_P95_MS,
        "machine": machine.described(before, after),
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.setdefault("oversight_dashboard_ms", {})[str(args.messages)] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    verdict = "meets" if figures["p95"] < GOAL_P95_MS else "MISSES"
    print(json.dumps(figures, indent=2))
    print(f"oversight dashboard, {args.messages:,} messages: p95 {figures['p95']} ms ({verdict})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
