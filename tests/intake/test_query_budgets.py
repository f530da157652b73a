"""Exact query budgets for ``message_receive``, the path every message in takes.

Each count is what the code does today, with the reason for it beside the number; a change in
either direction should be a decision, so the test fails on both. The test runs inside
pytest-django's transaction, so the service's ``atomic()`` shows as a SAVEPOINT and a RELEASE.
The portal has no unknown senders (it needs a sign-in), so that case is not listed.
"""

import pytest

from tests.factories import activate_agreement, receive

CRISIS = "I took all my pills, I want it to be over"
ROUTINE = "Can we move Tuesday to 3pm?"

# Each log row costs its INSERT plus CHAIN: the practice's chain head locked (SELECT ... FOR
# UPDATE) and moved on (UPDATE), which is what orders the log's hash chain.
CHAIN = 2
# Known sender, routine: 2 savepoint + 1 message + 9 triage-context reads + 1 decision
# + 1 status update + 2 log rows (received, triaged) + 1 safety-plan read for the reply
# + 1 auto-reply message + 1 its log row + 1 look for an open check-in the message answers
# (locked; none here) = 20, and 3 chained log rows.
KNOWN_ROUTINE = 20 + 3 * CHAIN
# A crisis adds 9: the lock on the client's open escalation taken before the first log row
# (one lock order with the engine: escalation, then chain head); the "escalation requested"
# log row; escalation_start's check for a running escalation of this message, its look for the
# client's open escalation to join (locked; none here), the policy, its steps, the therapist's
# away periods (who is paged), the INSERT, and the "escalation started" log row. The first page
# is sent after commit, not here. And 2 chained log rows. Then 3 for who the reply says is
# contacted now and next (the policy snapshot's first two steps): the therapist's away periods,
# then the on-call schedule and, with nobody on call, the practice's admins.
CRISIS_EXTRA = 9 + 3 + 2 * CHAIN
# An unknown sender has no agreement, history or safety plan to read: 2 savepoint + message
# + decision + status update + 2 log rows + auto-reply + its log row = 9; 3 chained log rows.
UNKNOWN_ROUTINE = 9 + 3 * CHAIN
# Their crisis adds 6: as above, but the practice's default policy is found without an
# away-period lookup (no therapist to cover); 2 chained log rows. Then 4 for who the reply
# says is contacted now and next: with no therapist both steps look up the on-call schedule
# and then the practice's admins.
UNKNOWN_CRISIS_EXTRA = 6 + 4 + 2 * CHAIN
# An email auto-reply leaves as a Notification: get_or_create on its idempotency key is a
# SELECT, then SAVEPOINT, INSERT, RELEASE. Portal replies are read in the app, SMS replies
# go back in the webhook's TwiML and phone replies are read out by the operator: no row.
EMAIL_NOTIFICATION = 4

CASES = [
    # channel, known sender, crisis, expected
    ("portal", True, False, KNOWN_ROUTINE),
    ("sms", True, False, KNOWN_ROUTINE),
    ("email", True, False, KNOWN_ROUTINE + EMAIL_NOTIFICATION),
    ("phone", True, False, KNOWN_ROUTINE),
    ("portal", True, True, KNOWN_ROUTINE + CRISIS_EXTRA),
    ("sms", True, True, KNOWN_ROUTINE + CRISIS_EXTRA),
    ("email", True, True, KNOWN_ROUTINE + CRISIS_EXTRA + EMAIL_NOTIFICATION),
    ("phone", True, True, KNOWN_ROUTINE + CRISIS_EXTRA),
    ("sms", False, False, UNKNOWN_ROUTINE),
    ("email", False, False, UNKNOWN_ROUTINE + EMAIL_NOTIFICATION),
    ("phone", False, False, UNKNOWN_ROUTINE),
    ("sms", False, True, UNKNOWN_ROUTINE + UNKNOWN_CRISIS_EXTRA),
    ("email", False, True, UNKNOWN_ROUTINE + UNKNOWN_CRISIS_EXTRA + EMAIL_NOTIFICATION),
    ("phone", False, True, UNKNOWN_ROUTINE + UNKNOWN_CRISIS_EXTRA),
]


@pytest.mark.parametrize(
    ("channel", "known", "crisis", "expected"),
    CASES,
    ids=[
        f"{channel}-{'known' if known else 'unknown'}-{'crisis' if crisis else 'routine'}"
        for channel, known, crisis, _ in CASES
    ],
)
def test_message_receive_query_budget(
    world, django_assert_num_queries, channel, known, crisis, expected
):
    activate_agreement(world)
    declared = {} if crisis else {"declared_purpose": "logistics", "declared_emergency": False}
    with django_assert_num_queries(expected):
        received = receive(
            world,
            CRISIS if crisis else ROUTINE,
            channel=channel,
            sender="client" if known else None,
            **declared,
        )
    # The budget is for the path named in the id, not a cheaper one taken by mistake.
    assert received.decision.disposition == ("escalate" if crisis else "deliver")
    assert (received.message.client is not None) is known
