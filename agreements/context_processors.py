from django.urls import reverse

from .models import Role

NAVIGATION = {
    Role.ADMIN: [
        ("Practice", "practice_home"),
        ("Invite staff", "staff_invite"),
        ("Settings", "practice_settings"),
    ],
    Role.THERAPIST: [
        ("Clients", "therapist_home"),
        ("Invite a client", "client_invite"),
        ("Office hours", "office_hours"),
        ("Away", "away_periods"),
    ],
    Role.CLIENT: [
        ("Home", "client_home"),
        ("Our agreement", "client_agreement"),
        ("My safety plan", "client_safety_plan"),
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
