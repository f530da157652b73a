"""Shared fixtures: the world of two practices (built in tests.factories), and the teardown
that lets a transactional test empty its database past the contact log's triggers."""

import os

import pytest
from django.db import connections

from tests.factories import World, make_world

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures
# in that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def world(db) -> World:
    return make_world()


@pytest.fixture(autouse=True)
def _contact_log_flush(request):
    """Let a transactional test's teardown empty the database; install nothing.

    The test databases are made by ``migrate`` alone, so the contact log's append-only triggers
    are there, put in place by the messaging app's ``post_migrate`` receiver like on any other
    database (tests/contactlog/test_append_only.py proves a migrated database refuses UPDATE
    and DELETE). Ordinary tests roll back and need nothing here.

    A transactional test (``transactional_db``, ``live_server``, ``django_db(transaction=True)``)
    commits, and pytest-django empties the database afterwards with ``flush``, which the log
    rightly refuses (DELETE on SQLite, TRUNCATE on PostgreSQL). So only at teardown, just before
    that flush, the triggers are lifted, as the throwaway database's owner; ``flush`` ends by
    sending ``post_migrate``, whose receiver (``triggers.install_after_migrate``, the one that
    runs after every migrate) puts them back. Each transactional test first checks that they
    are in place, so a flush that did not restore them fails the next one loudly.
    """
    names = set(request.fixturenames)
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(names & {"transactional_db", "live_server"}) or (
        marker is not None and marker.kwargs.get("transaction", False)
    )
    if not transactional:
        yield
        return
    from messaging.contactlog import triggers as log_triggers

    # Requested here so that this teardown runs before transactional_db's flush.
    request.getfixturevalue("transactional_db")
    connection = connections["default"]
    assert not log_triggers.missing(connection), "the contact log's triggers are missing"
    yield
    log_triggers.remove(connection)
