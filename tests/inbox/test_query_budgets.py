"""Exact query budget for the therapist's inbox page: the same however many messages wait.

The count is what the code does today, with the reason beside it; a change either way should
be a decision.
"""

import pytest
from django.urls import reverse

from agreements.models import Role
from messaging.escalation.lifecycle import (
    escalation_acknowledge,
    escalation_record_outcome,
    escalation_tick,
)
from messaging.intake.services import message_receive
from messaging.models import Escalation
from tests.factories import TUESDAY_10AM, activate_agreement, make_member, receive, sign_in

# The session, the signed-in user, their membership (user and practice joined), and one query
# for the messages, their decisions and their clients' names joined (an away-period join finds
# the colleagues covered), the staff banner's count of inbound requests not yet processed, and
# the second-factor device the session was verified with (django-otp checks it still exists):
# nothing per row.
INBOX_PAGE = 6


@pytest.mark.parametrize("waiting", [3, 30])
def test_inbox_page_costs_the_same_for_3_or_30_messages(
    client, world, django_assert_num_queries, waiting
):
    activate_agreement(world)
    for n in range(waiting):
        receive(world, f"Question {n} about my invoice", declared_purpose="logistics")
    sign_in(client, world.therapist)
    with django_assert_num_queries(INBOX_PAGE):
        response = client.get(reverse("therapist_inbox"))
    assert response.status_code == 200
    assert len(response.context["inbox"]) == waiting


# Crisis rows add one query, for the pages of the escalations still paging (whom each one is
# paging now); the escalation, its acknowledger and who recorded its outcome are joined into
# the inbox query, and the paged-for escalations are a subquery of it: nothing per row.
INBOX_PAGE_WITH_PAGING_CRISES = INBOX_PAGE + 1


@pytest.mark.parametrize("clients", [3, 12])
def test_inbox_with_crisis_rows_costs_the_same_for_3_or_12_crises(
    client, world, django_assert_num_queries, time_machine, clients
):
    time_machine.move_to(TUESDAY_10AM, tick=False)
    activate_agreement(world)
    people = [world.client] + [
        make_member(
            f"c{n}@harbour.test",
            f"Crisis Client {n}",
            world.practice,
            Role.CLIENT,
            therapist=world.therapist,
        )
        for n in range(clients - 1)
    ]
    for person in people:
        message_receive(
            practice=world.practice,
            channel="portal",
            body="I took all my pills",
            sender=person,
            declared_emergency=True,
            received_at=TUESDAY_10AM,
        )
    escalation_tick()  # each pages the therapist
    # One of them acknowledged, one resolved: their rows still show who and what.
    first, second = Escalation.objects.order_by("pk")[:2]
    escalation_acknowledge(escalation_id=first.pk, by=world.therapist.user, via="in_app")
    escalation_acknowledge(escalation_id=second.pk, by=world.therapist.user, via="in_app")
    escalation_record_outcome(
        escalation_id=second.pk,
        by=world.therapist.user,
        client_contacted=True,
        outcome="safety_confirmed",
    )
    receive(world, "Question about my invoice", declared_purpose="logistics")
    sign_in(client, world.therapist)
    with django_assert_num_queries(INBOX_PAGE_WITH_PAGING_CRISES):
        response = client.get(reverse("therapist_inbox"))
    assert response.status_code == 200
    assert len(response.context["inbox"]) == clients + 1
    html = response.content.decode()
    assert html.count('data-testid="escalation-state"') == clients
