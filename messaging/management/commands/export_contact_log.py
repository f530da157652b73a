"""``manage.py export_contact_log --admin EMAIL [--output FILE]``: a practice's whole contact
log as CSV, streamed (constant memory) with progress and an ETA on stderr.

The export is made as that admin of the practice would make it from the log page: the same
rows (``access.visible_events``), the same columns and formula-safe cells, times in the
admin's zone, and it is recorded in the log as ``log.exported``.
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from agreements.models import Membership, Role
from contactpolicy.progress import Progress, command_stream
from messaging.contactlog import access
from messaging.contactlog.csv_export import contact_log_csv_lines
from messaging.contactlog.services import log_exported


class Command(BaseCommand):
    help = "Export a practice's contact log as CSV, as one of its admins (streamed)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--admin", required=True, help="email of an admin of the practice")
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, admin: str, output: str | None, **options) -> None:
        viewer = (
            Membership.objects.select_related("practice", "user")
            .filter(user__email__iexact=admin, role=Role.ADMIN, is_active=True)
            .first()
        )
        if viewer is None:
            raise CommandError(f"{admin} is not an active practice admin.")
        log_exported(viewer=viewer, by=viewer.user, query="manage.py export_contact_log")
        events = access.visible_events(viewer=viewer)
        progress = Progress(
            "Exporting the contact log", total=events.count(), stream=command_stream(self.stderr)
        )
        lines = contact_log_csv_lines(events, zone=viewer.zone, progress=progress.advance)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as stream:
                stream.writelines(lines)
        else:
            sys.stdout.writelines(lines)
        progress.finish()
