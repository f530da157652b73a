"""The tick on PostgreSQL: a check-in or caring message another worker holds is skipped, not
waited for, and sent once; a schedule being stopped is never sent to meanwhile."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction

from messaging.between import services
from messaging.between.tick import caring_contacts_tick, check_ins_plan, check_ins_tick
from messaging.models import CaringContact, CaringSchedule, CheckIn
from tests.between.support import MONDAY_9AM, crisis_week

pytestmark = pytest.mark.django_db(transaction=True)


def _needs_skip_locked():
    if not connection.features.has_select_for_update_skip_locked:
        pytest.skip("SQLite serializes writers instead of skipping locked rows")


def _in_another_worker(work):
    outcome = {}

    def run():
        try:
            outcome["result"] = work()
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not thread.is_alive(), "the other worker waited on the lock"
    return outcome["result"]


def test_a_held_check_in_is_skipped_then_sent_once(phones):
    _needs_skip_locked()
    crisis_week(phones)
    check_ins_plan(now=MONDAY_9AM)
    due = CheckIn.objects.get()
    moment = due.due_at + timedelta(seconds=1)
    with transaction.atomic():
        CheckIn.objects.select_for_update().get(pk=due.pk)
        assert _in_another_worker(lambda: check_ins_tick(now=moment)) == 0
    assert check_ins_tick(now=moment) == 1
    assert check_ins_tick(now=moment) == 0
    due.refresh_from_db()
    assert due.state == "sent"


def test_a_schedule_being_stopped_is_skipped_and_then_sends_nothing(phones):
    _needs_skip_locked()
    _, period = crisis_week(phones, days=1, caring_contacts_enabled=True)
    plan = services.caring_contacts_start(
        client=phones.client,
        by=phones.therapist.user,
        bodies=["Thinking of you."],
        after_crisis_period=period,
        now=MONDAY_9AM + timedelta(days=2),
    )
    first = plan.contacts.get(position=1)
    moment = first.due_at + timedelta(seconds=1)
    with transaction.atomic():
        CaringSchedule.objects.select_for_update().get(pk=plan.pk)  # a stop in progress
        assert _in_another_worker(lambda: caring_contacts_tick(now=moment)) == 0
        services.caring_contacts_stop(plan=plan, via="portal")
    assert caring_contacts_tick(now=moment) == 0
    assert set(CaringContact.objects.values_list("state", flat=True)) == {"cancelled"}
