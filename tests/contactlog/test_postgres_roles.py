"""PostgreSQL: run as the role docker/postgres-roles.sql makes for it, the app cannot rewrite the
contact log or lift its triggers; the owner role runs the migrations.

A fresh database and two roles made for this test (names prefixed ``lc_`` and a random part),
dropped at the end; ``migrate`` runs as the owner and the app as the app role, as in compose.
"""

import uuid
from pathlib import Path

import pytest
from django.db import connection

from tests.contactlog.fresh import manage, postgres_admin_dsn, postgres_url

ROLES_SQL = Path(__file__).resolve().parents[2] / "docker" / "postgres-roles.sql"

pytestmark = [
    pytest.mark.services,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs DATABASE_URL=postgres://…"),
]


@pytest.fixture
def roles_database():
    import psycopg

    tag = uuid.uuid4().hex[:8]
    name, owner, app = f"cp_roles_{tag}", f"lc_{tag}_owner", f"lc_{tag}_app"
    with psycopg.connect(postgres_admin_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(postgres_admin_dsn(name), autocommit=True) as db:
            db.execute(f"SET contactpolicy.owner_role = '{owner}'")
            db.execute(f"SET contactpolicy.app_role = '{app}'")
            db.execute(ROLES_SQL.read_text())
        yield name, owner, app
    finally:
        with psycopg.connect(postgres_admin_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'DROP ROLE IF EXISTS "{app}"')
            admin.execute(f'DROP ROLE IF EXISTS "{owner}"')


def _as(role: str, database: str) -> dict[str, str]:
    import os

    url = postgres_url(database).replace("://postgres", f"://{role}", 1)
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "contactpolicy.settings.test",
    }


def _refused(dsn: str, sql: str) -> str:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as db:
        try:
            db.execute(sql)
        except psycopg.Error as error:
            return type(error).__name__
    return "ALLOWED"


def test_the_app_role_may_insert_and_select_the_log_and_nothing_else(roles_database):
    name, owner, app = roles_database
    migrated = manage(_as(owner, name), "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr

    app_env = _as(app, name)
    checked = manage(app_env, "check")
    assert checked.returncode == 0, checked.stderr
    # The app writes through the one writer (INSERT, and its chain head moved on) and reads.
    written = manage(
        app_env,
        "shell",
        "--no-imports",
        "-c",
        "from django.db import transaction\n"
        "from agreements import services\n"
        "from messaging.contactlog.services import contact_event_record\n"
        "from messaging.models import ContactEvent, EventType\n"
        "practice = services.practice_create(name='Roles', country='US')\n"
        "with transaction.atomic():\n"
        "    contact_event_record(practice=practice, summary='kept',"
        " event_type=EventType.PRACTICE_SETTINGS_CHANGED)\n"
        "print(list(ContactEvent.objects.values_list('summary', flat=True)))\n",
    )
    assert written.returncode == 0, written.stderr
    assert written.stdout.strip() == "['kept']"

    dsn = postgres_admin_dsn(name).replace("user=postgres", f"user={app}")
    log = "messaging_contactevent"
    assert _refused(dsn, f"UPDATE {log} SET summary = 'rewritten'") == "InsufficientPrivilege"
    assert _refused(dsn, f"DELETE FROM {log}") == "InsufficientPrivilege"
    assert _refused(dsn, f"TRUNCATE {log}") == "InsufficientPrivilege"
    assert _refused(dsn, f"ALTER TABLE {log} DISABLE TRIGGER ALL") == "InsufficientPrivilege"
    assert _refused(dsn, f"ALTER TABLE {log} DISABLE TRIGGER contact_log_no_update") == (
        "InsufficientPrivilege"
    )
    assert _refused(dsn, f"DROP TRIGGER contact_log_no_update ON {log}") == "InsufficientPrivilege"
    assert _refused(dsn, "DELETE FROM messaging_contactlogchain") == "InsufficientPrivilege"
    assert _refused(dsn, f"SELECT count(*) FROM {log}") == "ALLOWED"
    # The rest of the app's tables stay fully usable.
    assert _refused(dsn, "UPDATE agreements_practice SET name = name") == "ALLOWED"

    verified = manage(app_env, "verify_contact_log")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "verified up to event 1" in verified.stdout
    # A second migrate (as the owner) does not hand the rights back.
    assert manage(_as(owner, name), "migrate", "--noinput").returncode == 0
    assert _refused(dsn, f"UPDATE {log} SET summary = 'rewritten'") == "InsufficientPrivilege"
