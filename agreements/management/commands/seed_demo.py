from django.core.management.base import BaseCommand

from agreements.demo import DEMO_LOGINS, demo_password, seed_demo


class Command(BaseCommand):
    help = "Create the demo practice, its people and agreements (safe to run again)."

    def handle(self, *args, **options) -> None:
        practice = seed_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo practice ready: {practice.name}"))
        self.stdout.write(f"Password for every demo login: {demo_password()}")
        for login in DEMO_LOGINS:
            self.stdout.write(f"  {login.email:<22} {login.description}")
