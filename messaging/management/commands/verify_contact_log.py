"""``manage.py verify_contact_log [--practice ID ...] [--since-checkpoint]``: check the log's chain.

Recomputes every practice's hash chain from its first event (or only the practices named) and
records the result as the checkpoint the oversight dashboard starts from. Exits non-zero, naming
the first broken link, when a row was altered, deleted or inserted out of order. Run it from
cron (e.g. nightly); each practice's head hash it prints can be kept outside the database, which
is what exposes a rewrite of the whole chain by someone who controls the database.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agreements.models import Practice
from messaging.contactlog import selectors
from messaging.contactlog.services import contact_log_verify


class Command(BaseCommand):
    help = "Verify the contact log's hash chain; exit non-zero at the first broken link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--practice",
            type=int,
            action="append",
            dest="practices",
            metavar="ID",
            help="only this practice (repeatable); default: every practice with a log",
        )
        parser.add_argument(
            "--since-checkpoint",
            action="store_true",
            help="go on from the last verified event instead of the first (faster, weaker)",
        )

    def handle(self, *args: Any, practices: list[int] | None, since_checkpoint: bool, **options):
        ids = practices or selectors.chain_practice_ids()
        names = dict(Practice.objects.filter(pk__in=ids).values_list("pk", "name"))
        unknown = sorted(set(ids) - set(names))
        if practices and unknown:
            raise CommandError(f"No practice with id {', '.join(map(str, unknown))}.")
        first_break = None
        for practice_id in ids:
            result = contact_log_verify(practice_id=practice_id, full=not since_checkpoint)
            label = f"{names.get(practice_id, '?')} (practice {practice_id})"
            if result.broken is None:
                self.stdout.write(
                    f"{label}: verified up to event {result.sequence}, head {result.hash}"
                )
                continue
            broken = result.broken
            row = f"row id {broken.event_id}" if broken.event_id is not None else "no row"
            line = (
                f"{label}: BROKEN at event {broken.sequence} ({row}): {broken.reason};"
                f" verified up to event {result.sequence}"
            )
            self.stderr.write(line)
            first_break = first_break or line
        if first_break:
            raise CommandError(f"The contact log's chain is broken. First: {first_break}")
        if not ids:
            self.stdout.write("No contact-log events yet.")
