"""Benchmark of the escalation engine (``python -m bench``) and the process helpers
(``bench.stack``) it shares with the fault tests in ``tests/services``."""
