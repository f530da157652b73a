"""The database-timer engine for check-ins and caring contacts, run by one beat task.

Like the escalation tick: each due row (``next_action_at`` passed) is claimed with
``SELECT … FOR UPDATE SKIP LOCKED`` in a short transaction of its own, so any number of workers
may run it at once and none waits on another; no Celery countdown or ETA holds a timer.
"""

from datetime import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from agreements.models import AgreementStatus, ContactAgreement, CrisisPeriod
from messaging.between import services
from messaging.models import CaringContact, CaringSchedule, CheckIn, CheckInState

TICK_BATCH = 50


def _periods_needing_a_check_in(now: datetime):
    """Running crisis periods under an agreement with check-ins and none scheduled: the next
    one is planned as soon as the last is sent."""
    waiting = CheckIn.objects.filter(crisis_period=OuterRef("pk"), state=CheckInState.SCHEDULED)
    agreed = ContactAgreement.objects.filter(
        client=OuterRef("client"), status=AgreementStatus.ACTIVE, check_ins_enabled=True
    )
    return (
        CrisisPeriod.objects.filter(ends_at__gt=now)
        .filter(Q(ended_early_at=None) | Q(ended_early_at__gt=now))
        .filter(Exists(agreed))
        .exclude(Exists(waiting))
        .select_related("client")
        .order_by("pk")
    )


def check_ins_plan(*, now: datetime | None = None, budget: int = TICK_BATCH) -> int:
    now = now or timezone.now()
    planned = 0
    for period in _periods_needing_a_check_in(now)[:budget]:
        if services.check_in_plan_next(period=period, now=now) is not None:
            planned += 1
    return planned


def check_ins_tick(*, now: datetime | None = None, budget: int = TICK_BATCH) -> int:
    """Send due check-ins and mark unanswered ones missed. Returns how many moved."""
    moved = 0
    for _ in range(budget):
        moment = now or timezone.now()
        with transaction.atomic():
            due = (
                CheckIn.objects.select_for_update(**services.skip_locked())
                .filter(next_action_at__lte=moment)
                .order_by("next_action_at", "pk")
                .first()
            )
            if due is None:
                break
            if due.state == CheckInState.SCHEDULED:
                services.check_in_send_locked(check_in=due, now=moment)
            elif due.state == CheckInState.SENT:
                services.check_in_miss_locked(check_in=due, now=moment)
            else:  # a finished row left with a timer: clear it
                CheckIn.objects.filter(pk=due.pk).update(next_action_at=None)
            moved += 1
    return moved


def caring_contacts_tick(*, now: datetime | None = None, budget: int = TICK_BATCH) -> int:
    """Send due caring messages. A schedule being stopped right now is skipped, never waited
    on: the stop cancels what it finds, and the next tick sees it stopped."""
    moved = 0
    skipped: list[int] = []
    for _ in range(budget):
        moment = now or timezone.now()
        with transaction.atomic():
            due = (
                CaringContact.objects.select_for_update(**services.skip_locked())
                .filter(next_action_at__lte=moment)
                .exclude(pk__in=skipped)
                .order_by("next_action_at", "pk")
                .first()
            )
            if due is None:
                break
            plan = (
                CaringSchedule.objects.select_for_update(**services.skip_locked())
                .filter(pk=due.schedule_id)
                .first()
            )
            if plan is None:
                skipped.append(due.pk)
                continue
            due.schedule = plan
            services.caring_contact_send_locked(contact=due, now=moment)
            moved += 1
    return moved


def between_tick(*, now: datetime | None = None) -> int:
    """One cycle: plan the next check-ins, then send what is due."""
    planned = check_ins_plan(now=now)
    return planned + check_ins_tick(now=now) + caring_contacts_tick(now=now)
