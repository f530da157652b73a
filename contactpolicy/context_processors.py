"""Site navigation: the pages each role sees in the bar and under "More"; and the staff's
alert about inbound messages kept but not yet processed."""

from django.conf import settings
from django.urls import reverse

from agreements.models import Role
from messaging.intake.selectors import (
    envelopes_needing_attention_count,
    envelopes_quarantined_count,
)
from messaging.notifications.backends import phone_outbox_allowed

# (label, url name): the everyday pages in the bar, the rest under "More".
NAVIGATION = {
    Role.ADMIN: (
        [
            ("Practice", "practice_home"),
            ("Oversight", "oversight_dashboard"),
            ("Contact log", "contact_log"),
            ("Escalations", "escalation:list"),
        ],
        [
            ("Invite staff", "staff_invite"),
            ("Escalation policies", "escalation:policy_list"),
            ("On call", "escalation:schedule_list"),
            ("Practice settings", "practice_settings"),
            ("Phone console", "operator_console"),
        ],
    ),
    Role.OPERATOR: ([("Phone console", "operator_console")], []),
    Role.THERAPIST: (
        [
            ("Inbox", "therapist_inbox"),
            ("Clients", "therapist_home"),
            ("Escalations", "escalation:list"),
            ("Log", "contact_log"),
        ],
        [
            ("Invite a client", "client_invite"),
            ("Office hours", "office_hours"),
            ("Away", "away_periods"),
            ("Phone console", "operator_console"),
        ],
    ),
    Role.CLIENT: (
        [
            ("Home", "client_home"),
            ("Messages", "client_messages"),
            ("Session notes", "client_notes"),
            ("Agreement", "client_agreement"),
            ("Safety plan", "client_safety_plan"),
        ],
        [("My contact history", "contact_log"), ("API tokens", "api_tokens")],
    ),
}

STAFF_EXTRAS = [("Notifications", "my_notifications"), ("How to reach me", "contact_methods")]


def navigation(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"nav_items": [], "nav_more": [], "membership": None}
    primary, more = (list(entries) for entries in NAVIGATION[Role(membership.role)])
    if membership.role != Role.CLIENT:
        more += STAFF_EXTRAS
    if membership.role in (Role.ADMIN, Role.THERAPIST) and phone_outbox_allowed():
        more.append(("Outbox (demo)", "outbox"))

    def items(entries):
        return [(label, reverse(name), request.path == reverse(name)) for label, name in entries]

    return {
        "nav_items": items(primary),
        "nav_more": items(more),
        "membership": membership,
        "practice": membership.practice,
    }


def intake_alert(request):
    """How many inbound requests of the practice are stored but not yet messages (staff only).

    A callable, so the count is only run on pages that show it.
    """
    user = getattr(request, "user", None)
    quarantined = (
        {"intake_quarantined": envelopes_quarantined_count}
        if user is not None and user.is_superuser
        else {}
    )
    membership = getattr(request, "membership", None)
    if membership is None or membership.role == Role.CLIENT:
        return {"intake_unprocessed": 0, **quarantined}
    return {
        "intake_unprocessed": lambda: envelopes_needing_attention_count(
            practice=membership.practice
        ),
        **quarantined,
    }


def session_timer(request):
    """When the page's idle-warning script shows its warning (the server decides the sign-out)."""
    return {"session_warning_seconds": settings.SESSION_IDLE_WARNING_SECONDS}
