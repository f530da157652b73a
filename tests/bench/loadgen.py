"""``python -m tests.bench.loadgen SPEC.json``: closed-loop HTTP load from its own process.

``concurrency`` threads each send a request, wait for its answer, and send the next, for
``seconds`` (after ``warmup`` seconds not counted). Each request is ``method path`` with
``headers`` and a body from ``bodies`` (taken in turn, ``{n}`` replaced by a counter), to
``host:port`` on a fresh connection (gunicorn's sync workers close each one). An answer whose
status is not in ``ok`` counts as an error. Prints one line ``RESULT {json}``: requests per
second, latency percentiles (ms), errors, and the statuses seen.
"""

from __future__ import annotations

import http.client
import itertools
import json
import sys
import threading
import time
from collections import Counter


def run(spec: dict) -> dict:
    counter = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter = Counter()
    errors = 0
    started = time.monotonic()
    counting_from = started + spec.get("warmup", 2.0)
    stop_at = counting_from + spec["seconds"]
    targets = spec["targets"]  # [{"path", "headers", "body"}], one per simulated client

    def loop() -> None:
        nonlocal errors
        while True:
            n = next(counter)
            target = targets[n % len(targets)]
            body = target["body"].replace("{n}", str(n)).encode()
            began = time.monotonic()
            if began >= stop_at:
                return
            try:
                conn = http.client.HTTPConnection(spec["host"], spec["port"], timeout=60)
                conn.request(spec["method"], target["path"], body=body, headers=target["headers"])
                response = conn.getresponse()
                response.read()
                status = response.status
                conn.close()
            except OSError:
                status = 0
            ended = time.monotonic()
            if began >= counting_from and ended <= stop_at:
                with lock:
                    latencies.append((ended - began) * 1000)
                    statuses[status] += 1
                    if status not in spec["ok"]:
                        errors += 1

    threads = [threading.Thread(target=loop) for _ in range(spec["concurrency"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]

    def rank(p: float) -> float:
        return round(ordered[max(int(p / 100 * len(ordered) + 0.999999) - 1, 0)], 1)

    return {
        "per_s": round(len(latencies) / spec["seconds"], 1),
        "n": len(latencies),
        "p50_ms": rank(50),
        "p99_ms": rank(99),
        "max_ms": round(ordered[-1], 1),
        "errors": errors,
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print("RESULT " + json.dumps(run(json.load(handle))), flush=True)
