from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_migrate


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = "Messages, triage, escalation and the contact log"

    def ready(self) -> None:
        from messaging.contactlog import triggers

        # A migration that rebuilds the log table (SQLite) drops its triggers: put them back
        # after every migrate, and refuse to run where they are missing.
        post_migrate.connect(
            triggers.install_after_migrate,
            sender=self,
            dispatch_uid="messaging.contact_log_triggers",
        )
        checks.register(triggers.check_append_only)
