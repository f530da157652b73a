"""Database triggers that make the contact log append-only (PostgreSQL and SQLite).

The application's own code never updates or deletes a log row; these triggers make the database
refuse it too, so neither a bug nor a raw SQL session can rewrite history. Only the table's owner
can lift them (``remove``): a data migration that must rewrite the table, or the test suite
emptying its throwaway database.

On SQLite a migration that alters the table rebuilds it (a new table, copied, renamed), which
drops its triggers. So they are not left to one migration: ``install_after_migrate`` runs after
every ``migrate`` (and ``flush``) and puts back whatever is missing, and the system check
``check_append_only`` refuses to start the app (``runserver``, ``runstack``, workers, every
management command that runs the checks) on a database whose log table lacks them.

This module imports nothing of the project, so the app configuration may wire it up.
"""

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

TABLE = "messaging_contactevent"

_POSTGRES_INSTALL = f"""
CREATE OR REPLACE FUNCTION contact_log_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the contact log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS contact_log_no_update ON {TABLE};
DROP TRIGGER IF EXISTS contact_log_no_delete ON {TABLE};
DROP TRIGGER IF EXISTS contact_log_no_truncate ON {TABLE};
CREATE TRIGGER contact_log_no_update BEFORE UPDATE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION contact_log_refuse_change();
CREATE TRIGGER contact_log_no_delete BEFORE DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION contact_log_refuse_change();
CREATE TRIGGER contact_log_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION contact_log_refuse_change();
"""
_POSTGRES_REMOVE = f"""
DROP TRIGGER IF EXISTS contact_log_no_update ON {TABLE};
DROP TRIGGER IF EXISTS contact_log_no_delete ON {TABLE};
DROP TRIGGER IF EXISTS contact_log_no_truncate ON {TABLE};
"""
_SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS contact_log_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the contact log is append-only: UPDATE refused'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS contact_log_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the contact log is append-only: DELETE refused'); END;""",
]
_SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS contact_log_no_update;",
    "DROP TRIGGER IF EXISTS contact_log_no_delete;",
]


# On PostgreSQL the table's owner is the only role that may rewrite the log or lift its
# triggers; after every migrate every other role (the app's, PUBLIC) keeps SELECT and INSERT on
# the log at most, and loses DELETE and TRUNCATE on its chain heads (the app moves a head on with
# UPDATE). Default privileges (docker/postgres-roles.sql) grant the app full rights on new
# tables; this takes them back for these two.
HEADS_TABLE = "messaging_contactlogchain"
_POSTGRES_REVOKE = f"""
DO $revoke$
DECLARE
    target record;
BEGIN
    FOR target IN
        SELECT DISTINCT c.relname AS tbl,
               CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS who,
               CASE WHEN c.relname = '{TABLE}' THEN 'UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER'
                    ELSE 'DELETE, TRUNCATE, REFERENCES, TRIGGER' END AS rights
        FROM pg_class c
        CROSS JOIN LATERAL aclexplode(c.relacl) a
        LEFT JOIN pg_roles r ON r.oid = a.grantee
        WHERE c.oid IN (to_regclass('{TABLE}'), to_regclass('{HEADS_TABLE}'))
          AND a.grantee <> c.relowner
          AND a.privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER')
          AND (a.privilege_type <> 'UPDATE' OR c.relname = '{TABLE}')
    LOOP
        EXECUTE format('REVOKE %s ON %I FROM %s', target.rights, target.tbl, target.who);
    END LOOP;
END
$revoke$;
"""


def revoke_rewrites(connection) -> None:
    """PostgreSQL: no role but the owner may UPDATE, DELETE or TRUNCATE the log (see above)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(_POSTGRES_REVOKE)


def _statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return [_POSTGRES_INSTALL if install else _POSTGRES_REMOVE]
    if vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_REMOVE
    raise ImproperlyConfigured(
        f"The contact log's append-only triggers exist for PostgreSQL and SQLite, not {vendor}."
    )


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=True):
            cursor.execute(statement)


def remove(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection.vendor, install=False):
            cursor.execute(statement)


TRIGGERS = {
    "postgresql": ("contact_log_no_update", "contact_log_no_delete", "contact_log_no_truncate"),
    "sqlite": ("contact_log_no_update", "contact_log_no_delete"),
}


def table_exists(connection) -> bool:
    with connection.cursor() as cursor:
        return TABLE in connection.introspection.table_names(cursor)


def missing(connection) -> list[str]:
    """The append-only triggers the log table lacks (on PostgreSQL, disabled ones count too)."""
    expected = TRIGGERS.get(connection.vendor)
    if expected is None:
        raise ImproperlyConfigured(f"No append-only triggers for {connection.vendor}.")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(%s)"
                " AND NOT tgisinternal AND tgenabled <> 'D'",
                [TABLE],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [TABLE]
            )
        present = {name for (name,) in cursor.fetchall()}
    return [name for name in expected if name not in present]


def install_after_migrate(sender=None, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """``post_migrate`` receiver: put back any trigger a migration (or a flush) dropped.

    Runs as whoever runs ``migrate``, which must be the table's owner. Idempotent: nothing is
    changed when every trigger is in place. On PostgreSQL it also takes from every other role
    any right to rewrite the log (``revoke_rewrites``).
    """
    connection = connections[using]
    if connection.vendor not in TRIGGERS or not table_exists(connection):
        return
    if missing(connection):
        install(connection)
    revoke_rewrites(connection)


def _pending_migrations(connection) -> bool:
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    return bool(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def check_append_only(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """contactlog.E001: the default database's log table must refuse UPDATE and DELETE.

    Registered untagged, so ``runserver``, ``runstack``, ``check`` and every management command
    that runs the checks refuse to start without the triggers. ``migrate`` runs the checks
    before migrating, so it must never be blocked by what it is about to repair: a database
    without the log table yet (a fresh one) passes, and one with unapplied migrations only gets
    a warning (contactlog.W001), since ``migrate`` reinstalls the triggers when it finishes.
    """
    if app_configs is not None and not any(config.name == "messaging" for config in app_configs):
        return []
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor not in TRIGGERS:
        return [
            checks.Error(
                f"The contact log can be made append-only on PostgreSQL and SQLite, not on"
                f" {connection.vendor}.",
                id="contactlog.E002",
            )
        ]
    try:
        if not table_exists(connection):
            return []
        absent = missing(connection)
        if absent and _pending_migrations(connection):
            return [
                checks.Warning(
                    f"The contact log table lacks its append-only triggers ({', '.join(absent)}).",
                    hint="`manage.py migrate` (as the database owner) installs them when it"
                    " finishes.",
                    id="contactlog.W001",
                )
            ]
    except (DatabaseError, RuntimeError):
        # A database that cannot be reached is not this check's to report: nothing can start
        # against it anyway, and ``check --deploy`` also runs on build machines without one.
        # (RuntimeError: database access refused outright, as by the test runner's guard when
        # Celery's Django fixup runs the checks at import.)
        return []
    if not absent:
        return []
    return [
        checks.Error(
            f"The contact log is not append-only: the table {TABLE} lacks the triggers"
            f" {', '.join(absent)}, so UPDATE or DELETE would rewrite history.",
            hint="Reinstall them as the database owner: `manage.py migrate --skip-checks` puts"
            " them back when it finishes.",
            id="contactlog.E001",
        )
    ]
