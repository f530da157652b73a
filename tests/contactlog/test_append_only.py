"""The contact log is append-only on every database made by ``migrate``, with no help.

No fixture installs the triggers: the suite's own database is made by migrations, and the
subprocess tests build fresh databases with ``manage.py migrate`` alone, the way ``make run``
and the compose ``migrate`` service do.
"""

import os
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import DatabaseError, connection, transaction

from messaging.contactlog import triggers
from messaging.contactlog.services import contact_event_record
from messaging.models import ContactEvent, EventType

ROOT = Path(__file__).resolve().parents[2]
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


# Fresh databases made by manage.py in a subprocess ---------------------------------------------


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def fresh_sqlite(tmp_path):
    """A database file that only ``manage.py`` subprocesses touch."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.test",
        SQLITE_PATH=str(tmp_path / "fresh.sqlite3"),
        CONTACTPOLICY_VAR_DIR=str(tmp_path),
    )
    return env, tmp_path / "fresh.sqlite3"


def _sqlite_triggers(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                [triggers.TABLE],
            )
        }


# Run in the fresh database by ``manage.py shell``: one event through the one writer, then plain
# SQL that tries to rewrite it, as a raw database session would.
ATTEMPTS = """
from django.db import DatabaseError, connection, transaction
from agreements import services
from messaging.contactlog.services import contact_event_record
from messaging.models import EventType

practice = services.practice_create(name="Fresh", country="US")
with transaction.atomic():
    contact_event_record(
        practice=practice, event_type=EventType.PRACTICE_SETTINGS_CHANGED, summary="kept"
    )
statements = ["UPDATE messaging_contactevent SET summary = 'rewritten'",
              "DELETE FROM messaging_contactevent"]
if connection.vendor == "postgresql":
    statements.append("TRUNCATE messaging_contactevent CASCADE")
for sql in statements:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        print("ALLOWED", sql.split()[0])
    except DatabaseError as error:
        print("REFUSED", sql.split()[0], "append-only" in str(error))
with connection.cursor() as cursor:
    cursor.execute("SELECT summary FROM messaging_contactevent")
    print("ROWS", [row[0] for row in cursor.fetchall()])
"""


def _attempt_rewrites(env) -> list[str]:
    result = _manage(env, "shell", "--no-imports", "-c", ATTEMPTS)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def test_a_fresh_sqlite_database_made_by_migrate_refuses_update_and_delete(fresh_sqlite):
    env, path = fresh_sqlite
    checked = _manage(env, "check")  # before migrate: no table yet, nothing to refuse
    assert checked.returncode == 0, checked.stderr
    migrated = _manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert _sqlite_triggers(path) == {"contact_log_no_update", "contact_log_no_delete"}
    assert _attempt_rewrites(env) == [
        "REFUSED UPDATE True",
        "REFUSED DELETE True",
        "ROWS ['kept']",
    ]


def test_a_migration_that_rebuilds_the_table_does_not_lose_the_triggers(fresh_sqlite):
    """0003 alters the log table, which SQLite does by rebuilding it (the triggers of 0002 go
    with the old table); the post_migrate receiver puts them back."""
    env, path = fresh_sqlite
    stopped = _manage(env, "migrate", "messaging", "0003_messages_and_triage", "--noinput")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert _sqlite_triggers(path) == {"contact_log_no_update", "contact_log_no_delete"}


def test_the_check_refuses_to_start_without_the_triggers_but_never_blocks_migrate(fresh_sqlite):
    env, path = fresh_sqlite
    assert _manage(env, "migrate", "messaging", "0010", "--noinput").returncode == 0
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER contact_log_no_update")
    # Unapplied migrations: migrate is about to repair it, so only a warning.
    pending = _manage(env, "check")
    assert pending.returncode == 0 and "contactlog.W001" in pending.stderr + pending.stdout
    assert _manage(env, "migrate", "--noinput").returncode == 0
    assert "contact_log_no_update" in _sqlite_triggers(path)
    # Fully migrated and a trigger dropped behind the app's back: every start refuses.
    with sqlite3.connect(path) as db:
        db.execute("DROP TRIGGER contact_log_no_delete")
    refused = _manage(env, "check")
    assert refused.returncode != 0 and "contactlog.E001" in refused.stderr
    assert _manage(env, "runstack", "--help").returncode == 0  # --help skips the checks
    repaired = _manage(env, "migrate", "--skip-checks", "--noinput")
    assert repaired.returncode == 0, repaired.stderr
    assert _manage(env, "check").returncode == 0


def _postgres_admin_dsn(dbname: str) -> str:
    base = settings.DATABASES["default"]
    dsn = f"host={base['HOST']} port={base['PORT'] or 5432} user={base['USER']} dbname={dbname}"
    return dsn + (f" password={base['PASSWORD']}" if base.get("PASSWORD") else "")


def _postgres_url(dbname: str) -> str:
    base = settings.DATABASES["default"]
    password = f":{base['PASSWORD']}" if base.get("PASSWORD") else ""
    return f"postgres://{base['USER']}{password}@{base['HOST']}:{base['PORT'] or 5432}/{dbname}"


@pytest.mark.skipif(not ON_POSTGRES, reason="needs DATABASE_URL=postgres://…")
def test_a_fresh_postgres_database_made_by_migrate_refuses_update_delete_and_truncate():
    import psycopg

    name = f"cp_fresh_log_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(_postgres_admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {**os.environ, "DATABASE_URL": _postgres_url(name)}
        env["DJANGO_SETTINGS_MODULE"] = "contactpolicy.settings.test"
        migrated = _manage(env, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stdout + migrated.stderr
        assert _attempt_rewrites(env) == [
            "REFUSED UPDATE True",
            "REFUSED DELETE True",
            "REFUSED TRUNCATE True",
            "ROWS ['kept']",
        ]
        assert _manage(env, "check").returncode == 0
    finally:
        with psycopg.connect(_postgres_admin_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
