"""Migration 0017 (the dashboard's index on a practice's inbound messages by time) applies and
reverses on a fresh database made by ``manage.py migrate``, and leaves the contact log's
append-only triggers where they were."""

import sqlite3

from tests.contactlog.fresh import manage, sqlite_triggers


def _indexes(path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?",
                ["messaging_message"],
            )
        }


def test_the_inbound_time_index_applies_and_reverses(fresh_sqlite):
    env, path = fresh_sqlite
    done = manage(env, "migrate", "--noinput", "-v0")
    assert done.returncode == 0, done.stderr
    assert "message_inbound_time" in _indexes(path)
    triggers = sqlite_triggers(path)
    assert triggers

    back = manage(env, "migrate", "messaging", "0014", "--noinput", "-v0")
    assert back.returncode == 0, back.stderr
    assert "message_inbound_time" not in _indexes(path)
    assert sqlite_triggers(path) == triggers

    again = manage(env, "migrate", "--noinput", "-v0")
    assert again.returncode == 0, again.stderr
    assert "message_inbound_time" in _indexes(path)
    assert sqlite_triggers(path) == triggers
