"""The progress helper: counts, rate and the estimate of what is left, with an injected clock."""

import io

from contactpolicy.progress import Progress, format_duration


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_estimate_is_the_average_rate_applied_to_what_is_left():
    clock, stream = Clock(), io.StringIO()
    progress = Progress("Rows", total=1000, stream=stream, clock=clock, interval=0)
    clock.now += 10
    progress.advance(250)  # 25 rows/s so far: 750 left take 30 s
    assert progress.eta_seconds(clock.now) == 30
    assert stream.getvalue().splitlines()[-1] == "Rows: 250/1,000 rows (25%), 25/s, ETA 0:30"


def test_lines_are_written_at_most_once_an_interval_and_once_at_the_end():
    clock, stream = Clock(), io.StringIO()
    progress = Progress("Rows", total=100, stream=stream, clock=clock, interval=5)
    for _ in range(100):
        clock.now += 0.1
        progress.advance()
    progress.finish()
    lines = stream.getvalue().splitlines()
    assert 2 <= len(lines) <= 4, lines
    assert lines[-1].startswith("Rows: 100/100 rows (100%)") and "done in 0:10" in lines[-1]


def test_without_a_total_it_counts_and_says_the_estimate_is_unknown():
    clock, stream = Clock(), io.StringIO()
    progress = Progress("Rows", total=None, stream=stream, clock=clock, interval=0)
    progress.advance(3)
    assert stream.getvalue().strip() == "Rows: 3 rows, ETA unknown"


def test_on_a_terminal_the_line_is_redrawn_in_place():
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    clock, stream = Clock(), Tty()
    with Progress("Rows", total=2, stream=stream, clock=clock, interval=0) as progress:
        clock.now += 1
        progress.advance()
    assert stream.getvalue().startswith("\r\x1b[K") and stream.getvalue().endswith("\n")
    assert stream.getvalue().count("\n") == 1


def test_durations_read_like_a_clock():
    assert format_duration(0) == "0:00"
    assert format_duration(59.6) == "1:00"
    assert format_duration(3725) == "1:02:05"
