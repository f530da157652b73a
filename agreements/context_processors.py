from django.urls import reverse

from .models import Role

NAVIGATION = {
    Role.ADMIN: [
        ("Practice", "practice_home"),
        ("Invite staff", "staff_invite"),
        ("Settings", "practice_settings"),
        ("Phone console", "operator_console"),
    ],
    Role.OPERATOR: [("Phone console", "operator_console")],
    Role.THERAPIST: [
        ("Inbox", "therapist_inbox"),
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


def navigation(request):
    membership = getattr(request, "membership", None)
    if membership is None:
        return {"nav_items": [], "membership": None}
    items = [
        (label, reverse(name), request.path == reverse(name))
        for label, name in NAVIGATION[Role(membership.role)]
    ]
    return {"nav_items": items, "membership": membership, "practice": membership.practice}
