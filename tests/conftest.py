"""Shared fixtures: a small world of two practices and every kind of person in them."""

import os
from dataclasses import dataclass

import pytest
from django.db import connections

from agreements import services
from agreements.models import Membership, Practice, Role, User

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by fixtures
# in that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    practice: Practice
    other_practice: Practice
    admin: Membership
    therapist: Membership
    other_therapist: Membership
    client: Membership
    other_client: Membership
    other_admin: Membership
    operator: Membership


def sign_in(client, membership: Membership) -> None:
    """Sign the Django test client in as ``membership``'s person."""
    assert client.login(email=membership.user.email, password=PASSWORD)


def make_user(email: str, name: str) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, name=name)


def make_member(email: str, name: str, practice: Practice, role: Role, **extra) -> Membership:
    return services.membership_create(
        user=make_user(email, name), practice=practice, role=role, **extra
    )


@pytest.fixture
def world(db) -> World:
    practice = services.practice_create(name="Harbour Therapy", country="US")
    other_practice = services.practice_create(name="Hillside Counselling", country="GB")
    therapist = make_member("t@harbour.test", "Tess Therapist", practice, Role.THERAPIST)
    other_therapist = make_member(
        "t2@harbour.test", "Owen Other", practice, Role.THERAPIST, on_call_eligible=True
    )
    return World(
        practice=practice,
        other_practice=other_practice,
        admin=make_member("admin@harbour.test", "Ada Admin", practice, Role.ADMIN),
        therapist=therapist,
        other_therapist=other_therapist,
        client=make_member(
            "client@harbour.test", "Cleo Client", practice, Role.CLIENT, therapist=therapist
        ),
        other_client=make_member(
            "client2@harbour.test", "Bo Other", practice, Role.CLIENT, therapist=other_therapist
        ),
        other_admin=make_member("admin@hillside.test", "Hal Hill", other_practice, Role.ADMIN),
        operator=make_member("operator@harbour.test", "Opal Operator", practice, Role.OPERATOR),
    )


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
