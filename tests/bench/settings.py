"""Settings for the benchmarks' web processes: the real ``dev`` settings (run with
``DEBUG=false``), plus the bench-only routes of ``tests/bench/urls.py``. Production never
loads this module, so those routes exist only here."""

from contactpolicy.settings.dev import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
