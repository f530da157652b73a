"""Exact query budget for the therapist's inbox page: the same however many messages wait.

The count is what the code does today, with the reason beside it; a change either way should
be a decision.
"""

import pytest
from django.urls import reverse

from tests.factories import activate_agreement, receive, sign_in

# The session, the signed-in user, their membership (user and practice joined), and one query
# for the messages, their decisions and their clients' names joined (an away-period join finds
# the colleagues covered), and the staff banner's count of inbound requests not yet processed:
# nothing per row.
INBOX_PAGE = 5


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
