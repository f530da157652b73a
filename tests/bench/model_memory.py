"""``python -m tests.bench.model_memory``: what each web and worker process costs in memory
with the language model loaded once before forking, against each process loading its own.

Starts, one after another: gunicorn with ``--preload`` and 3 workers (as docker-compose.yml
runs it), the same without ``--preload``, and a crisis Celery worker with a prefork pool of 2
(the model is loaded in its parent on ``worker_init``). Once each is up and warm, reads every
process's ``/proc/PID/smaps_rollup``: RSS (counts shared pages in full in every process), PSS
(shared pages divided among their sharers: the honest share of each) and USS (private pages:
what the process would free on exit, i.e. what one more process adds). Writes
``model_memory_mb`` to tests/bench/results.json. Goal: each extra process adds < 60 MB (USS of a
forked worker).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

import psutil

from tests.bench import machine
from tests.bench.__main__ import DEFAULT_DATABASE_URL, RESULTS
from tests.bench.stack import PYTHON, Process, Stack, free_port, poll

GOAL_EXTRA_MB = 60
LOADED = re.compile(r"Crisis second opinion loaded in ([0-9.]+) s")


def memory(pid: int) -> dict:
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as rollup:
        for line in rollup:
            parts = line.split()
            if len(parts) >= 2 and parts[1].isdigit():
                values[parts[0].rstrip(":")] = int(parts[1])
    mb = lambda kb: round(kb / 1024, 1)  # noqa: E731
    return {
        "rss": mb(values.get("Rss", 0)),
        "pss": mb(values.get("Pss", 0)),
        "uss": mb(values.get("Private_Clean", 0) + values.get("Private_Dirty", 0)),
    }


def tree(process: Process) -> list[dict]:
    """The process and its children (gunicorn's workers, Celery's pool), each with its memory.
    The top one is the child of ``nice``/the launcher's exec, i.e. the process itself."""
    top = psutil.Process(process.pid)
    rows = [{"role": "parent", "pid": top.pid, **memory(top.pid)}]
    for child in top.children(recursive=True):
        rows.append({"role": "child", "pid": child.pid, **memory(child.pid)})
    return rows


def summary(rows: list[dict], load_seconds: list[float]) -> dict:
    children = [row for row in rows if row["role"] == "child"]
    return {
        "processes": rows,
        "total_pss": round(sum(row["pss"] for row in rows), 1),
        "total_rss": round(sum(row["rss"] for row in rows), 1),
        "extra_process_uss_max": max((row["uss"] for row in children), default=None),
        "model_load_s": load_seconds,
    }


def gunicorn(stack: Stack, *, preload: bool, workers: int) -> dict:
    port = free_port()
    argv = [
        PYTHON,
        "-m",
        "gunicorn",
        "contactpolicy.wsgi:application",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        *(["--preload"] if preload else []),
    ]
    name = "gunicorn-preload" if preload else "gunicorn"
    process = Process(name, argv, stack.env(), stack.workdir / f"{name}.log").start()
    stack.processes.append(process)
    try:
        poll(
            lambda: (
                len(LOADED.findall(process.log())) >= (1 if preload else workers)
                and process.log().count("Booting worker") >= workers
            ),
            timeout=180,
            interval=0.5,
            what=name,
        )
        time.sleep(2)  # let the workers finish booting
        return summary(tree(process), [float(s) for s in LOADED.findall(process.log())])
    finally:
        process.kill()


def celery(stack: Stack, concurrency: int) -> dict:
    process = stack.start_worker("w1", concurrency=concurrency, LOG_LEVEL="INFO")
    try:
        time.sleep(2)
        return summary(tree(process), [float(s) for s in LOADED.findall(process.log())])
    finally:
        process.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args(argv)
    database_url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_DATABASE_URL
    workdir = Path(tempfile.mkdtemp(prefix="contactpolicy-bench-memory-"))
    stack = Stack(workdir, database_url)
    try:
        stack.start_redis()
        before = machine.snapshot()
        figures = {
            "gunicorn_preload": gunicorn(stack, preload=True, workers=args.workers),
            "gunicorn_no_preload": gunicorn(stack, preload=False, workers=args.workers),
            "celery_prefork": celery(stack, args.concurrency),
            "goal_extra_process_mb": GOAL_EXTRA_MB,
            "machine": machine.described(before, machine.snapshot()),
        }
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        results["model_memory_mb"] = figures
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
        for name in ("gunicorn_preload", "gunicorn_no_preload", "celery_prefork"):
            f = figures[name]
            print(
                f"{name}: total PSS {f['total_pss']} MB, RSS {f['total_rss']} MB, "
                f"extra process USS {f['extra_process_uss_max']} MB, load {f['model_load_s']}"
            )
            for row in f["processes"]:
                print(
                    f"    {row['role']:6} {row['pid']:7}  RSS {row['rss']:6} PSS {row['pss']:6} "
                    f"USS {row['uss']:6}"
                )
        return 0
    finally:
        stack.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
