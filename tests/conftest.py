"""Shared fixtures: the world of two practices (built in tests.factories) and the contact
log's append-only triggers for every database test."""

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
def _contact_log_triggers(request):
    """Keep the append-only triggers in place for every database test.

    Transactional tests empty the database afterwards, which the append-only log refuses; only
    the database owner can lift the triggers, which is what this throwaway database's teardown
    does. They are put back before the next database test starts.
    """
    names = set(request.fixturenames)
    uses_db = bool(names & {"db", "transactional_db", "live_server"}) or (
        request.node.get_closest_marker("django_db") is not None
    )
    if not uses_db:
        yield
        return
    from messaging.contactlog import triggers as log_triggers

    transactional = bool(names & {"transactional_db", "live_server"}) or getattr(
        request.node.get_closest_marker("django_db"), "kwargs", {}
    ).get("transaction", False)
    request.getfixturevalue("transactional_db" if transactional else "db")
    log_triggers.install(connections["default"])
    yield
    if transactional:
        log_triggers.remove(connections["default"])
