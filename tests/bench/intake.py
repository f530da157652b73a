"""``python -m tests.bench.intake``: the real intake path against a bare INSERT, on the same
gunicorn, under the same closed-loop load from a second process on loopback.

Starts gunicorn (``--preload``, ``--workers 2``, sync workers, as docker-compose.yml runs it, on
``tests.bench.settings``: the dev settings with ``DEBUG=false`` plus the bench-only route
``/bench/bare-insert``) against PostgreSQL (``BENCH_DATABASE_URL``, recreated) and a private
redis-server, builds a practice with 20 clients (each with an accepted agreement, an API token
and a signed-in session), then runs ``tests.bench.loadgen`` for each target in turn:

* ``bare``   - POST /bench/bare-insert: one INSERT of the message row, nothing else;
* ``api``    - POST /api/v1/messages with a bearer token: envelope, triage (rules and the
  language model), decision, contact-log rows, auto-reply, as every client app does;
* ``portal`` - POST /me/messages/new/ with the session and CSRF token: the same, through the form.

Routine messages (scheduling, billing, therapy content) in turn, from the 20 clients in turn.
Writes ``intake_vs_bare_insert`` to tests/bench/results.json: ``intake_per_s`` (the slower of
api and portal), ``bare_per_s``, ``ratio`` (goal >= 0.5), each target's rate and latency, the
queries one intake makes, and the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench import machine
from tests.bench.__main__ import DEFAULT_DATABASE_URL, RESULTS, django_setup, recreate_database
from tests.bench.stack import PYTHON, Process, Stack, free_port, poll

GOAL_RATIO = 0.5
CSRF = "benchcsrfsecret0123456789abcdefg"  # a 32-character CSRF secret, as Django stores one
BODIES = [
    "Can we move Tuesday's session to 3pm? ({n})",
    "I have a question about invoice {n}, it looks like I was charged twice.",
    "Something came up at work this week that I want to talk through next time ({n}).",
    "Could you send me the form for my insurance again? Reference {n}",
]
PURPOSES = ["logistics", "logistics", "clinical", "logistics"]


def build_practice(clients: int) -> list[dict]:
    """A practice, a therapist and ``clients`` clients with accepted agreements, API tokens and
    sessions; returns what the load generator needs per client."""
    from django.conf import settings
    from django.test import Client

    from agreements import services, tokens
    from tests.bench.__main__ import make_practice

    practice, members = make_practice(clients)
    senders = []
    for member in members:
        therapist_user = member.therapist.user
        draft = services.agreement_start_draft(client=member, by=therapist_user)
        services.agreement_propose(agreement=draft, by=therapist_user)
        services.agreement_accept(agreement=draft, by=member.user)
        _, raw_token = tokens.api_token_create(user=member.user, name="bench")
        browser = Client()
        browser.force_login(member.user)
        senders.append(
            {
                "practice_id": practice.pk,
                "client_id": member.pk,
                "token": raw_token,
                "session": browser.cookies[settings.SESSION_COOKIE_NAME].value,
                "session_cookie": settings.SESSION_COOKIE_NAME,
                "csrf_cookie": settings.CSRF_COOKIE_NAME,
            }
        )
    return senders


def targets(kind: str, senders: list[dict]) -> tuple[str, list[dict], list[int]]:
    from urllib.parse import urlencode

    out = []
    for index, sender in enumerate(senders):
        body, purpose = BODIES[index % len(BODIES)], PURPOSES[index % len(PURPOSES)]
        if kind == "bare":
            out.append(
                {
                    "path": "/bench/bare-insert",
                    "headers": {
                        "Content-Type": "text/plain; charset=utf-8",
                        "X-Bench-Sender": f"{sender['practice_id']}:{sender['client_id']}",
                    },
                    "body": body,
                }
            )
        elif kind == "api":
            out.append(
                {
                    "path": "/api/v1/messages",
                    "headers": {
                        "Content-Type": "application/json",
                        "Authorization": f"Bearer {sender['token']}",
                    },
                    "body": json.dumps({"body": body, "purpose": purpose, "emergency": False}),
                }
            )
        else:
            form = urlencode(
                {
                    "csrfmiddlewaretoken": CSRF,
                    "emergency": "no",
                    "purpose": purpose,
                    "body": body,
                }
            ).replace("%7Bn%7D", "{n}")
            out.append(
                {
                    "path": "/me/messages/new/",
                    "headers": {
                        "Content-Type": "application/x-www-form-urlencoded",
                        "Cookie": f"{sender['session_cookie']}={sender['session']}; "
                        f"{sender['csrf_cookie']}={CSRF}",
                    },
                    "body": form,
                }
            )
    ok = {"bare": [201], "api": [201], "portal": [302]}[kind]
    return kind, out, ok


def queries_per_intake(senders: list[dict]) -> dict:
    """The queries one API intake and one portal intake make, counted in this process through
    Django's test client (same settings and middleware as the gunicorn workers)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    sender = senders[0]
    counts = {}
    api = Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {sender['token']}")
    payload = {"body": "Can we move Friday to 4pm?", "purpose": "logistics", "emergency": False}
    api.post("/api/v1/messages", payload, content_type="application/json")  # warm
    with CaptureQueriesContext(connection) as captured:
        response = api.post("/api/v1/messages", payload, content_type="application/json")
    assert response.status_code == 201, response.status_code
    counts["api"] = len(captured)
    portal = Client(SERVER_NAME="localhost")
    portal.cookies[sender["session_cookie"]] = sender["session"]
    form = {"emergency": "no", "purpose": "logistics", "body": "Can we move Friday to 4pm?"}
    portal.post("/me/messages/new/", form)
    with CaptureQueriesContext(connection) as captured:
        response = portal.post("/me/messages/new/", form)
    assert response.status_code == 302, response.status_code
    counts["portal"] = len(captured)
    return counts


def start_gunicorn(stack: Stack, port: int, workers: int) -> Process:
    argv = [
        PYTHON,
        "-m",
        "gunicorn",
        "contactpolicy.wsgi:application",
        "--preload",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        "--backlog=256",
    ]
    env = stack.env(DJANGO_SETTINGS_MODULE="tests.bench.settings", LOG_LEVEL="WARNING")
    process = Process("gunicorn", argv, env, stack.workdir / "gunicorn.log").start()
    stack.processes.append(process)

    def answering() -> bool:
        import http.client

        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return process.log().count("Booting worker") >= workers
        except OSError:
            return False

    poll(answering, timeout=120, interval=0.2, what="gunicorn")
    return process


def load(port: int, kind: str, senders: list[dict], args, workdir: Path) -> dict:
    name, path_targets, ok = targets(kind, senders)
    spec = {
        "host": "127.0.0.1",
        "port": port,
        "method": "POST",
        "targets": path_targets,
        "ok": ok,
        "seconds": args.seconds,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
    }
    spec_path = workdir / f"load-{name}.json"
    spec_path.write_text(json.dumps(spec))
    before = machine.snapshot()
    result = subprocess.run(
        [PYTHON, "-m", "tests.bench.loadgen", str(spec_path)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    line = next(x for x in result.stdout.splitlines() if x.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["machine"] = machine.described(before, machine.snapshot())
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    workdir = Path(tempfile.mkdtemp(prefix="contactpolicy-bench-intake-"))
    stack = Stack(workdir, database_url)
    ok = False
    try:
        recreate_database(database_url)
        stack.start_redis()
        stack.manage("migrate", "--noinput", "-v0", timeout=600)
        django_setup(stack)
        senders = build_practice(args.clients)
        queries = queries_per_intake(senders)
        port = free_port()
        web = start_gunicorn(stack, port, args.workers)
        measured = {
            kind: load(port, kind, senders, args, workdir) for kind in ("bare", "api", "portal")
        }
        from tests.bench.model_memory import tree

        memory_after_load = tree(web)
        for kind, figures in measured.items():
            if figures["errors"]:
                raise SystemExit(f"{kind}: {figures['errors']} errors: {figures['statuses']}")
        slower = min(("api", "portal"), key=lambda kind: measured[kind]["per_s"])
        intake = measured[slower]["per_s"]
        bare = measured["bare"]["per_s"]
        figures = {
            "intake_per_s": intake,
            "bare_per_s": bare,
            "ratio": round(intake / bare, 3) if bare else None,
            "goal_ratio": GOAL_RATIO,
            "intake_path": slower,
            "p99_ms": {kind: measured[kind]["p99_ms"] for kind in measured},
            "by_target": measured,
            "queries_per_intake": queries,
            # Each gunicorn process after serving every request above (MB; USS = private).
            "gunicorn_memory_after_load_mb": memory_after_load,
            "config": {
                "gunicorn_workers": args.workers,
                "concurrency": args.concurrency,
                "seconds": args.seconds,
                "clients": args.clients,
            },
        }
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["intake_vs_bare_insert"] = figures
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        for kind, f in measured.items():
            print(
                f"{kind:7} {f['per_s']:7.1f}/s  p50 {f['p50_ms']:7.1f} ms"
                f"  p99 {f['p99_ms']:7.1f} ms"
                f"  (n {f['n']}, load {f['machine']['load_average_before'][0]}"
                f"→{f['machine']['load_average_after'][0]})"
            )
        verdict = "meets" if figures["ratio"] and figures["ratio"] >= GOAL_RATIO else "MISSES"
        print(
            f"intake ({slower}) / bare insert = {figures['ratio']} ({verdict} the >= "
            f"{GOAL_RATIO} goal); queries per intake {queries}"
        )
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
