"""``python -m tests.bench.triage_long``: how long triage takes on a 1,000,000-character body.

No database, no services: the detector alone (rules and language model), in this process.
Times ``detect`` on an ordinary 1 MB body (the rules find no crisis, so the model reads its
windows: the slowest case) and on the same body with a crisis sentence at its start, middle
and end (the rules say crisis; the model is not asked), then on a typical short message.
Writes ``triage_1mb_ms`` and ``triage_short_ms`` to tests/bench/results.json (other keys are
kept) and prints a table. See tests/bench/README.md.
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
    print(f"\n{'triage (ms)':34} {'median':>9} {'cpu':>9} {'max':>9}  windows  category")
    rows = [(f"1 MB, {name}", r) for name, r in by_case.items()]
    rows.append(("short message", measured["triage_short_ms"]))
    for label, r in rows:
        print(
            f"{label:34} {r['median']:>9.1f} {r['cpu_median']:>9.1f} {r['max']:>9.1f}"
            f"  {r['model_windows']:>7}  {r['category']}"
        )
    verdict = "met" if slowest["median"] <= GOAL_MS else "MISSED"
    print(f"\ntriage_1mb_ms {slowest['median']:.0f} (goal {GOAL_MS}): {verdict}")
    if not args.no_write:
        write_results(measured)
        print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
