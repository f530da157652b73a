"""The sender's Celery task: thin, it takes an id and calls ``notification_send``."""

from celery import shared_task

from . import services


@shared_task(name=services.SEND_TASK, acks_late=True, ignore_result=True)
def notification_send(notification_id: int) -> None:
    services.notification_send(notification_id=notification_id)
