"""Benchmarks, not tests: the escalation engine (``python -m tests.bench``), the contact-log page
(``python -m tests.bench.contact_log``) and the process helpers (``tests.bench.stack``) they share
with the fault tests in ``tests/services``. No module here is named ``test_*``, so pytest collects
none of them."""
