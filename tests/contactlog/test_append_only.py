"""The contact log is append-only on every database made by ``migrate``, with no help.

No fixture installs the triggers: the suite's own database is made by migrations, and the
subprocess tests build fresh databases with ``manage.py migrate`` alone, the way ``make run``
and the compose ``migrate`` service do.
"""

import os
import sqlite3
import uuid

import pytest
from django.db import DatabaseError, connection, transaction

from messaging.contactlog import triggers
from messaging.contactlog.services import contact_event_record
from messaging.models import ContactEvent, EventType
from tests.contactlog.fresh import (
    attempt_rewrites,
    manage,
    postgres_admin_dsn,
    postgres_url,
    sqlite_triggers,
)

ON_POSTGRES = connection.vendor == "postgresql"


def _record(world) -> ContactEvent:
    with transaction.atomic():
        return contact_event_record(
            practice=world.practice,
            event_type=EventType.PRACTICE_SETTINGS_CHANGED,
            actor=world.admin.user,
            summary="Office hours changed",
        )


def test_the_suites_migrated_database_refuses_update_and_delete(world):
    event = _record(world)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ContactEvent.objects.filter(pk=event.pk).update(summary="rewritten")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ContactEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.summary == "Office hours changed"


def test_the_check_fails_without_the_triggers_and_install_after_migrate_restores_them(world):
    assert triggers.check_append_only() == []
    with transaction.atomic():
        triggers.remove(connection)
        errors = triggers.check_append_only()
        assert [error.id for error in errors] == ["contactlog.E001"]
        assert "contact_log_no_update" in errors[0].msg
        triggers.install_after_migrate(using="default")
        assert triggers.check_append_only() == []
        assert triggers.missing(connection) == []


# Fresh databases made by manage.py in a subprocess (tests.contactlog.fresh) ---------------------


def test_a_fresh_sqlite_database_made_by_migrate_refuses_update_and_delete(fresh_sqlite):
    env, path = fresh_sqlite
    checked = manage(env, "check")  # before migrate: no table yet, nothing to refuse
    assert checked.returncode == 0, checked.stderr
    migrated = manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert sqlite_triggers(path) == {"contact_log_no_update", "contact_log_no_delete"}
    assert attempt_rewrites(env) == [
        "REFUSED UPDATE True",
        "REFUSED DELETE True",
        "ROWS ['kept']",
    ]


def test_a_migration_that_rebuilds_the_table_does_not_lose_the_triggers(fresh_sqlite):
    """0003 alters the log table, which SQLite does by rebuilding it (the triggers of 0002 go
    with the old table); the post_migrate receiver puts them back."""
    env, path = fresh_sqlite
    stopped = manage(env, "migrate", "messaging", "0003_messages_and_triage", "--noinput")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert sqlite_triggers(path) == {"contact_log_no_update", "contact_log_no_delete"}


def test_the_check_refuses_to_start_without_the_triggers_but_never_blocks_migrate(fresh_sqlite):
    env, path = fresh_sqlite
    assert manage(env, "migrate", "messaging", "0010", "--noinput").returncode == 0
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER contact_log_no_update")
    # Unapplied migrations: migrate is about to repair it, so only a warning.
    pending = manage(env, "check")
    assert pending.returncode == 0 and "contactlog.W001" in pending.stderr + pending.stdout
    assert manage(env, "migrate", "--noinput").returncode == 0
    assert "contact_log_no_update" in sqlite_triggers(path)
    # Fully migrated and a trigger dropped behind the app's back: every start refuses.
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER contact_log_no_delete")
    refused = manage(env, "check")
    assert refused.returncode != 0 and "contactlog.E001" in refused.stderr
    assert manage(env, "runstack", "--help").returncode == 0  # --help skips the checks
    repaired = manage(env, "migrate", "--skip-checks", "--noinput")
    assert repaired.returncode == 0, repaired.stderr
    assert manage(env, "check").returncode == 0


@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL=postgres://…")
def test_a_fresh_postgres_database_made_by_migrate_refuses_update_delete_and_truncate():
    import psycopg

    name = f"cp_fresh_log_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": postgres_url(name)}
        env["DJANGO_SETTINGS_MODULE"] = "contactpolicy.settings.test"
        migrated = manage(env, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert attempt_rewrites(env) == [
            "REFUSED UPDATE True",
            "REFUSED DELETE True",
            "REFUSED TRUNCATE True",
            "ROWS ['kept']",
        ]
        assert manage(env, "check").returncode == 0
    finally:
        with psycopg.connect(postgres_admin_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
