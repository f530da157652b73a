"""Progress and an estimated time left for long commands, on stderr.

    with Progress("Re-encrypting", total=rows) as progress:
        for batch in batches:
            ...
            progress.advance(len(batch))

On a terminal the line is redrawn in place; otherwise (a log file, CI) one line is written at
most every ``interval`` seconds, and always one at the end. The estimate is the average rate
so far applied to what is left. Only counts are printed, never data.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO


def command_stream(stderr) -> TextIO:
    """The real stream behind a management command's ``self.stderr`` (Django's OutputWrapper
    adds a newline to every write, which would break the in-place line on a terminal)."""
    return getattr(stderr, "_out", stderr)


def format_duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    def __init__(
        self,
        label: str,
        *,
        total: int | None,
        stream: TextIO | None = None,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        unit: str = "rows",
    ) -> None:
        self.label = label
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.clock = clock
        self.unit = unit
        self.done = 0
        self.started = clock()
        self._last_written: float | None = None
        self._in_place = bool(getattr(self.stream, "isatty", lambda: False)())

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.finish()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if self.total is not None and self.done >= self.total:
            return  # the last line is finish()'s
        now = self.clock()
        if self._last_written is None or now - self._last_written >= self.interval:
            self._write(self.line(now))

    def finish(self) -> None:
        self._write(self.line(self.clock(), finished=True), end="\n")

    def eta_seconds(self, now: float) -> float | None:
        """Seconds left at the average rate so far; None before anything is done."""
        if self.total is None or self.done <= 0:
            return None
        elapsed = now - self.started
        left = max(self.total - self.done, 0)
        return elapsed / self.done * left

    def line(self, now: float, *, finished: bool = False) -> str:
        elapsed = now - self.started
        if self.total:
            share = min(self.done / self.total, 1.0)
            count = f"{self.done:,}/{self.total:,} {self.unit} ({share:.0%})"
        else:
            count = f"{self.done:,} {self.unit}"
        rate = f"{self.done / elapsed:,.0f}/s" if elapsed > 0 else ""
        parts = [f"{self.label}: {count}"]
        if rate:
            parts.append(rate)
        if finished:
            parts.append(f"done in {format_duration(elapsed)}")
        else:
            eta = self.eta_seconds(now)
            parts.append(f"ETA {format_duration(eta)}" if eta is not None else "ETA unknown")
        return ", ".join(parts)

    def _write(self, text: str, end: str = "") -> None:
        self._last_written = self.clock()
        if self._in_place:
            self.stream.write("\r\x1b[K" + text + end)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
