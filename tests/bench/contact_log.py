"""``python -m tests.bench.contact_log``: the contact-log review page with a million rows on
PostgreSQL.

Builds (or reuses, with ``--reuse``) a database ``contactpolicy_bench_log`` holding the demo
practice and ``--rows`` generated log rows (``manage.py generate_contact_log``), then times the
admin's filtered review page server-side through Django's test client: the full request
(middleware, queries, template) for a mix of filters and deep keyset pages. Adds
``contact_log_page_ms`` (``{"p50", "p95", "max", "n"}``) to tests/bench/results.json.
Goal: p95 < 100 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from tests.bench import machine

ROOT = Path(__file__).resolve().parents[2]
RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/contactpolicy_bench_log"
GOAL_P95_MS = 100


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL="redis://127.0.0.1:1/0",  # never used: nothing is enqueued here
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.dev",
        DEBUG="false",
    )
    return env


def _manage(database_url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=_env(database_url), check=True
    )


def prepare(database_url: str, rows: int, reuse: bool) -> None:
    from tests.bench.__main__ import recreate_database

    if reuse and _row_count(database_url) >= rows:
        print(f"reusing {database_url} ({rows:,}+ rows)")
        return
    recreate_database(database_url)
    _manage(database_url, "migrate", "--noinput", "-v0")
    _manage(database_url, "seed_demo")
    started = time.monotonic()
    _manage(database_url, "generate_contact_log", "--rows", str(rows))
    print(f"generated {rows:,} rows in {time.monotonic() - started:.0f} s")
    _manage(
        database_url,
        "shell",
        "--no-imports",
        "-c",
        "from django.db import connection; "
        "connection.cursor().execute('ANALYZE messaging_contactevent')",
    )


def _row_count(database_url: str) -> int:
    import psycopg

    try:
        with psycopg.connect(database_url.replace("postgres://", "postgresql://")) as conn:
            return conn.execute("SELECT count(*) FROM messaging_contactevent").fetchone()[0]
    except psycopg.Error:
        return 0


PROBE = r"""
import json, time
from datetime import timedelta
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from django.utils import timezone
from agreements.models import Membership, Role
from contactpolicy.demo import demo_password
from tests.factories import sign_in_user

setup_test_environment()  # the test client's host, and page context for the keyset cursor
admin = Membership.objects.select_related("user").filter(role=Role.ADMIN).first()
therapist = Membership.objects.filter(practice=admin.practice, role=Role.THERAPIST).first()
client_m = Membership.objects.filter(practice=admin.practice, role=Role.CLIENT).first()
web = Client()
sign_in_user(web, admin.user, password=demo_password())  # password, then the demo TOTP
url = reverse("contact_log")
week_ago = (timezone.localdate() - timedelta(days=7)).isoformat()
filters = [
    {}, {"category": "crisis"}, {"channel": "sms"}, {"therapist": therapist.pk},
    {"client": client_m.pk}, {"event_type": "escalation.acknowledged"},
    {"disposition": "hold_for_session"}, {"start": week_ago},
    {"category": "crisis", "start": week_ago}, {"client": client_m.pk, "channel": "email"},
]
from django.db import connection
from django.test.utils import CaptureQueriesContext
timings = []
queries = set()
def timed(params):
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        response = web.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    queries.add(len(captured))
    assert response.status_code == 200
    return response.context["page"].older
for _ in range(ROUNDS):
    for params in filters:
        older = timed(params)
        for _ in range(3):  # follow the keyset a few pages deep
            if older is None:
                break
            older = timed({**params, "before": older.encode()})
print("RESULT " + json.dumps({"timings": timings, "queries": sorted(queries)}))
"""


def measure(database_url: str, rounds: int) -> dict:
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            PROBE.replace("ROUNDS", str(rounds)),
        ],
        cwd=ROOT,
        env=_env(database_url),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"the probe failed:\n{result.stderr[-3000:]}")
    line = next(line for line in result.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p
    low, high = int(rank), min(int(rank) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--reuse", action="store_true", help="keep an existing filled database")
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_LOG_DATABASE_URL") or DEFAULT_URL
    prepare(database_url, args.rows, args.reuse)
    rows = _row_count(database_url)
    measure(database_url, 1)  # warm the caches and the process
    before = machine.snapshot()
    probe = measure(database_url, args.rounds)
    after = machine.snapshot()
    timings = probe["timings"]
    figures = {
        "p50": round(percentile(timings, 0.50), 1),
        "p95": round(percentile(timings, 0.95), 1),
        "max": round(max(timings), 1),
        "n": len(timings),
        "rows": rows,
        # Distinct query counts seen per request: one number means constant.
        "queries_per_page": probe["queries"],
        "machine": machine.described(before, after),
    }
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["contact_log_page_ms"] = figures
    results.setdefault("contact_log_page_ms_by_rows", {})[str(rows)] = figures
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    verdict = "meets" if figures["p95"] < GOAL_P95_MS else "MISSES"
    print(
        f"contact_log_page_ms over {figures['n']} requests on {rows:,} rows: "
        f"p50 {figures['p50']} ms, p95 {figures['p95']} ms, max {figures['max']} ms "
        f"({verdict} the p95 < {GOAL_P95_MS} ms goal)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
