"""The engine's Celery tasks: thin, they take ids and call the lifecycle. Each is routed in
``CELERY_TASK_ROUTES`` (a contract test checks it) and keeps the name it was first registered
under, so tasks already queued survive an upgrade.

Every task is safe to run twice (``acks_late`` redelivers after a worker dies): the lifecycle
locks rows and notifications carry idempotency keys.
"""

from celery import shared_task

from messaging.notifications.selectors import notifications_due
from messaging.notifications.services import notifications_enqueue

from . import health, lifecycle


@shared_task(name=lifecycle.ADVANCE_TASK, acks_late=True, ignore_result=True)
def escalation_advance(escalation_id: int) -> bool:
    return lifecycle.escalation_advance(escalation_id=escalation_id)


@shared_task(name=lifecycle.TICK_TASK, acks_late=True, ignore_result=True)
def escalation_tick() -> int:
    """Advance due escalations, make sure nothing pending waits for a lost enqueue, then tell
    the dead-man's switch (if one is set) that the engine is alive."""
    moved = lifecycle.escalation_tick(first_step_grace=lifecycle.FIRST_STEP_GRACE)
    notifications_enqueue(notifications_due(limit=200))
    health.deadman_ping_if_due()
    return moved


@shared_task(name=lifecycle.WATCHDOG_TASK, ignore_result=True)
def engine_watchdog() -> bool:
    return health.engine_watchdog().healthy
