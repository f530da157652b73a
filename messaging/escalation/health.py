"""The engine's heartbeat and the watchdog that reports a stalled engine or overdue work."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from messaging.models import (
    EngineHeartbeat,
    Escalation,
    EscalationState,
    Notification,
    NotificationStatus,
)

logger = logging.getLogger("contactpolicy.escalation")

HEARTBEAT_TICK = "tick"


def heartbeat(name: str, details: dict | None = None) -> None:
    EngineHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "details": details or {}}
    )


@dataclass(frozen=True)
class EngineHealth:
    last_tick_at: datetime | None
    tick_age: timedelta | None
    overdue_escalations: int
    overdue_notifications: int

    @property
    def stalled(self) -> bool:
        return self.tick_age is None or self.tick_age > STALL_AFTER

    @property
    def healthy(self) -> bool:
        return not self.stalled and not self.overdue_escalations


STALL_AFTER = timedelta(seconds=15)


OVERDUE_AFTER = timedelta(seconds=30)


def engine_health(now: datetime | None = None) -> EngineHealth:
    now = now or timezone.now()
    beat = EngineHeartbeat.objects.filter(name=HEARTBEAT_TICK).first()
    return EngineHealth(
        last_tick_at=beat.beat_at if beat else None,
        tick_age=(now - beat.beat_at) if beat else None,
        overdue_escalations=Escalation.objects.filter(
            state=EscalationState.ACTIVE, next_action_at__lt=now - OVERDUE_AFTER
        ).count(),
        overdue_notifications=Notification.objects.filter(
            Q(status=NotificationStatus.PENDING) & Q(next_attempt_at__lt=now - OVERDUE_AFTER)
        ).count(),
    )


def engine_watchdog(now: datetime | None = None) -> EngineHealth:
    """Log an error (which monitoring picks up) when the engine stalls or falls behind."""
    health = engine_health(now)
    if health.stalled:
        logger.error(
            "escalation engine stalled: last tick %s",
            health.last_tick_at.isoformat() if health.last_tick_at else "never",
        )
    if health.overdue_escalations:
        logger.error("%s escalations are overdue by more than 30 s", health.overdue_escalations)
    if health.overdue_notifications:
        logger.error("%s notifications are overdue by more than 30 s", health.overdue_notifications)
    heartbeat("watchdog", {"healthy": health.healthy})
    return health
