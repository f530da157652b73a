"""``python -m tests.bench.triage_long``: how long triage takes on a 1,000,000-character body.

No database, no services: the detector alone (rules and language model), in this process.
Times ``detect`` on an ordinary 1 MB body (the rules find no crisis, so the model reads its
windows: the slowest case) and on the same body with a crisis sentence at its start, middle
and end (the rules say crisis; the model is not asked), then on a typical short message.
Then the throughput on the labelled dev messages (``messaging/triage/data/dev.jsonl``), one
message after another on one core (this process pinned to one CPU, BLAS on one thread): rules
only, and rules with the model. Writes ``triage_1mb_ms``, ``triage_short_ms`` and
``triage_msgs_per_s`` (messages per second, the p50 and p95 per message, and the load average)
to tests/bench/results.json (other keys are kept) and prints a table. See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results.json"
GOAL_MS = 2000
SHORT_MESSAGE = "Hi, can we move Thursday's session to 3pm? Work changed my shift."
CRISIS_SENTENCE = "I am going to kill myself tonight."


def measure(detect, text: str, runs: int) -> dict:
    """Median and max wall time, and median CPU time of this process, in ms."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        detection = detect(text)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return {
        "median": round(statistics.median(walls), 1),
        "max": round(max(walls), 1),
        "cpu_median": round(statistics.median(cpus), 1),
        "n": runs,
        "category": str(detection.category),
        "model_windows": len(detection.model_windows),
    }


DEV = Path(__file__).resolve().parents[2] / "messaging" / "triage" / "data" / "dev.jsonl"


def throughput(detect, texts: list[str], use_model: bool) -> dict:
    """Messages per second and the p50/p95 per message, one message after another."""
    times = []
    started = time.perf_counter()
    for text in texts:
        before = time.perf_counter()
        detect(text, use_model=use_model)
        times.append((time.perf_counter() - before) * 1000)
    elapsed = time.perf_counter() - started
    times.sort()
    return {
        "msgs_per_s": round(len(texts) / elapsed, 1),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
        "max_ms": round(times[-1], 2),
        "messages": len(texts),
    }


def one_core() -> int | None:
    """Pin this process to one CPU (the one it is on), where the platform allows it."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpu = sorted(os.sched_getaffinity(0))[0]
    os.sched_setaffinity(0, {cpu})
    return cpu


def write_results(measured: dict) -> None:
    results = {}
    if RESULTS.exists():
        try:
            results = json.loads(RESULTS.read_text())
        except json.JSONDecodeError:
            results = {}
    results.update(measured)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.bench.triage_long", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per 1 MB case (median)")
    parser.add_argument("--short-runs", type=int, default=50, help="runs of the short message")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    from messaging.triage import limits, second_opinion
    from messaging.triage.detector import detect
    from tests.triage.long_texts import ordinary_prose, with_sentence

    if second_opinion.load_encoder() is None or second_opinion.load_head() is None:
        print("warning: the language model is not installed; timing the rules alone")
    load_at_start = os.getloadavg()[0]
    detect(SHORT_MESSAGE)  # the model's weights and the lexicon's index, loaded once
    body = ordinary_prose(limits.MESSAGE_BODY_MAX_CHARS)
    room = len(CRISIS_SENTENCE) + 1
    cases = {"ordinary": body}
    for where in ("start", "middle", "end"):
        cases[f"crisis_{where}"] = with_sentence(body[:-room], CRISIS_SENTENCE, where)
    by_case = {name: measure(detect, text, args.runs) for name, text in cases.items()}
    for name, result in by_case.items():
        expected = "crisis" if name.startswith("crisis") else None
        if expected and result["category"] != expected:
            raise SystemExit(f"{name}: triaged {result['category']}, not crisis")
        if not expected and result["category"] == "crisis":
            raise SystemExit(f"{name}: an ordinary body was triaged crisis")
    slowest = max(by_case.values(), key=lambda r: r["median"])
    measured = {
        "triage_1mb_ms": {
            "median": slowest["median"],
            "cpu_median": slowest["cpu_median"],
            "goal": GOAL_MS,
            "chars": limits.MESSAGE_BODY_MAX_CHARS,
            "by_case": by_case,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(),
            "load_average_at_start": round(load_at_start, 2),
        },
        "triage_short_ms": measure(detect, SHORT_MESSAGE, args.short_runs),
    }
    cpu = one_core()
    texts = [
        json.loads(line)["text"]
        for line in DEV.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    load_before = os.getloadavg()[0]
    rules_only = throughput(detect, texts, use_model=False)
    with_model = throughput(detect, texts, use_model=True)
    measured["triage_msgs_per_s"] = {
        "rules_only": rules_only,
        "with_model": with_model,
        "one_core": cpu is not None,
        "load_average_at_start": round(load_before, 2),
        "load_average_at_end": round(os.getloadavg()[0], 2),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    print(f"\n{'triage (ms)':34} {'median':>9} {'cpu':>9} {'max':>9}  windows  category")
    rows = [(f"1 MB, {name}", r) for name, r in by_case.items()]
    rows.append(("short message", measured["triage_short_ms"]))
    for label, r in rows:
        print(
            f"{label:34} {r['median']:>9.1f} {r['cpu_median']:>9.1f} {r['max']:>9.1f}"
            f"  {r['model_windows']:>7}  {r['category']}"
        )
    print(f"\n{'dev messages, one core':34} {'msgs/s':>9} {'p50 ms':>9} {'p95 ms':>9}")
    for label, r in (("rules only", rules_only), ("rules and model", with_model)):
        print(f"{label:34} {r['msgs_per_s']:>9.1f} {r['p50_ms']:>9.2f} {r['p95_ms']:>9.2f}")
    print(
        f"load average {measured['triage_msgs_per_s']['load_average_at_start']} at start, "
        f"{measured['triage_msgs_per_s']['load_average_at_end']} at end"
    )
    verdict = "met" if slowest["median"] <= GOAL_MS else "MISSED"
    print(f"\ntriage_1mb_ms {slowest['median']:.0f} (goal {GOAL_MS}): {verdict}")
    if not args.no_write:
        write_results(measured)
        print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
