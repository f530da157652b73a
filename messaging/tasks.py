"""Celery tasks: thin, they take ids and call the engine. Each is routed in ``CELERY_TASK_ROUTES``.

Every task is safe to run twice (``acks_late`` redelivers after a worker dies): the engine
locks rows and notifications carry idempotency keys.
"""

from celery import shared_task

from messaging.escalation import engine, sending


@shared_task(acks_late=True, ignore_result=True)
def escalation_advance(escalation_id: int) -> bool:
    return engine.escalation_advance(escalation_id=escalation_id)


@shared_task(acks_late=True, ignore_result=True)
def escalation_tick() -> int:
    """Advance due escalations, then make sure nothing pending waits for a lost enqueue."""
    moved = engine.escalation_tick(first_step_grace=engine.FIRST_STEP_GRACE)
    due = sending.notifications_due(limit=200)
    engine.enqueue_sends(due)
    return moved


@shared_task(acks_late=True, ignore_result=True)
def notification_send(notification_id: int) -> None:
    sending.notification_send(notification_id=notification_id)


@shared_task(ignore_result=True)
def engine_watchdog() -> bool:
    return engine.engine_watchdog().healthy
