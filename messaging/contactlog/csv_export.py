"""The contact log as CSV that is safe to open in a spreadsheet, written as it is read.

``contact_log_csv_lines`` yields one line at a time from a chunked database iterator, so an
export of millions of rows streams in constant memory (the page's StreamingHttpResponse and
``manage.py export_contact_log`` both use it).
"""

import csv
from collections.abc import Callable, Iterator
from datetime import tzinfo

from django.db.models import QuerySet
from django.utils import timezone

from messaging.contactlog import selectors
from messaging.models import ContactEvent

CSV_COLUMNS = [
    "occurred_at",
    "event",
    "summary",
    "actor",
    "client",
    "therapist",
    "channel",
    "category",
    "disposition",
    "message_id",
]

# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (CSV injection); tab and carriage return are included per OWASP's guidance.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_TRIGGERS):
        return "'" + text
    return text


class Echo:
    """A file-like object whose write returns the line, for StreamingHttpResponse."""

    def write(self, value: str) -> str:
        return value


def contact_log_csv_lines(
    events: QuerySet[ContactEvent],
    *,
    zone: tzinfo,
    progress: Callable[[int], None] = lambda done: None,
) -> Iterator[str]:
    """The header, then one CSV line per event (newest first), times in ``zone``.

    ``progress(1)`` is called after each row."""
    writer = csv.writer(Echo())
    yield writer.writerow(CSV_COLUMNS)
    for event in selectors.events_for_export(events):
        yield writer.writerow(
            [
                safe_cell(timezone.localtime(event.occurred_at, zone).isoformat()),
                safe_cell(event.get_event_type_display()),
                safe_cell(event.summary),
                safe_cell(event.actor.name if event.actor else ""),
                safe_cell(event.client.user.name if event.client else ""),
                safe_cell(event.therapist.user.name if event.therapist else ""),
                safe_cell(event.channel),
                safe_cell(event.category),
                safe_cell(event.disposition),
                safe_cell(event.message_id or ""),
            ]
        )
        progress(1)
