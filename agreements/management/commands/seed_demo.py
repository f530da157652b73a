import logging

from django.core.management.base import BaseCommand

from agreements.demo import DEMO_LOGINS, demo_password, seed_demo, seed_demo_history


class Command(BaseCommand):
    help = "Create the demo practice, its people and agreements (safe to run again)."

    def handle(self, *args, **options) -> None:
        practice = seed_demo()
        # The history is written with no worker running: the tick would start each escalation,
        # and the seeding runs it itself, so "could not enqueue" warnings are expected noise.
        engine_log = logging.getLogger("contactpolicy.escalation")
        level = engine_log.level
        engine_log.setLevel(logging.ERROR)
        try:
            seed_demo_history()
        finally:
            engine_log.setLevel(level)
        self.stdout.write(self.style.SUCCESS(f"Demo practice ready: {practice.name}"))
        self.stdout.write(f"Password for every demo login: {demo_password()}")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<22} {login.description}")
