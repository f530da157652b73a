"""Intake's Celery task: thin, routed in ``CELERY_TASK_ROUTES`` and run by beat."""

from celery import shared_task

from . import envelopes

SWEEP_TASK = "messaging.tasks.envelopes_sweep"


@shared_task(name=SWEEP_TASK, acks_late=True, ignore_result=True)
def envelopes_sweep() -> int:
    """Retry the inbound requests that were kept but not yet turned into messages."""
    return envelopes.envelopes_sweep()
