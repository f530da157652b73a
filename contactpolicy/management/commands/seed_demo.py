import logging
import os

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from contactpolicy.demo import (
    DEMO_LOGINS,
    demo_history_steps,
    demo_password,
    local_site_url,
    seed_demo,
    seed_demo_history,
)
from contactpolicy.progress import Progress, command_stream


class Command(BaseCommand):
    help = "Create the demo practice, its people and agreements (safe to run again)."

    def add_arguments(self, parser) -> None:
        # The demo's pages carry acknowledgement links: they point at the address `make run`
        # serves on (SITE_URL, when set, wins).
        parser.add_argument("--host", help="the address runstack serves on (for demo links)")
        parser.add_argument("--port", type=int, help="the port runstack serves on")

    def handle(self, *args, host=None, port=None, **options) -> None:
        site = {}
        if (host or port) and not os.environ.get("SITE_URL"):
            site["SITE_URL"] = local_site_url(host or "127.0.0.1", port or 8000)
        with override_settings(**site):
            practice = seed_demo()
            self._history()
        self.stdout.write(self.style.SUCCESS(f"Demo practice ready: {practice.name}"))
        self.stdout.write(f"Password for every demo login: {demo_password()}")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<22} {login.description}")

    def _history(self) -> None:
        # The history is written with no worker running and its pages are "sent" in the past
        # through the real backends: keep the engine's enqueue warnings, its send logs and the
        # pages' emails out of the terminal.
        quiet = {"contactpolicy.escalation": logging.ERROR, "messaging": logging.WARNING}
        levels = {name: logging.getLogger(name).level for name in quiet}
        try:
            for name, level in quiet.items():
                logging.getLogger(name).setLevel(level)
            with (
                override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
                Progress(
                    "Seeding a month of demo history",
                    total=demo_history_steps(),
                    stream=command_stream(self.stderr),
                    unit="events",
                ) as progress,
            ):
                seed_demo_history(progress=progress.advance)
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
