"""Database triggers that make the contact log append-only (PostgreSQL and SQLite).

The application's own code never updates or deletes a log row; these triggers make the database
refuse it too, so neither a bug nor a raw SQL session can rewrite history. Only the database owner
can lift them (``remove``), which the test suite does to empty its throwaway database.
"""

from django.core.exceptions import ImproperlyConfigured

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
