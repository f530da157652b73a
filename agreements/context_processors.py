from django.urls import reverse

from .models import Role

NAVIGATION = {
    Role.ADMIN: [
        ("Practice", "practice_home"),
        ("Escalations", "escalation_list"),
        ("Invite staff", "staff_invite"),
        ("Settings", "practice_settings"),
        ("Escalation policies", "policy_list"),
        ("On call", "schedule_list"),
        ("Phone console", "operator_console"),
    ],
    Role.OPERATOR: [("Phone console", "operator_console")],
    Role.THERAPIST: [
        ("Inbox", "therapist_inbox"),
        ("Escalations", "escalation_list"),
        ("Clients", "therapist_home"),
        ("Invite a client", "client_invite"),
        ("Office hours", "office_hours"),
        ("Away", "away_periods"),
        ("Phone console", "operator_console"),
    ],
    Role.CLIENT: [
        ("Home", "client_home"),
        ("Messages", "client_messages"),
        ("Notes for session", "client_notes"),
        ("Our agreement", "client_agreement"),
        ("My safety plan", "client_safety_plan"),
        ("API tokens", "api_tokens"),
    ],
}


STAFF_EXTRAS = [("Notifications", "my_notifications"), ("How to reach me", "contact_methods")]


def navigation(request):
    from messaging.escalation.backends import phone_outbox_allowed

    membership = getattr(request, "membership", None)
    if membership is None:
        return {"nav_items": [], "membership": None}
    entries = list(NAVIGATION[Role(membership.role)])
    if membership.role != Role.CLIENT:
        entries += STAFF_EXTRAS
    if membership.role in (Role.ADMIN, Role.THERAPIST) and phone_outbox_allowed():
        entries.append(("Outbox", "outbox"))
    items = [(label, reverse(name), request.path == reverse(name)) for label, name in entries]
    return {"nav_items": items, "membership": membership, "practice": membership.practice}
