"""Who may open what: every route in the URLconf × every kind of visitor → expected status.

The route list is generated from the URLconf, so a new route without a row here fails the
test ``test_every_route_is_in_the_matrix``. Deny by default: a role that doesn't belong gets 403,
the right role reaching for someone else's object gets 404 (so nothing leaks that it exists),
anonymous visitors are sent to sign in.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import time, timedelta

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from agreements import services
from agreements.models import CheckInCadence, Role
from agreements.tokens import api_token_create
from messaging.escalation.acks import ack_token
from messaging.escalation.lifecycle import escalation_tick
from messaging.escalation.policies import policy_create
from messaging.escalation.schedules import override_add, schedule_create
from messaging.inbox.services import session_note_save
from messaging.intake.services import message_receive
from messaging.models import Notification
from tests.factories import PASSWORD, World, activate_agreement, make_member, sign_in_user

PERSONAS = (
    "anonymous",
    "client",
    "other_client",
    "therapist",
    "other_therapist",
    "admin",
    "other_admin",
    "operator",
)


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}" if pattern.name else prefix + str(pattern.pattern)


def all_route_names() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


@dataclass(frozen=True)
class Row:
    expected: dict[str, int]
    method: str = "get"
    kwargs: Callable[[World], dict] = field(default=lambda world: {})
    data: Callable[[World], dict] = field(default=lambda world: {})


def statuses(default: int, anonymous: int = 302, **overrides: int) -> dict[str, int]:
    table = {persona: default for persona in PERSONAS}
    table["anonymous"] = anonymous
    table.update(overrides)
    return table


ADMIN_ONLY = statuses(403, admin=200, other_admin=200)
THERAPIST_ONLY = statuses(403, therapist=200, other_therapist=200)
CLIENT_ONLY = statuses(403, client=200, other_client=200)
# One client's things, seen by their therapist: others of the same role get 404.
THERAPIST_OF_CLIENT = statuses(403, therapist=200, other_therapist=404)
THERAPIST_OR_ADMIN_OF_CLIENT = statuses(
    403, therapist=200, other_therapist=404, admin=200, other_admin=404
)
THERAPIST_OF_CLIENT_POSTS = statuses(403, therapist=302, other_therapist=404)
# Clinical reads an admin reaches only when paged for the client (paged care-team access):
# otherwise 404 like another therapist's client.
THERAPIST_OF_CLIENT_ADMIN_IF_PAGED = statuses(
    403, therapist=200, other_therapist=404, admin=404, other_admin=404
)
PUBLIC = statuses(200, anonymous=200)
STAFF = statuses(403, therapist=200, other_therapist=200, admin=200, other_admin=200, operator=200)


def _client_message(world: World) -> dict:
    received = message_receive(
        practice=world.practice,
        channel="portal",
        body="Can we move Tuesday to 3pm?",
        sender=world.client,
        declared_purpose="logistics",
        declared_emergency=False,
    )
    return {"message_id": received.message.pk}


def _unknown_sender_message(world: World) -> dict:
    received = message_receive(
        practice=world.practice,
        channel="sms",
        body="hi is this the clinic",
        sender=None,
        sender_address="+15550009999",
    )
    return {"message_id": received.message.pk}


def _escalation(world: World) -> dict:
    received = message_receive(
        practice=world.practice,
        channel="portal",
        body="I took all my pills",
        sender=world.client,
        declared_emergency=True,
    )
    return {"escalation_id": received.message.escalation.pk}


def _engine_ticked(world: World) -> dict:
    escalation_tick()  # a fresh heartbeat: the engine is healthy
    return {}


def _ack_token(world: World) -> dict:
    escalation_id = _escalation(world)["escalation_id"]
    escalation_tick()
    page = Notification.objects.filter(escalation_id=escalation_id, purpose="page").first()
    return {"token": ack_token(page)}


ADMIN_OF_PRACTICE = statuses(403, admin=200, other_admin=404)
ADMIN_OF_PRACTICE_POSTS = statuses(403, admin=302, other_admin=404)


def _policy(world: World) -> dict:
    policy = policy_create(
        practice=world.practice,
        by=world.admin.user,
        name="Nights",
        description="",
        repeat_count=2,
        on_call_schedule=None,
        steps=[("notify_therapist", None, 5)],
    )
    return {"policy_id": policy.pk}


def _schedule(world: World):
    return schedule_create(
        practice=world.practice,
        by=world.admin.user,
        name="Weekly",
        time_zone="America/New_York",
        handoff_weekday=0,
        handoff_time=time(9),
        rotation_start=timezone.localdate(),
        member_ids=[world.other_therapist.pk],
    )


def _schedule_id(world: World) -> dict:
    return {"schedule_id": _schedule(world).pk}


def _override(world: World) -> dict:
    now = timezone.now()
    override = override_add(
        schedule=_schedule(world),
        by=world.admin.user,
        membership=world.other_therapist,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=2),
        reason="",
    )
    return {"override_id": override.pk}


def _client_note(world: World) -> dict:
    return {"note_id": session_note_save(client=world.client, body="Talk about my sister").pk}


def _client_id(world: World) -> dict:
    return {"client_id": world.client.pk}


def _active_agreement(world: World):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    return services.agreement_accept(agreement=draft, by=world.client.user)


def _draft_after_active(world: World) -> dict:
    _active_agreement(world)
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    return {"agreement_id": draft.pk}


def _proposed(world: World) -> dict:
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    return {"agreement_id": draft.pk}


def _away_period(world: World) -> dict:
    now = timezone.now()
    period = services.away_period_add(
        therapist=world.therapist,
        by=world.therapist.user,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=3),
        covering_therapist=world.other_therapist,
    )
    return {"period_id": period.pk}


def _crisis_period(world: World) -> dict:
    now = timezone.now()
    period = services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=now,
        ends_at=now + timedelta(days=3),
        check_in_cadence=CheckInCadence.DAILY,
    )
    return {"period_id": period.pk}


def _invitation(world: World) -> dict:
    invitation, _ = services.invitation_create(
        practice=world.practice,
        by=world.therapist.user,
        email="newclient@harbour.test",
        name="New Client",
        role=Role.CLIENT,
        therapist=world.therapist,
    )
    return {"token": services.invitation_token(invitation)}


def _open_check_in(world: World) -> dict:
    """The client's check-in, sent and waiting for an answer, under an agreement with them."""
    from messaging.between.services import check_in_plan_next
    from messaging.between.tick import check_ins_tick

    now = timezone.now()
    local = timezone.localtime(now - timedelta(minutes=30), world.client.zone)
    activate_agreement(world, check_ins_enabled=True, check_in_local_time=local.time())
    period = services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
        check_in_cadence=CheckInCadence.DAILY,
    )
    check_in = check_in_plan_next(period=period, now=now)
    check_ins_tick(now=now)
    return {"check_in_id": check_in.pk}


def _caring_schedule(world: World):
    from messaging.between.services import caring_contacts_start

    now = timezone.now()
    activate_agreement(world, caring_contacts_enabled=True)
    period = services.crisis_period_start(
        client=world.client,
        by=world.therapist.user,
        starts_at=now - timedelta(days=3),
        ends_at=now - timedelta(days=1),
        check_in_cadence=CheckInCadence.DAILY,
    )
    return caring_contacts_start(
        client=world.client,
        by=world.therapist.user,
        bodies=["Thinking of you."],
        after_crisis_period=period,
    )


def _caring_stop_token(world: World) -> dict:
    from messaging.between.services import caring_stop_token

    return {"token": caring_stop_token(_caring_schedule(world))}


MATRIX: dict[str, Row] = {
    "home": Row(statuses(302)),
    # Uptime monitors call it without signing in; it holds counts and ages only.
    "healthz": Row(PUBLIC, kwargs=_engine_ticked),
    "login": Row(PUBLIC),
    "logout": Row(statuses(302), method="post"),
    "password_change": Row(statuses(200)),
    "password_change_done": Row(statuses(200)),
    "password_reset": Row(PUBLIC),
    "password_reset_done": Row(PUBLIC),
    "password_reset_confirm": Row(
        PUBLIC, kwargs=lambda world: {"uidb64": "MQ", "token": "not-a-valid-token"}
    ),
    "password_reset_complete": Row(PUBLIC),
    # The second factor: signed-in people already past it are sent on (verify) or see their
    # settings (setup); clients who never enrolled are sent to set it up if they wish.
    "second_factor_verify": Row(statuses(302)),
    "second_factor_setup": Row(statuses(200)),
    # The idle-warning script asks how long is left (anyone may ask) and keeps a session alive.
    "session_status": Row(PUBLIC),
    "session_keepalive": Row(statuses(200, anonymous=401), method="post"),
    "invitation_accept": Row(PUBLIC, kwargs=_invitation),
    "practice_home": Row(ADMIN_ONLY),
    "staff_invite": Row(ADMIN_ONLY),
    "practice_settings": Row(ADMIN_ONLY),
    "therapist_home": Row(THERAPIST_ONLY),
    "client_invite": Row(THERAPIST_ONLY),
    "office_hours": Row(THERAPIST_ONLY),
    "away_periods": Row(THERAPIST_ONLY),
    "away_period_delete": Row(THERAPIST_OF_CLIENT_POSTS, method="post", kwargs=_away_period),
    "client_detail": Row(THERAPIST_OR_ADMIN_OF_CLIENT, kwargs=_client_id),
    "client_fhir_export": Row(THERAPIST_OR_ADMIN_OF_CLIENT, kwargs=_client_id),
    "agreement_draft": Row(THERAPIST_OF_CLIENT_POSTS, method="post", kwargs=_client_id),
    "safety_plan_edit": Row(THERAPIST_OF_CLIENT_ADMIN_IF_PAGED, kwargs=_client_id),
    "crisis_period_new": Row(THERAPIST_OF_CLIENT, kwargs=_client_id),
    "crisis_period_end": Row(THERAPIST_OF_CLIENT_POSTS, method="post", kwargs=_crisis_period),
    "agreement_detail": Row(
        THERAPIST_OR_ADMIN_OF_CLIENT,
        kwargs=lambda world: {"agreement_id": _active_agreement(world).pk},
    ),
    "agreement_edit": Row(THERAPIST_OF_CLIENT, kwargs=_draft_after_active),
    "agreement_changes": Row(THERAPIST_OR_ADMIN_OF_CLIENT, kwargs=_draft_after_active),
    "agreement_transition": Row(
        THERAPIST_OF_CLIENT_POSTS,
        method="post",
        kwargs=lambda world: {**_draft_after_active(world), "action": "propose"},
    ),
    "client_home": Row(CLIENT_ONLY),
    "client_agreement": Row(CLIENT_ONLY),
    "client_agreement_accept": Row(
        statuses(403, client=302, other_client=404), method="post", kwargs=_proposed
    ),
    "client_safety_plan": Row(CLIENT_ONLY),
    "client_crisis_help": Row(CLIENT_ONLY),
    # messaging: client
    "client_messages": Row(CLIENT_ONLY),
    "message_compose": Row(CLIENT_ONLY),
    "message_help_now": Row(statuses(403, client=302, other_client=302), method="post"),
    "client_message_detail": Row(
        statuses(403, client=200, other_client=404), kwargs=_client_message
    ),
    "client_message_raise": Row(
        statuses(403, client=302, other_client=404), method="post", kwargs=_client_message
    ),
    "client_notes": Row(CLIENT_ONLY),
    "client_note_edit": Row(statuses(403, client=200, other_client=404), kwargs=_client_note),
    "client_note_share": Row(
        statuses(403, client=302, other_client=404), method="post", kwargs=_client_note
    ),
    "client_note_delete": Row(
        statuses(403, client=302, other_client=404), method="post", kwargs=_client_note
    ),
    # messaging: therapist
    "therapist_inbox": Row(THERAPIST_ONLY),
    "message_detail": Row(THERAPIST_OF_CLIENT_ADMIN_IF_PAGED, kwargs=_client_message),
    "message_reply": Row(
        THERAPIST_OF_CLIENT_POSTS,
        method="post",
        kwargs=_client_message,
        data=lambda world: {"body": "Yes, 3pm works."},
    ),
    "message_retriage": Row(
        THERAPIST_OF_CLIENT_POSTS,
        method="post",
        kwargs=_client_message,
        data=lambda world: {
            "category": "urgent",
            "disposition": "deliver",
            "reason": "Deadline tomorrow",
        },
    ),
    # Unknown senders belong to the practice: every therapist there may match them.
    "message_assign": Row(
        statuses(403, therapist=302, other_therapist=302),
        method="post",
        kwargs=_unknown_sender_message,
        data=lambda world: {"client": world.client.pk},
    ),
    "session_prep": Row(THERAPIST_OF_CLIENT, kwargs=_client_id),
    "session_schedule": Row(THERAPIST_OF_CLIENT, kwargs=_client_id),
    # answering service
    "operator_console": Row(
        statuses(403, therapist=200, other_therapist=200, admin=200, other_admin=200, operator=200)
    ),
    # providers: signed or secret requests only
    "sms_inbound": Row(statuses(403, anonymous=403), method="post"),
    "email_inbound": Row(statuses(403, anonymous=403), method="post"),
    # the answering service: every turn of a call is a Twilio-signed webhook
    **{
        name: Row(statuses(403, anonymous=403), method="post")
        for name in (
            "voice_incoming",
            "voice_choice",
            "voice_connect",
            "voice_hold",
            "voice_end_choice",
            "voice_whisper",
            "voice_whisper_answer",
            "voice_recorded",
            "voice_transcription",
            "voice_page_answer",
            "voice_status",
        )
    },
    # JSON API: 401 without credentials, 403 for a role it isn't for, 404 for others' things
    "api:messages": Row(statuses(403, anonymous=401, client=200, other_client=200)),
    "api:message": Row(
        statuses(403, anonymous=401, client=200, other_client=404),
        kwargs=lambda world: {"id": _client_message(world)["message_id"]},
    ),
    # The FHIR export for the practice's EHR: admins only, their own practice's clients.
    "api:client_fhir": Row(
        statuses(403, anonymous=401, admin=200, other_admin=404),
        kwargs=lambda world: {"id": world.client.pk},
    ),
    "api:openapi-json": Row(PUBLIC),
    "api:openapi-view": Row(PUBLIC),
    "api:api-root": Row(statuses(404, anonymous=404)),
    "api_tokens": Row(CLIENT_ONLY),
    # contact log: each role its own part; bodies only through break-glass
    "contact_log": Row(statuses(200, operator=403)),
    "contact_log_csv": Row(
        statuses(403, therapist=200, other_therapist=200, admin=200, other_admin=200)
    ),
    "log_message_metadata": Row(
        statuses(403, admin=200, other_admin=404),
        kwargs=_client_message,
    ),
    "oversight_dashboard": Row(ADMIN_ONLY),
    # escalation admin
    "escalation:policy_list": Row(ADMIN_ONLY),
    "escalation:policy_new": Row(ADMIN_ONLY),
    "escalation:policy_edit": Row(ADMIN_OF_PRACTICE, kwargs=_policy),
    "escalation:policy_make_default": Row(ADMIN_OF_PRACTICE_POSTS, method="post", kwargs=_policy),
    "escalation:schedule_list": Row(ADMIN_ONLY),
    "escalation:schedule_new": Row(ADMIN_ONLY),
    "escalation:schedule_edit": Row(ADMIN_OF_PRACTICE, kwargs=_schedule_id),
    "escalation:schedule_calendar": Row(ADMIN_OF_PRACTICE, kwargs=_schedule_id),
    "escalation:schedule_overrides": Row(ADMIN_OF_PRACTICE, kwargs=_schedule_id),
    "escalation:override_delete": Row(ADMIN_OF_PRACTICE_POSTS, method="post", kwargs=_override),
    # escalation
    "escalation:list": Row(
        statuses(403, therapist=200, other_therapist=200, admin=200, other_admin=200)
    ),
    # Another therapist's client's escalation: only once they are paged for it (the tests
    # below and tests/escalation); admins of the practice always.
    "escalation:detail": Row(
        statuses(403, therapist=200, other_therapist=404, admin=200, other_admin=404),
        kwargs=_escalation,
    ),
    "escalation:acknowledge": Row(
        statuses(403, therapist=302, other_therapist=404, admin=302, other_admin=404),
        method="post",
        kwargs=_escalation,
    ),
    "escalation:outcome": Row(
        statuses(403, therapist=400, other_therapist=404, admin=400, other_admin=404),
        method="post",
        kwargs=_escalation,
    ),
    # The signed link is the credential: anyone holding it sees the one-button page.
    "escalation:ack_link": Row(PUBLIC, kwargs=_ack_token),
    "contact_methods": Row(STAFF),
    "my_notifications": Row(STAFF),
    "outbox": Row(statuses(403, therapist=200, other_therapist=200, admin=200, other_admin=200)),
    # Quarantined inbound requests: the instance's administrators (superusers) only.
    "quarantine_list": Row(statuses(403)),
    "quarantine_assign": Row(statuses(403), method="post", kwargs=lambda world: {"envelope_id": 1}),
    "twilio_status_callback": Row(statuses(403, anonymous=403), method="post"),
    # between sessions: check-ins and caring messages
    "client_check_in_answer": Row(
        statuses(403, client=302, other_client=404), method="post", kwargs=_open_check_in
    ),
    "client_caring_messages": Row(CLIENT_ONLY),
    # The signed link in each caring message is the credential, for a year: no sign-in.
    "caring_stop_link": Row(PUBLIC, kwargs=_caring_stop_token),
    "caring_contacts_new": Row(THERAPIST_OF_CLIENT, kwargs=_client_id),
    "caring_contacts_end": Row(
        THERAPIST_OF_CLIENT_POSTS,
        method="post",
        kwargs=lambda world: {"schedule_id": _caring_schedule(world).pk},
    ),
    "api_token_revoke": Row(
        statuses(403, client=302, other_client=404),
        method="post",
        kwargs=lambda world: {"token_id": api_token_create(user=world.client.user, name="x")[0].pk},
    ),
}


def _is_django_admin(name: str) -> bool:
    return name.startswith(("admin:", "django-admin/"))


def test_every_route_is_in_the_matrix():
    missing = {name for name in all_route_names() if not _is_django_admin(name)} - set(MATRIX)
    assert not missing, f"Add these routes to the authorization matrix: {sorted(missing)}"
    stale = set(MATRIX) - all_route_names()
    assert not stale, f"These rows name routes that no longer exist: {sorted(stale)}"


def _sign_in(client, world: World, persona: str) -> None:
    if persona == "anonymous":
        return
    membership = getattr(world, persona)
    sign_in_user(client, membership.user)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_route_answers_each_persona_as_expected(client, world, route, persona, settings):
    settings.USES_EMBEDDED_SERVICES = True  # the outbox exists only in the embedded/demo mode
    row = MATRIX[route]
    url = reverse(route, kwargs=row.kwargs(world))
    _sign_in(client, world, persona)
    response = getattr(client, row.method)(url, row.data(world))
    assert response.status_code == row.expected[persona], (
        f"{row.method.upper()} {url} as {persona}: {response.status_code}"
    )
    if response.status_code == 302 and persona == "anonymous" and route != "logout":
        assert response["Location"].startswith(reverse("login"))


STAFF_PERSONAS = ("therapist", "other_therapist", "admin", "other_admin", "operator")


@pytest.mark.parametrize("persona", STAFF_PERSONAS)
@pytest.mark.parametrize("route", sorted(MATRIX))
def test_a_staff_password_alone_reaches_no_staff_page(client, world, route, persona, settings):
    """Signed in with the password but not the second factor, staff are sent to the
    second-factor page from every route (the API answers 403 JSON), except the few open before
    it: the second-factor pages, signing out, the session timer and the public pages."""
    from agreements.signin.access import OPEN_BEFORE_SECOND_FACTOR

    settings.USES_EMBEDDED_SERVICES = True
    row = MATRIX[route]
    url = reverse(route, kwargs=row.kwargs(world))
    user = getattr(world, persona).user
    signed_in = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert signed_in.status_code == 302
    response = getattr(client, row.method)(url, row.data(world))
    if route in OPEN_BEFORE_SECOND_FACTOR:
        # Open before the second factor only because anyone may open it, or it is the way on.
        assert (
            route.startswith(("second_factor", "session_"))
            or route == "logout"
            or (row.expected["anonymous"] in (200, 403, 410))
        ), route
        return
    if route.startswith("api:") or url.startswith("/api/"):
        assert response.status_code == 403, f"{url} as {persona}: {response.status_code}"
        assert "Two-step sign-in is required" in response.json()["detail"]
        return
    assert response.status_code == 302, f"{url} as {persona}: {response.status_code}"
    assert response["Location"].startswith(reverse("second_factor_verify")), response["Location"]


@pytest.mark.parametrize("persona", ("admin", "therapist"))
def test_a_staff_password_alone_reaches_no_django_admin_page(client, world, persona):
    user = getattr(world, persona).user
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    for _, url in _admin_urls():
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("second_factor_verify")), url


def _admin_urls() -> list[str]:
    urls = [
        ("unnamed", "/django-admin/agreements/user/1/"),
        ("unnamed", "/django-admin/agreements/contactagreement/1/"),
        ("unnamed", "/django-admin/no-such-page/"),
    ]
    for name in sorted(n for n in all_route_names() if n.startswith("admin:")):
        for args in ([], ["1"], ["agreements"], ["agreements", "user"], ["1", "1"]):
            try:
                urls.append((name, reverse(name, args=args)))
                break
            except NoReverseMatch:
                continue
    return urls


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_for_superusers_only(client, world, persona):
    _sign_in(client, world, persona)
    urls = _admin_urls()
    assert len(urls) > 10
    for name, url in urls:
        response = client.get(url)
        if name == "admin:login":
            # The login form itself renders; signing in with a non-superuser is refused.
            assert response.status_code in (200, 302)
            continue
        assert response.status_code in (302, 403, 404, 405), f"{url} as {persona}"


def test_superuser_reaches_django_admin(client, db):
    from agreements.models import User

    User.objects.create_superuser(email="root@example.test", password=PASSWORD, name="Root")
    sign_in_user(client, User.objects.get(email="root@example.test"))
    assert client.get(reverse("admin:index")).status_code == 200


# -- paged care-team access (DESIGN.md, invariant 7) -----------------------------------------
#
# The on-call clinician (other_therapist) is not the client's therapist: the rows above give
# them 404 on the client's things. Paged for the client's crisis they may open the message, the
# contact card, the safety plan and the active agreement while the escalation is open and for
# 72 hours after it closed; every read is logged; then the normal rules are back.

PAGED_READS = ("message_detail", "client_detail", "safety_plan_edit", "agreement_detail")


def _paged_crisis(world: World):
    """The client's crisis under the default policy (therapist, on call, admins; two rounds)
    with other_therapist on call; the client has an active agreement and a phone. The first
    step has run: the client's therapist is paged."""
    world.client.user.phone = "+15550100011"
    world.client.user.save(update_fields=["phone"])
    agreement = _active_agreement(world)
    schedule_create(
        practice=world.practice,
        by=world.admin.user,
        name="Weekly",
        time_zone="America/New_York",
        handoff_weekday=0,
        handoff_time=time(9),
        rotation_start=timezone.localdate() - timedelta(days=14),
        member_ids=[world.other_therapist.pk],
    )
    received = message_receive(
        practice=world.practice,
        channel="portal",
        body="I took all my pills",
        sender=world.client,
        declared_emergency=True,
    )
    escalation = received.message.escalation
    escalation_tick()
    return received.message, escalation, agreement


def _paged_urls(message, agreement, client_id: int) -> dict[str, str]:
    return {
        "message_detail": reverse("message_detail", args=[message.pk]),
        "client_detail": reverse("client_detail", args=[client_id]),
        "safety_plan_edit": reverse("safety_plan_edit", args=[client_id]),
        "agreement_detail": reverse("agreement_detail", args=[agreement.pk]),
    }


def _statuses(client, urls: dict[str, str]) -> dict[str, int]:
    return {name: client.get(url).status_code for name, url in urls.items()}


def test_the_paged_on_call_opens_the_crisis_within_72_hours_of_it_closing(
    client, world, time_machine
):
    from messaging.escalation.lifecycle import escalation_acknowledge, escalation_record_outcome
    from messaging.models import ContactEvent, EventType

    time_machine.move_to(timezone.now(), tick=False)
    message, escalation, agreement = _paged_crisis(world)
    urls = _paged_urls(message, agreement, world.client.pk)
    _sign_in(client, world, "other_therapist")
    # Not paged yet (step 1 pages the client's therapist): the normal rules.
    assert _statuses(client, urls) == dict.fromkeys(PAGED_READS, 404)

    time_machine.shift(timedelta(minutes=5))
    escalation_tick()  # step 2: whoever is on call
    assert Notification.objects.filter(
        escalation=escalation, recipient=world.other_therapist.user, purpose="page"
    ).exists()
    assert _statuses(client, urls) == dict.fromkeys(PAGED_READS, 200)
    card = client.get(urls["client_detail"]).content.decode()
    assert 'href="tel:+15550100011"' in card and "mailto:client@harbour.test" in card
    plan_page = client.get(urls["safety_plan_edit"]).content.decode()
    assert "<form" not in plan_page.split("<main")[-1], "the paged read-only plan has no form"
    # Writes keep the normal rules.
    assert client.post(urls["safety_plan_edit"], {}).status_code == 404
    assert client.post(reverse("message_reply", args=[message.pk]), {"body": "x"}).status_code == (
        404
    )
    reads = ContactEvent.objects.filter(
        event_type=EventType.CARE_TEAM_READ, actor=world.other_therapist.user
    )
    assert {r.details["what"] for r in reads} == {
        "message",
        "contact card",
        "safety plan",
        "agreement",
    }
    assert all(r.details["escalation"] == escalation.pk for r in reads)
    assert all(r.client_id == world.client.pk for r in reads)

    escalation_acknowledge(escalation_id=escalation.pk, by=world.other_therapist.user, via="link")
    time_machine.shift(timedelta(hours=1))
    escalation_record_outcome(
        escalation_id=escalation.pk,
        by=world.other_therapist.user,
        client_contacted=True,
        outcome="safety_confirmed",
    )
    time_machine.shift(timedelta(hours=71, minutes=59))
    # Sessions end after 12 hours: the clinician signs in again three days later.
    _sign_in(client, world, "other_therapist")
    assert _statuses(client, urls) == dict.fromkeys(PAGED_READS, 200)
    time_machine.shift(timedelta(minutes=2))  # 72 hours after it closed
    assert _statuses(client, urls) == dict.fromkeys(PAGED_READS, 404)


def test_a_therapist_who_was_not_paged_cannot_open_the_crisis(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    message, _, agreement = _paged_crisis(world)
    time_machine.shift(timedelta(minutes=5))
    escalation_tick()  # the on-call clinician is paged, nobody else new
    unpaged = make_member("t3@harbour.test", "Una Unpaged", world.practice, Role.THERAPIST)
    _sign_in(client, world, "other_therapist")
    assert _statuses(client, _paged_urls(message, agreement, world.client.pk)) == dict.fromkeys(
        PAGED_READS, 200
    )
    client.logout()
    sign_in_user(client, unpaged.user)
    assert _statuses(client, _paged_urls(message, agreement, world.client.pk)) == dict.fromkeys(
        PAGED_READS, 404
    )
    # A paged clinician of another practice reaches nothing here either.
    client.logout()
    _sign_in(client, world, "other_admin")
    assert _statuses(client, _paged_urls(message, agreement, world.client.pk)) == dict.fromkeys(
        PAGED_READS, 404
    )


def test_the_admins_paged_at_the_end_of_the_chain_open_the_crisis(client, world, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    message, escalation, agreement = _paged_crisis(world)
    urls = _paged_urls(message, agreement, world.client.pk)
    _sign_in(client, world, "admin")
    # An admin sees the contact card and agreements by the normal rules, never the message or
    # the safety plan.
    assert _statuses(client, urls) == {
        "message_detail": 404,
        "client_detail": 200,
        "safety_plan_edit": 404,
        "agreement_detail": 200,
    }
    for _ in range(2):
        time_machine.shift(timedelta(minutes=5))
        escalation_tick()
    # Step 3: the admins are paged.
    assert Notification.objects.filter(
        escalation=escalation, recipient=world.admin.user, purpose="page"
    ).exists()
    assert _statuses(client, urls) == dict.fromkeys(PAGED_READS, 200)


def test_from_the_acknowledgement_the_on_call_is_one_tap_from_each_page(
    client, world, time_machine
):
    time_machine.move_to(timezone.now(), tick=False)
    message, escalation, agreement = _paged_crisis(world)
    time_machine.shift(timedelta(minutes=5))
    escalation_tick()
    page = Notification.objects.filter(
        escalation=escalation, recipient=world.other_therapist.user, purpose="page"
    ).first()
    done = client.post(reverse("escalation:ack_link", args=[ack_token(page)])).content.decode()
    assert 'href="tel:+15550100011"' in done
    urls = _paged_urls(message, agreement, world.client.pk)
    for url in urls.values():
        assert f'href="{url}"' in done
    _sign_in(client, world, "other_therapist")
    detail = client.get(reverse("escalation:detail", args=[escalation.pk])).content.decode()
    assert 'href="tel:+15550100011"' in detail
    for url in urls.values():
        assert f'href="{url}"' in detail
        assert client.get(url).status_code == 200


# -- headers on every routed page -------------------------------------------------------------
#
# Every route above, as the persona it serves, carries the strict Content-Security-Policy,
# Permissions-Policy and ``Cache-Control: no-store``, and its HTML has no script without the
# request's nonce, no inline event handler and no style attribute (the policy would block them).

SCRIPT_TAG = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def _persona_served(route: str) -> str:
    expected = MATRIX[route].expected
    return next((p for p in PERSONAS if expected[p] == 200), "anonymous")


def assert_secure_headers(response, where: str) -> None:
    policy = response.get("Content-Security-Policy", "")
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (d.strip() for d in policy.split(";")) if part
    )
    assert "script-src" in directives, f"{where}: no CSP script-src ({policy!r})"
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy, where
    assert directives.get("object-src") == "'none'", where
    assert directives.get("frame-ancestors") == "'none'", where
    assert "camera=()" in response.get("Permissions-Policy", ""), where
    assert "microphone=()" in response["Permissions-Policy"], where
    assert "geolocation=()" in response["Permissions-Policy"], where
    assert "no-store" in response.get("Cache-Control", ""), where
    if "text/html" in response.get("Content-Type", "") and not response.streaming:
        html = response.content.decode()
        nonce = re.search(r"'nonce-([^']+)'", directives["script-src"])
        for tag in SCRIPT_TAG.findall(html):
            if 'type="application/json"' in tag:
                continue
            assert nonce and f'nonce="{nonce.group(1)}"' in tag, f"{where}: {tag}"
        assert not EVENT_HANDLER.search(html), f"{where}: {EVENT_HANDLER.search(html).group(0)}"
        assert not STYLE_ATTRIBUTE.search(html), f"{where}: {STYLE_ATTRIBUTE.search(html).group(0)}"


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_every_page_carries_csp_permissions_policy_and_no_store(client, world, route, settings):
    settings.USES_EMBEDDED_SERVICES = True
    row = MATRIX[route]
    persona = _persona_served(route)
    url = reverse(route, kwargs=row.kwargs(world))
    _sign_in(client, world, persona)
    response = getattr(client, row.method)(url, row.data(world))
    assert_secure_headers(response, f"{row.method.upper()} {url} as {persona}")


@pytest.mark.parametrize("persona", PERSONAS)
def test_error_pages_carry_the_headers_too(client, world, persona):
    _sign_in(client, world, persona)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_secure_headers(response, f"404 as {persona}")
