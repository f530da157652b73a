"""Exact query budget for one engine tick moving one escalation, and two in one claim (the beat
runs it every second).

The count is what the code does today, with the reason beside it; a change either way should
be a decision. pytest-django's transaction makes each ``atomic()`` a SAVEPOINT and a RELEASE.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

from messaging.escalation import lifecycle
from messaging.models import Escalation, Notification
from tests.factories import receive

NIGHT = datetime(2026, 11, 24, 2, 0, tzinfo=ZoneInfo("America/New_York"))
CRISIS = "I took all my pills, I want it to be over"

# A tick with nothing due: SAVEPOINT, the due-escalation SELECT ... FOR UPDATE, RELEASE; then
# the heartbeat's update_or_create (SAVEPOINT, SELECT, UPDATE, RELEASE).
EMPTY_TICK = 7
# Moving one escalation to its first step, inside the claim's transaction above (the default
# policy pages the client's therapist in the app and by email; no phone, so no SMS):
#   1  UPDATE its state, step and next time (the row was locked by the claim)
#   6  who is paged: the practice, the client, the therapist, their away periods, their user,
#      their contact methods
#   6  two pages, in bulk: which of the two idempotency keys exist already (SELECT), one
#      INSERT for both; then the message, its decision (crisis or urgent?) and the client's
#      user for the wording, and one UPDATE that writes both texts (the ack link signs the id)
#   2  the step's log row: the therapist it names, then the INSERT
#   8  the client's update ("we're contacting Tess now; if no answer by 02:05, the on-call
#      clinician"): the step's log row and its people read back, who the next step will page
#      (the on-call schedule, else the practice's admins), the practice and the client again
#      (not reused from above), the message and its log row
#   4  the two log rows' place in the practice's hash chain: each locks the chain head
#      (SELECT ... FOR UPDATE) and moves it on (UPDATE)
# A claim shorter than TICK_CLAIM was the last one, so there is no further empty claim.
ONE_STEP = 27


def test_one_tick_moving_one_escalation(world, time_machine, django_assert_num_queries):
    time_machine.move_to(NIGHT, tick=False)
    lifecycle.escalation_tick()  # the heartbeat row exists in steady state
    with django_assert_num_queries(EMPTY_TICK):
        assert lifecycle.escalation_tick() == 0
    received = receive(world, CRISIS, at=NIGHT)
    with django_assert_num_queries(EMPTY_TICK + ONE_STEP):
        assert lifecycle.escalation_tick() == 1
    escalation = Escalation.objects.get(message=received.message)
    assert escalation.step_index == 1
    pages = Notification.objects.filter(escalation=escalation, purpose="page")
    assert sorted(pages.values_list("channel", flat=True)) == ["email", "in_app"]


def test_one_claim_moving_two_escalations(world, time_machine, django_assert_num_queries):
    """Two due escalations share one claim (one SELECT ... FOR UPDATE SKIP LOCKED LIMIT, one
    transaction); each step costs what it costs alone."""
    time_machine.move_to(NIGHT, tick=False)
    lifecycle.escalation_tick()
    first = receive(world, CRISIS, at=NIGHT)
    second = receive(world, CRISIS, at=NIGHT, sender="other_client")
    with django_assert_num_queries(EMPTY_TICK + 2 * ONE_STEP):
        assert lifecycle.escalation_tick() == 2
    for received in (first, second):
        escalation = Escalation.objects.get(message=received.message)
        assert escalation.step_index == 1
        assert Notification.objects.filter(escalation=escalation, purpose="page").count() == 2
