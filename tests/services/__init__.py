"""Fault tests with real processes: Celery worker(s) and beat, PostgreSQL, a private Redis."""
