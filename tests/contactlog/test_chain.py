"""The contact log is tamper-evident: each practice's events form a hash chain, and
``verify_contact_log`` names the first broken link.

The rewrites here are done the way an attacker holding the table owner's role would: lift the
append-only triggers, change the table with plain SQL, put the triggers back.
"""

import itertools
import sqlite3
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.urls import reverse

from messaging.contactlog import chain, selectors, triggers
from messaging.contactlog.services import contact_event_record, contact_log_verify
from messaging.models import ContactEvent, ContactLogChain, EventType
from tests.contactlog.fresh import attempt_rewrites, manage, sqlite_triggers
from tests.factories import sign_in_user

# Pure hashing -----------------------------------------------------------------------------------


def _values(**changes):
    values = {
        "practice_id": 1,
        "sequence": 1,
        "occurred_at": datetime(2026, 11, 24, 7, 0, 0, 123456, tzinfo=UTC),
        "event_type": "message.received",
        "actor_id": None,
        "client_id": 5,
        "agreement_id": None,
        "message_id": 9,
        "therapist_id": 3,
        "channel": "sms",
        "category": "urgent",
        "disposition": "deliver",
        "summary": "Message received",
        "details": {"b": [1, 2], "a": "x"},
    }
    return {**values, **changes}


def _rows(count: int) -> list[dict]:
    rows, head = [], chain.GENESIS
    for sequence in range(1, count + 1):
        row = _values(sequence=sequence, summary=f"event {sequence}")
        row.update(id=100 + sequence, previous_hash=head)
        row["hash"] = head = chain.event_hash(row, head)
        rows.append(row)
    return rows


def test_the_hash_covers_every_field_and_the_previous_hash():
    base = chain.event_hash(_values(), chain.GENESIS)
    assert len(base) == 64 and base == chain.event_hash(_values(), chain.GENESIS)
    changed = {
        "practice_id": 2,
        "sequence": 2,
        "occurred_at": datetime(2026, 11, 24, 7, 0, 0, 123457, tzinfo=UTC),
        "event_type": "message.read",
        "actor_id": 1,
        "client_id": 6,
        "agreement_id": 1,
        "message_id": None,
        "therapist_id": 4,
        "channel": "email",
        "category": "crisis",
        "disposition": "escalate",
        "summary": "Message received.",
        "details": {"b": [2, 1], "a": "x"},
    }
    assert set(changed) == set(chain.FIELDS)
    for name, value in changed.items():
        assert chain.event_hash(_values(**{name: value}), chain.GENESIS) != base, name
    assert chain.event_hash(_values(), "f" * 64) != base


def test_the_encoding_is_the_values_not_their_storage():
    """Key order, time zone and jsonb's number rendering do not change the hash."""
    base = chain.event_hash(_values(), chain.GENESIS)
    new_york = datetime(2026, 11, 24, 2, 0, 0, 123456, tzinfo=ZoneInfo("America/New_York"))
    assert chain.event_hash(_values(occurred_at=new_york), chain.GENESIS) == base
    assert chain.event_hash(_values(details={"a": "x", "b": (1, 2)}), chain.GENESIS) == base
    assert chain.event_hash(_values(details={"n": 1.0}), chain.GENESIS) == chain.event_hash(
        _values(details={"n": 1}), chain.GENESIS
    )


def test_verify_finds_the_first_broken_link():
    rows = _rows(5)
    assert chain.verify(rows) == chain.Verified(5, rows[-1]["hash"], 5)

    altered = [dict(row) for row in rows]
    altered[2]["summary"] = "rewritten"
    result = chain.verify(altered)
    assert (result.sequence, result.broken.sequence, result.broken.event_id) == (2, 3, 103)
    assert "changed" in result.broken.reason

    result = chain.verify(rows[:1] + rows[2:])  # event 2 deleted
    assert result.broken.sequence == 2 and "missing" in result.broken.reason

    result = chain.verify([rows[0], rows[2], rows[1]])
    assert result.broken.sequence == 2

    # A replacement with its own hash recomputed still breaks the link of the row after it.
    forged = dict(rows[1], summary="forged")
    forged["hash"] = chain.event_hash(forged, forged["previous_hash"])
    result = chain.verify([rows[0], forged, *rows[2:]])
    assert result.broken.sequence == 3 and "link" in result.broken.reason

    # Going on from a checkpoint, and a checkpoint pinned to a hash.
    assert chain.verify(rows[3:], after_sequence=3, after_hash=rows[2]["hash"]).sequence == 5
    result = chain.verify(rows, pinned={3: "0" * 64})
    assert result.broken.sequence == 3 and result.sequence == 2


# Events written by contact_event_record ---------------------------------------------------------


def _record(practice, summary: str, **extra) -> ContactEvent:
    with transaction.atomic():
        return contact_event_record(
            practice=practice,
            event_type=EventType.PRACTICE_SETTINGS_CHANGED,
            summary=summary,
            **extra,
        )


@pytest.fixture
def logged(world):
    """Five events in the world's first practice, two in the other, after whatever the world's
    set-up logged."""
    for n in range(5):
        _record(world.practice, f"change {n}", actor=world.admin.user, details={"n": n})
    for n in range(2):
        _record(world.other_practice, f"other change {n}")
    return world


def _events(practice) -> list[ContactEvent]:
    return list(ContactEvent.objects.filter(practice=practice).order_by("sequence"))


def _as_owner(sql: str, params=()) -> None:
    """What someone holding the table owner's role can do: lift the triggers, change the rows,
    put the triggers back."""
    with transaction.atomic():
        triggers.remove(connection)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        triggers.install(connection)
    assert triggers.missing(connection) == []


def _verify(*args: str) -> tuple[str, str]:
    from io import StringIO

    out, err = StringIO(), StringIO()
    call_command("verify_contact_log", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_each_practice_has_its_own_unbroken_chain(logged):
    for practice in (logged.practice, logged.other_practice):
        events = _events(practice)
        assert [e.sequence for e in events] == list(range(1, len(events) + 1))
        assert events[0].previous_hash == chain.GENESIS
        for before, after in itertools.pairwise(events):
            assert after.previous_hash == before.hash
        head = ContactLogChain.objects.get(practice=practice)
        assert (head.sequence, head.hash) == (events[-1].sequence, events[-1].hash)
    out, err = _verify()
    assert err == ""
    assert f"Harbour Therapy (practice {logged.practice.pk}): verified up to event" in out
    assert f"Hillside Counselling (practice {logged.other_practice.pk}): verified" in out


def test_a_rewritten_row_is_named(logged):
    target = _events(logged.practice)[-3]
    _as_owner(
        "UPDATE messaging_contactevent SET summary = %s WHERE id = %s", ["nothing here", target.pk]
    )
    with pytest.raises(CommandError, match=f"BROKEN at event {target.sequence} "):
        _verify()
    result = contact_log_verify(practice_id=logged.practice.pk)
    assert result.broken.event_id == target.pk and "changed" in result.broken.reason
    assert result.sequence == target.sequence - 1
    # The other practice's chain is untouched and still verifies on its own.
    out, _ = _verify("--practice", str(logged.other_practice.pk))
    assert "verified up to event" in out


def test_a_deleted_row_is_named(logged):
    events = _events(logged.practice)
    _as_owner("DELETE FROM messaging_contactevent WHERE id = %s", [events[2].pk])
    with pytest.raises(CommandError, match=f"event {events[2].sequence} is missing"):
        _verify("--practice", str(logged.practice.pk))


def test_deleting_the_newest_rows_is_named(logged):
    events = _events(logged.practice)
    _as_owner("DELETE FROM messaging_contactevent WHERE id >= %s", [events[-2].pk])
    with pytest.raises(CommandError, match=f"event {events[-2].sequence} is missing"):
        _verify("--practice", str(logged.practice.pk))


def test_a_row_inserted_out_of_order_is_named(logged):
    events = _events(logged.practice)
    # Swap the chain positions of two rows: same contents, out of order.
    first, second = events[1], events[2]
    _as_owner(
        "UPDATE messaging_contactevent SET sequence = sequence + 1000 WHERE id IN (%s, %s)",
        [first.pk, second.pk],
    )
    _as_owner(
        "UPDATE messaging_contactevent SET sequence = %s WHERE id = %s",
        [first.sequence, second.pk],
    )
    _as_owner(
        "UPDATE messaging_contactevent SET sequence = %s WHERE id = %s",
        [second.sequence, first.pk],
    )
    with pytest.raises(CommandError, match=f"BROKEN at event {first.sequence} "):
        _verify("--practice", str(logged.practice.pk))


def test_a_row_appended_past_the_head_without_the_writer_is_named(logged):
    last = _events(logged.practice)[-1]
    columns = ", ".join(["id", "practice_id", "sequence", *sorted(_copyable())])
    _as_owner(
        f"INSERT INTO messaging_contactevent ({columns}) SELECT %s, practice_id, sequence + 1,"
        f" {', '.join(sorted(_copyable()))} FROM messaging_contactevent WHERE id = %s",
        [last.pk + 1000, last.pk],
    )
    with pytest.raises(CommandError, match=f"BROKEN at event {last.sequence + 1} "):
        _verify("--practice", str(logged.practice.pk))
    broken = contact_log_verify(practice_id=logged.practice.pk).broken
    assert "past the chain's head" in broken.reason


def _copyable() -> set[str]:
    fields = {f.column for f in ContactEvent._meta.concrete_fields}
    return fields - {"id", "practice_id", "sequence"}


def test_a_whole_chain_recomputed_after_a_checkpoint_is_caught_there(logged):
    _verify()  # the checkpoint: verified up to the head
    events = _events(logged.practice)
    head = ContactLogChain.objects.get(practice=logged.practice)
    assert head.verified_sequence == events[-1].sequence and head.broken_at_sequence is None
    # Rewrite the first row and recompute every hash after it, consistently.
    previous = chain.GENESIS
    rewritten = []
    for event in events:
        values = {name: getattr(event, name) for name in chain.FIELDS}
        if event.sequence == 1:
            values["summary"] = "rewritten history"
        digest = chain.event_hash(values, previous)
        rewritten.append((values["summary"], previous, digest, event.pk))
        previous = digest
    with transaction.atomic():
        triggers.remove(connection)
        with connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE messaging_contactevent SET summary = %s, previous_hash = %s, hash = %s"
                " WHERE id = %s",
                rewritten,
            )
        triggers.install(connection)
    with pytest.raises(CommandError, match=f"BROKEN at event {events[-1].sequence} "):
        _verify("--practice", str(logged.practice.pk))


def test_the_migration_built_heads_match_the_writer(logged):
    """contact_event_record and the checkpoint agree with a recomputation from the rows."""
    rows = list(selectors.chain_events(practice_id=logged.practice.pk))
    result = chain.verify(rows)
    head = ContactLogChain.objects.get(practice=logged.practice)
    assert result.broken is None and (result.sequence, result.hash) == (head.sequence, head.hash)


# Migration 0012 chains the rows that were there before it --------------------------------------

# Run by ``manage.py shell`` on a database migrated to 0010: rows written with the models of
# that time (no chain columns), in two practices, interleaved.
BEFORE_THE_CHAIN = """
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

apps = MigrationLoader(connection).project_state(
    ("messaging", "0010_notification_invitation")
).apps
Practice = apps.get_model("agreements", "Practice")
ContactEvent = apps.get_model("messaging", "ContactEvent")
first = Practice.objects.create(name="First")
second = Practice.objects.create(name="Second")
for n in range(7):
    ContactEvent.objects.create(
        practice=first if n % 3 else second,
        event_type="practice.settings_changed",
        summary=f"before the chain {n}",
        details={"n": n, "ratio": 1.0},
        occurred_at=timezone.now(),
    )
print(first.pk, second.pk)
"""

CHAINED = """
from messaging.models import ContactEvent, ContactLogChain
for row in ContactEvent.objects.order_by("id").values_list("practice_id", "sequence"):
    print("ROW", *row)
for head in ContactLogChain.objects.order_by("pk"):
    print("HEAD", head.pk, head.sequence)
"""


def test_migration_0012_chains_existing_rows_in_order_and_keeps_the_log_append_only(
    fresh_sqlite,
):
    env, path = fresh_sqlite
    assert manage(env, "migrate", "messaging", "0010", "--noinput").returncode == 0
    made = manage(env, "shell", "--no-imports", "-c", BEFORE_THE_CHAIN)
    assert made.returncode == 0, made.stderr
    first, second = map(int, made.stdout.split())
    migrated = manage(env, "migrate", "--noinput")
    assert migrated.returncode == 0, migrated.stdout + migrated.stderr
    assert sqlite_triggers(path) == {"contact_log_no_update", "contact_log_no_delete"}
    verified = manage(env, "verify_contact_log")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"First (practice {first}): verified up to event 4" in verified.stdout
    assert f"Second (practice {second}): verified up to event 3" in verified.stdout
    listed = manage(env, "shell", "--no-imports", "-c", CHAINED).stdout.splitlines()
    order = [first if n % 3 else second for n in range(7)]
    expected, seen = [], {first: 0, second: 0}
    for practice in order:
        seen[practice] += 1
        expected.append(f"ROW {practice} {seen[practice]}")
    assert listed == [*expected, f"HEAD {first} 4", f"HEAD {second} 3"]
    # A new event goes on from the migrated head, and the result still verifies.
    assert attempt_rewrites(env)[-1].startswith("ROWS")
    again = manage(env, "verify_contact_log")
    assert again.returncode == 0 and "verified up to event 1" in again.stdout  # "Fresh"


def test_verify_contact_log_exits_non_zero_on_a_rewritten_fresh_database(fresh_sqlite):
    env, path = fresh_sqlite
    assert manage(env, "migrate", "--noinput").returncode == 0
    attempt_rewrites(env)
    with sqlite3.connect(path) as db:  # the file's owner can drop the triggers
        db.execute("DROP TRIGGER contact_log_no_update")
        db.execute("UPDATE messaging_contactevent SET summary = 'rewritten'")
    assert manage(env, "migrate", "--skip-checks", "--noinput").returncode == 0
    refused = manage(env, "verify_contact_log")
    assert refused.returncode != 0
    assert "BROKEN at event 1" in refused.stderr and "changed" in refused.stderr


# The oversight dashboard ----------------------------------------------------------------------


def _dashboard(client, world):
    sign_in_user(client, world.admin.user)
    response = client.get(reverse("oversight_dashboard"))
    assert response.status_code == 200
    return response.context["report"].log_chain, response.content.decode()


def test_the_dashboard_shows_the_chain_verified_or_broken(client, logged):
    status, html = _dashboard(client, logged)
    head = ContactLogChain.objects.get(practice=logged.practice)
    assert (status.verified, status.head_sequence, status.broken) == (head.sequence,) * 2 + (None,)
    assert f"Verified up to event {head.sequence} of {head.sequence}" in html
    target = _events(logged.practice)[1]
    _as_owner("UPDATE messaging_contactevent SET details = '{}' WHERE id = %s", [target.pk])
    status, html = _dashboard(client, logged)
    assert status.broken.sequence == target.sequence and status.verified == target.sequence - 1
    assert f"broken at event {target.sequence}</strong> (row {target.pk})" in html
    # Recorded by the verifier, the break stays on the dashboard however far the log grows.
    with pytest.raises(CommandError):
        _verify()
    _record(logged.practice, "after the break")
    status, _ = _dashboard(client, logged)
    assert status.broken.sequence == target.sequence


def test_the_dashboard_checks_a_capped_window_after_the_checkpoint(logged, monkeypatch):
    head = ContactLogChain.objects.get(practice=logged.practice)
    status = selectors.chain_status(practice_id=logged.practice.pk, window=2)
    assert (status.verified, status.unverified) == (2, head.sequence - 2)
    _verify()  # the checkpoint moves to the head
    for n in range(3):
        _record(logged.practice, f"later {n}")
    status = selectors.chain_status(practice_id=logged.practice.pk, window=2)
    assert (status.verified, status.unverified) == (head.sequence + 2, 1)
    assert status.checkpoint_at is not None


def test_the_dashboards_chain_check_costs_two_queries_however_long_the_log(
    logged, django_assert_num_queries
):
    # The checkpoint row, then at most CHAIN_WINDOW events after it in one query.
    with django_assert_num_queries(2):
        small = selectors.chain_status(practice_id=logged.practice.pk)
    for n in range(40):
        _record(logged.practice, f"more {n}")
    with django_assert_num_queries(2):
        large = selectors.chain_status(practice_id=logged.practice.pk)
    assert large.verified == small.verified + 40 and large.broken is None
