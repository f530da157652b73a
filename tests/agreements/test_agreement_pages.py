"""The agreement pages: bad input shows errors and saves nothing; query counts stay flat."""

from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements import services
from agreements.models import ContactAgreement, Invitation, Membership, Role
from messaging.models import ContactEvent, Notification, NotificationPurpose, NotificationStatus
from messaging.notifications.selectors import notifications_due
from messaging.notifications.services import notification_send
from tests.factories import make_member, sign_in


def _agreement_post(agreement, **overrides):
    data = {
        "frequency_limit_per_week": "3",
        "hold_clinical_for_session": "on",
        "crisis_instructions": "Call the practice line.",
        "escalation_policy": str(agreement.escalation_policy_id),
        "note_to_client": "",
        "review_due": "2027-03-01",
        "channel-portal-enabled": "on",
        "channel-portal-allow_logistics": "on",
        "channel-portal-allow_clinical": "on",
        "channel-phone-enabled": "on",
        "channel-phone-allow_crisis": "on",
        "channel-phone-after_hours_allowed": "on",
        "window-urgent-amount": "4",
        "window-urgent-unit": "hours",
        "window-logistics-amount": "2",
        "window-logistics-unit": "days",
        "window-clinical-amount": "",
        "window-clinical-unit": "days",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_therapist_writes_and_proposes_an_agreement(client, world):
    sign_in(client, world.therapist)
    response = client.post(reverse("agreement_draft", args=[world.client.pk]))
    draft = ContactAgreement.objects.get(client=world.client)
    assert response["Location"] == reverse("agreement_edit", args=[draft.pk])
    assert client.get(response["Location"]).status_code == 200

    response = client.post(
        reverse("agreement_edit", args=[draft.pk]), _agreement_post(draft, propose="1")
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "proposed"
    assert draft.frequency_limit_per_week == 3
    rules = {r.channel: r for r in draft.channel_rules.all()}
    assert rules["portal"].allowed_purposes == ["logistics", "clinical"]
    assert not rules["sms"].enabled
    assert rules["phone"].after_hours_allowed
    assert not draft.response_windows.filter(category="clinical").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"frequency_limit_per_week": "-1"}, "greater than or equal to 0"),
        ({"review_due": "next tuesday"}, "Enter a valid date"),
        ({"window-urgent-amount": "0"}, "greater than or equal to 1"),
        ({"window-urgent-unit": "fortnights"}, "Select a valid choice"),
        ({"escalation_policy": "999999"}, "Select a valid choice"),
        (
            {"channel-portal-allow_logistics": None, "channel-portal-allow_clinical": None},
            "choose what it may be used for",
        ),
    ],
)
def test_bad_agreement_input_shows_errors_and_saves_nothing(client, world, overrides, message):
    sign_in(client, world.therapist)
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    events_before = ContactEvent.objects.count()
    response = client.post(
        reverse("agreement_edit", args=[draft.pk]), _agreement_post(draft, **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    draft.refresh_from_db()
    assert draft.frequency_limit_per_week is None
    assert draft.status == "draft"
    assert ContactEvent.objects.count() == events_before


def test_policy_of_another_practice_cannot_be_chosen(client, world):
    sign_in(client, world.therapist)
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    foreign = world.other_practice.escalation_policies.get()
    response = client.post(
        reverse("agreement_edit", args=[draft.pk]),
        _agreement_post(draft, escalation_policy=str(foreign.pk)),
    )
    assert response.status_code == 200
    draft.refresh_from_db()
    assert draft.escalation_policy.practice == world.practice


def test_client_reads_plain_language_page_and_accepts(client, world):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    sign_in(client, world.client)
    page = client.get(reverse("client_agreement")).content.decode()
    assert "How we'll stay in touch between sessions" in page
    assert "A reply within 4 business hours." in page
    assert "988" in page
    response = client.post(reverse("client_agreement_accept", args=[draft.pk]))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "active"


def test_client_sees_what_changes_in_a_new_version(client, world):
    draft = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_propose(agreement=draft, by=world.therapist.user)
    services.agreement_accept(agreement=draft, by=world.client.user)
    v2 = services.agreement_start_draft(client=world.client, by=world.therapist.user)
    services.agreement_update_draft(
        agreement=v2,
        by=world.therapist.user,
        terms={"frequency_limit_per_week": 2},
        channel_rules={},
        response_windows={},
    )
    services.agreement_propose(agreement=v2, by=world.therapist.user)
    sign_in(client, world.client)
    page = client.get(reverse("client_agreement")).content.decode()
    assert "Suggested changes (version 2)" in page
    assert "Up to 2 a week" in page and "diff-after" in page


def test_invitation_is_single_use_and_expires(
    client, world, time_machine, django_capture_on_commit_callbacks
):
    time_machine.move_to(timezone.now(), tick=False)
    sign_in(client, world.therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("client_invite"), {"name": "Nia New", "email": "Nia@Example.test"}
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="nia@example.test")
    assert not mail.outbox  # the engine tick's sweeper sends it, as a worker would:
    time_machine.shift(timedelta(seconds=5))
    for notification_id in notifications_due():
        notification_send(notification_id=notification_id)
    assert len(mail.outbox) == 1 and "/invite/" in mail.outbox[0].body
    assert mail.outbox[0].to == ["nia@example.test"]
    sent = Notification.objects.get(purpose=NotificationPurpose.INVITATION)
    assert sent.status == NotificationStatus.SENT and sent.recipient is None
    link = reverse("invitation_accept", args=[services.invitation_token(invitation)])
    client.logout()

    bad = client.post(link, {"name": "Nia", "password1": "short", "password2": "short"})
    assert bad.status_code == 200 and "too short" in bad.content.decode()
    assert not Membership.objects.filter(user__email="nia@example.test").exists()

    good = {"name": "Nia New", "password1": "a-long-enough-pass", "password2": "a-long-enough-pass"}
    assert client.post(link, good).status_code == 302
    membership = Membership.objects.get(user__email="nia@example.test")
    assert membership.role == Role.CLIENT and membership.therapist == world.therapist
    client.logout()
    assert client.get(link).status_code == 410  # used

    _, path = services.invitation_create(
        practice=world.practice,
        by=world.admin.user,
        email="later@example.test",
        name="Later",
        role=Role.THERAPIST,
    )
    time_machine.shift(timedelta(days=8))
    response = client.get(path)
    assert response.status_code == 410 and "expired" in response.content.decode()


def test_inviting_an_existing_member_is_a_form_error(client, world):
    sign_in(client, world.admin)
    response = client.post(
        reverse("staff_invite"),
        {"name": "Again", "email": world.therapist.user.email, "role": "therapist"},
    )
    assert response.status_code == 200
    assert "already a member" in response.content.decode()


def test_office_hours_overlap_is_refused(client, world):
    sign_in(client, world.therapist)
    data = {
        "time_zone": "America/New_York",
        "hours-TOTAL_FORMS": "2",
        "hours-INITIAL_FORMS": "0",
        "hours-0-weekday": "0",
        "hours-0-start": "09:00",
        "hours-0-end": "13:00",
        "hours-1-weekday": "0",
        "hours-1-start": "12:00",
        "hours-1-end": "17:00",
    }
    response = client.post(reverse("office_hours"), data)
    assert response.status_code == 200 and "overlap" in response.content.decode()
    assert world.therapist.office_hours.count() == 5  # the defaults, unchanged
    data["hours-1-start"] = "14:00"
    data["time_zone"] = "Europe/London"
    assert client.post(reverse("office_hours"), data).status_code == 302
    world.therapist.refresh_from_db()
    assert world.therapist.time_zone == "Europe/London"
    assert [(h.start, h.end) for h in world.therapist.office_hours.all()] == [
        (time(9), time(13)),
        (time(14), time(17)),
    ]


def test_crisis_period_form_rejects_end_before_start(client, world):
    sign_in(client, world.therapist)
    response = client.post(
        reverse("crisis_period_new", args=[world.client.pk]),
        {
            "starts_at": "2026-11-24T10:00",
            "ends_at": "2026-11-23T10:00",
            "check_in_cadence": "daily",
        },
    )
    assert response.status_code == 200 and "after the start" in response.content.decode()
    assert not world.client.crisis_periods.exists()


def _add_clients(world, count):
    for i in range(count):
        member = make_member(
            f"extra{i}-{Membership.objects.count()}@harbour.test",
            f"Extra {i}",
            world.practice,
            Role.CLIENT,
            therapist=world.therapist,
        )
        draft = services.agreement_start_draft(client=member, by=world.therapist.user)
        services.agreement_propose(agreement=draft, by=world.therapist.user)
        services.agreement_accept(agreement=draft, by=member.user)


@pytest.mark.parametrize(
    ("persona", "route"),
    [("therapist", "therapist_home"), ("admin", "practice_home")],
)
def test_list_pages_use_a_constant_number_of_queries(client, world, persona, route):
    sign_in(client, getattr(world, persona))
    _add_clients(world, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(route)).status_code == 200
    _add_clients(world, 8)
    with CaptureQueriesContext(connection) as many:
        assert client.get(reverse(route)).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
