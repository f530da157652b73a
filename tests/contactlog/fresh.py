"""Helpers for tests that build fresh databases with ``manage.py`` in a subprocess, the way
``make run`` and the compose ``migrate`` service do."""

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from django.conf import settings

from messaging.contactlog import triggers

ROOT = Path(__file__).resolve().parents[2]


def sqlite_env(tmp_path: Path) -> tuple[dict[str, str], Path]:
    """Environment for ``manage.py`` subprocesses on a database file only they touch."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="contactpolicy.settings.test",
        SQLITE_PATH=str(tmp_path / "fresh.sqlite3"),
        CONTACTPOLICY_VAR_DIR=str(tmp_path),
    )
    return env, tmp_path / "fresh.sqlite3"


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def sqlite_triggers(path: Path) -> set[str]:
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


def attempt_rewrites(env) -> list[str]:
    result = manage(env, "shell", "--no-imports", "-c", ATTEMPTS)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def postgres_admin_dsn(dbname: str) -> str:
    base = settings.DATABASES["default"]
    dsn = f"host={base['HOST']} port={base['PORT'] or 5432} user={base['USER']} dbname={dbname}"
    return dsn + (f" password={base['PASSWORD']}" if base.get("PASSWORD") else "")


def postgres_url(dbname: str) -> str:
    base = settings.DATABASES["default"]
    password = f":{base['PASSWORD']}" if base.get("PASSWORD") else ""
    return f"postgres://{base['USER']}{password}@{base['HOST']}:{base['PORT'] or 5432}/{dbname}"
