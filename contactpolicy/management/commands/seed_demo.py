import logging

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from contactpolicy.demo import DEMO_LOGINS, demo_password, seed_demo, seed_demo_history


class Command(BaseCommand):
    help = "Create the demo practice, its people and agreements (safe to run again)."

    def handle(self, *args, **options) -> None:
        practice = seed_demo()
        # The history is written with no worker running and its pages are "sent" in the past
        # through the real backends: keep the engine's enqueue warnings, its send logs and the
        # pages' emails out of the terminal.
        quiet = {"contactpolicy.escalation": logging.ERROR, "messaging": logging.WARNING}
        levels = {name: logging.getLogger(name).level for name in quiet}
        try:
            for name, level in quiet.items():
                logging.getLogger(name).setLevel(level)
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
                seed_demo_history()
        finally:
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
        self.stdout.write(self.style.SUCCESS(f"Demo practice ready: {practice.name}"))
        self.stdout.write(f"Password for every demo login: {demo_password()}")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<22} {login.description}")
