from django.apps import AppConfig


class ContactPolicyConfig(AppConfig):
    """The project's own app: the runtime (``runstack``), the demo data and operator commands
    that span every package (key rotation, synthetic log rows)."""

    name = "contactpolicy"
    verbose_name = "Contact Policy runtime"

    def ready(self) -> None:
        from contactpolicy import checks  # noqa: F401  (registers the security checks)
