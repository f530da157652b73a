"""The one beat task of check-ins and caring contacts: thin, it runs the tick. Routed in
``CELERY_TASK_ROUTES``; safe to run twice or concurrently (rows are claimed with SKIP LOCKED
and every send has an idempotency key)."""

from celery import shared_task

from messaging.between import tick

TICK_TASK = "messaging.tasks.between_tick"


@shared_task(name=TICK_TASK, acks_late=True, ignore_result=True)
def between_tick() -> int:
    return tick.between_tick()
