"""What every figure is recorded with: when, the core count and the load average, before and
after, so a figure taken on a loaded (shared) machine says so."""

from __future__ import annotations

import os
from datetime import UTC, datetime


def snapshot() -> dict:
    one, five, fifteen = os.getloadavg()
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": [round(one, 2), round(five, 2), round(fifteen, 2)],
    }


def described(before: dict, after: dict) -> dict:
    """``machine`` for results.json: cores, load before and after, and a plain verdict (loaded
    when the 1-minute load average was above half the cores at either end)."""
    peak = max(before["load_average"][0], after["load_average"][0])
    return {
        "cpus": before["cpus"],
        "started_at": before["at"],
        "load_average_before": before["load_average"],
        "load_average_after": after["load_average"],
        "loaded": peak > before["cpus"] / 2,
    }
