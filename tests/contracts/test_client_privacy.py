"""A client's pages show the client and their own care team, nobody else.

Every route a client can open is found from the URLconf (a view the role layer lets clients
into, and the client API), the way the authorization matrix finds routes, so a new client page
is checked without anyone remembering to add it. The practice has several clients with messages,
escalations and pages of their own; signed in as one of them, no page names another client,
shows their messages, or shows staff-internal paging details (who was paged, at which number or
address, the acknowledgement links).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from agreements import services
from agreements.models import Role, User
from agreements.tokens import api_token_create
from messaging.contactlog.access import log_filter_people, visible_events
from messaging.escalation import lifecycle
from messaging.escalation.acks import ack_token
from messaging.inbox.services import message_reply, session_note_save
from messaging.intake.services import message_receive
from messaging.models import Notification
from tests.factories import activate_agreement, make_member, sign_in

OTHER_BODY = "Zebra-crossing worries from the other client"
THIRD_BODY = "Quokka dreams from the third client"


@pytest.fixture
def practice_with_others(world):
    """World plus a third client of the same therapist; every client has a history."""
    for membership, phone in (
        (world.therapist, "+15550100001"),
        (world.other_therapist, "+15550100002"),
        (world.admin, "+15550100003"),
        (world.client, "+15550100011"),
        (world.other_client, "+15550100012"),
    ):
        User.objects.filter(pk=membership.user_id).update(phone=phone)
    third = make_member(
        "client3@harbour.test",
        "Quinn Third",
        world.practice,
        Role.CLIENT,
        therapist=world.therapist,
    )
    User.objects.filter(pk=third.user_id).update(phone="+15550100013")
    world.practice = services.practice_update_settings(
        practice=world.practice,
        by=world.admin.user,
        changes={"phone_line": "+15550100100", "after_hours_line": "+15550100199"},
    )
    for client in (world.client, world.other_client, third):
        activate_agreement(world, client)
    session_note_save(client=world.client, body="Talk about my sister")
    own = message_receive(
        practice=world.practice,
        channel="portal",
        body="Can we move Tuesday to 3pm?",
        sender=world.client,
        declared_purpose="logistics",
        declared_emergency=False,
    )
    message_reply(message=own.message, by=world.therapist.user, body="Yes, 3pm works.")
    for sender, body in ((world.other_client, OTHER_BODY), (third, THIRD_BODY)):
        message_receive(
            practice=world.practice,
            channel="portal",
            body=body,
            sender=sender,
            declared_purpose="clinical",
            declared_emergency=False,
        )
    crises = [
        message_receive(
            practice=world.practice,
            channel="portal",
            body="I took all my pills",
            sender=sender,
            declared_emergency=True,
        )
        for sender in (world.client, world.other_client, third)
    ]
    lifecycle.escalation_tick()
    lifecycle.escalation_acknowledge(
        escalation_id=crises[0].message.escalation.pk, by=world.therapist.user, via="link"
    )
    api_token_create(user=world.client.user, name="My phone")
    world.third_client = third
    world.own_message = own.message
    world.own_crisis = crises[0].message
    return world


def forbidden_on_client_pages(world) -> list[str]:
    """What the world's client must never see: other clients and staff-internal paging."""
    others = [world.other_client, world.third_client]
    staff = [world.therapist, world.other_therapist, world.admin, world.operator]
    words = [OTHER_BODY, THIRD_BODY]
    for member in others:
        member.user.refresh_from_db()
        words += [member.user.name, member.user.email, member.user.phone]
    for member in staff:
        member.user.refresh_from_db()
        words += [member.user.email, member.user.phone]
    words.append(world.other_admin.user.name)
    pages = Notification.objects.filter(purpose="page")
    assert pages.exists()
    texted = [n for n in pages if n.address.startswith("+")]
    assert texted, "the staff have phones on file, so some pages go by SMS"
    words += [f"…{n.address[-4:]}" for n in texted]
    # The links that acknowledge (four-digit SMS codes would turn up by chance in any page).
    words += [ack_token(n) for n in pages]
    words += ["paged ", "Page by "]
    return [w for w in words if w]


# -- finding every route a client can open --------------------------------------------------


def _walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def client_routes() -> dict[str, URLPattern]:
    """Routes whose view lets clients in (the role layer marks it), and the client API."""
    found = {}
    for name, pattern in _walk(get_resolver().url_patterns):
        roles = getattr(pattern.callback, "allowed_roles", ())
        if Role.CLIENT in roles or name.startswith("api:"):
            found[name] = pattern
    return found


#: A client's own object for each URL parameter a client route takes.
OWN_OBJECT: dict[str, Callable] = {
    "message_id": lambda world: world.own_message.pk,
    "id": lambda world: world.own_message.pk,
    "note_id": lambda world: world.client.session_notes.first().pk,
    "agreement_id": lambda world: world.client.agreements.first().pk,
    "token_id": lambda world: world.client.user.api_tokens.first().pk,
    # Answering takes a POST; a GET is refused (405) before any check-in is looked up.
    "check_in_id": lambda world: 0,
}


def test_the_walk_finds_the_client_pages():
    routes = client_routes()
    # Guards the discovery itself: a walk that found nothing would pass everything below.
    for name in ("client_home", "client_crisis_help", "contact_log", "client_message_detail"):
        assert name in routes
    assert "therapist_inbox" not in routes and "escalation:ack_link" not in routes


def test_no_client_page_shows_another_client_or_paging_details(client, practice_with_others):
    world = practice_with_others
    forbidden = forbidden_on_client_pages(world)
    sign_in(client, world.client)
    seen = []
    for name, pattern in sorted(client_routes().items()):
        params = list(pattern.pattern.converters)
        missing = [p for p in params if p not in OWN_OBJECT]
        assert not missing, f"{name}: say which of the client's own objects {missing} is"
        url = reverse(name, kwargs={p: OWN_OBJECT[p](world) for p in params})
        response = client.get(url)
        if response.status_code != 200:
            # POST-only actions answer 405 or redirect; only a route with nothing of the
            # client's in it (the API's root) may be missing.
            allowed = (302, 405) if params else (302, 404, 405)
            if name.startswith("api:"):
                # An API route for staff (the admins' FHIR export) refuses a client with 403:
                # nothing of anyone's is in it. Which role gets what is the authorization
                # matrix's to check.
                allowed = (*allowed, 403)
            assert response.status_code in allowed, f"GET {url}: {response.status_code}"
            continue
        page = response.content.decode()
        leaks = [word for word in forbidden if word in page]
        assert not leaks, f"GET {url} shows {leaks}"
        seen.append(name)
    # The escalation's status, as the client sees it on their crisis message and in the API.
    for url, shown in (
        (
            reverse("client_message_detail", args=[world.own_crisis.pk]),
            "We&#x27;re contacting Tess",
        ),
        (reverse("api:message", kwargs={"id": world.own_crisis.pk}), '"crisis_help": true'),
    ):
        page = client.get(url).content.decode()
        assert shown in page, url
        leaks = [word for word in forbidden if word in page]
        assert not leaks, f"GET {url} shows {leaks}"
    # The client's own things are there, so the pages really rendered what they hold.
    assert {"client_home", "client_messages", "contact_log", "client_message_detail"} <= set(seen)
    history = client.get(reverse("contact_log")).content.decode()
    assert "Can we move Tuesday to 3pm?" not in history  # bodies are not in the log
    assert "Can we move Tuesday to 3pm?" in client.get(reverse("client_messages")).content.decode()


def test_the_history_filter_lists_only_the_client_and_their_therapist(client, practice_with_others):
    world = practice_with_others
    therapists, clients = log_filter_people(viewer=world.client)
    assert list(clients) == [world.client]
    assert list(therapists) == [world.therapist]
    sign_in(client, world.client)
    form = client.get(reverse("contact_log")).context["form"]
    options = {
        label
        for field in form
        if hasattr(field.field, "choices")
        for _, label in field.field.choices
    }
    assert world.other_client.user.name not in options
    assert world.third_client.user.name not in options
    assert world.other_therapist.user.name not in options
    assert {world.client.user.name, world.therapist.user.name} <= options


def test_choosing_another_client_in_the_filter_shows_nothing_of_theirs(
    client, practice_with_others
):
    world = practice_with_others
    sign_in(client, world.client)
    response = client.get(reverse("contact_log"), {"client": world.other_client.pk})
    assert "client" in response.context["form"].errors
    assert response.context["page"].rows
    assert all(row.client_id == world.client.pk for row in response.context["page"].rows)


def test_the_client_history_keeps_staff_internal_paging_out(practice_with_others):
    world = practice_with_others
    events = visible_events(viewer=world.client)
    types = set(events.values_list("event_type", flat=True))
    assert "escalation.started" in types and "escalation.acknowledged" in types
    assert "escalation.step" not in types
    assert not events.filter(details__purpose="page").exists()
    assert events.filter(event_type="message.auto_reply").exists()
    # Staff still see every row of it.
    therapist_types = set(
        visible_events(viewer=world.therapist).values_list("event_type", flat=True)
    )
    assert "escalation.step" in therapist_types
