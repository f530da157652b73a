"""Big CSV exports stream: the page answers with a StreamingHttpResponse whose rows come from a
chunked iterator (memory does not grow with the log), and ``manage.py export_contact_log``
writes the same CSV with progress on stderr."""

import csv
import io
import re
import tracemalloc

import pytest
from django.core.management import CommandError, call_command
from django.http import StreamingHttpResponse
from django.urls import reverse

from messaging.contactlog.access import visible_events
from messaging.contactlog.csv_export import CSV_COLUMNS, contact_log_csv_lines
from messaging.models import ContactEvent, EventType
from tests.factories import sign_in


def _generate(world, rows: int) -> None:
    call_command(
        "generate_contact_log",
        rows=rows,
        practice_id=world.practice.pk,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )


def _peak_bytes_to_stream(world) -> int:
    lines = contact_log_csv_lines(visible_events(viewer=world.admin), zone=world.admin.zone)
    tracemalloc.start()
    try:
        for _ in lines:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_page_streams(client, world):
    _generate(world, 50)
    sign_in(client, world.admin)
    response = client.get(reverse("contact_log_csv"))
    assert isinstance(response, StreamingHttpResponse)
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) == 1 + ContactEvent.objects.filter(practice=world.practice).count()


def test_memory_does_not_grow_with_the_log(world):
    _generate(world, 2_500)
    small = _peak_bytes_to_stream(world)
    _generate(world, 7_500)  # four times the rows
    large = _peak_bytes_to_stream(world)
    # Materialising the rows would take about four times the memory; streaming in chunks of
    # 2,000 keeps about one chunk at a time.
    assert large < 2 * small, (small, large)


def test_the_command_exports_as_an_admin_with_progress(world, tmp_path):
    _generate(world, 120)
    output, stderr = tmp_path / "log.csv", io.StringIO()
    call_command(
        "export_contact_log",
        "--admin",
        world.admin.user.email,
        "--output",
        str(output),
        stderr=stderr,
    )
    rows = list(csv.reader(output.open(encoding="utf-8")))
    assert rows[0] == CSV_COLUMNS
    assert len(rows) - 1 == visible_events(viewer=world.admin).count()
    assert ContactEvent.objects.filter(
        event_type=EventType.LOG_EXPORTED, actor=world.admin.user
    ).exists()
    last = stderr.getvalue().splitlines()[-1]
    assert last.startswith("Exporting the contact log: ") and "done in" in last


def test_the_command_is_for_admins(world, tmp_path):
    with pytest.raises(CommandError, match="not an active practice admin"):
        call_command("export_contact_log", "--admin", world.therapist.user.email)


def test_log_generation_reports_progress_and_an_estimate(world):
    stderr = io.StringIO()
    call_command(
        "generate_contact_log",
        rows=12_000,
        practice_id=world.practice.pk,
        stdout=io.StringIO(),
        stderr=stderr,
    )
    lines = stderr.getvalue().splitlines()
    assert re.fullmatch(
        r"Contact-log rows: 5,\d{3}/12,000 rows \(4\d%\), [\d,]+/s, ETA \d+:\d\d", lines[0]
    )
    assert lines[-1].startswith("Contact-log rows: 12,000/12,000 rows (100%)")
