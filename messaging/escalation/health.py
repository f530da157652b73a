"""The engine's heartbeat, the watchdog that reports a stalled engine or overdue work, the
``/healthz`` report for monitors outside the app, and the dead-man's-switch ping.

The watchdog runs on the same beat and broker it watches, so it cannot report their death.
Two things outside the app can: an uptime monitor polling ``/healthz`` (``health_report``), and
a dead-man's-switch service that alerts when the tick's ping (``deadman_ping_if_due``) stops.
"""

import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import Error as DatabaseError
from django.db.models import Count, Min, Q
from django.utils import timezone

from contactpolicy.celery import app as celery_app
from messaging.models import (
    EngineHeartbeat,
    Escalation,
    EscalationState,
    Notification,
    NotificationStatus,
)

logger = logging.getLogger("contactpolicy.escalation")

HEARTBEAT_TICK = "tick"
#: Not a loop: the last time the dead-man's switch was pinged (the rate limit every worker shares).
HEARTBEAT_DEADMAN = "deadman"


def heartbeat(name: str, details: dict | None = None) -> None:
    EngineHeartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": timezone.now(), "details": details or {}}
    )


def stall_after() -> timedelta:
    """A tick older than this means the engine (beat, broker or workers) has stopped."""
    return timedelta(seconds=settings.ENGINE_STALE_AFTER_SECONDS)


def overdue_after() -> timedelta:
    """Escalations and sends due longer ago than this are overdue: the engine is behind."""
    return timedelta(seconds=settings.ENGINE_OVERDUE_AFTER_SECONDS)


@dataclass(frozen=True)
class EngineHealth:
    last_tick_at: datetime | None
    tick_age: timedelta | None
    overdue_escalations: int
    overdue_notifications: int
    pending_notifications: int = 0
    oldest_due_notification_age: timedelta | None = None

    @property
    def stalled(self) -> bool:
        return self.tick_age is None or self.tick_age > stall_after()

    @property
    def healthy(self) -> bool:
        return not self.stalled and not self.overdue_escalations


def engine_health(now: datetime | None = None) -> EngineHealth:
    """Three queries, whatever the number of rows: the tick, overdue escalations, the send
    backlog (the partial index ``notification_due`` covers pending notifications)."""
    now = now or timezone.now()
    beat = EngineHeartbeat.objects.filter(name=HEARTBEAT_TICK).first()
    late = now - overdue_after()
    sends = Notification.objects.filter(status=NotificationStatus.PENDING).aggregate(
        pending=Count("id"),
        overdue=Count("id", filter=Q(next_attempt_at__lt=late)),
        oldest_due=Min("next_attempt_at", filter=Q(next_attempt_at__lte=now)),
    )
    return EngineHealth(
        last_tick_at=beat.beat_at if beat else None,
        tick_age=(now - beat.beat_at) if beat else None,
        overdue_escalations=Escalation.objects.filter(
            state=EscalationState.ACTIVE, next_action_at__lt=late
        ).count(),
        overdue_notifications=sends["overdue"],
        pending_notifications=sends["pending"],
        oldest_due_notification_age=(now - sends["oldest_due"]) if sends["oldest_due"] else None,
    )


def engine_watchdog(now: datetime | None = None) -> EngineHealth:
    """Log an error (which monitoring picks up) when the engine stalls or falls behind."""
    health = engine_health(now)
    if health.stalled:
        logger.error(
            "escalation engine stalled: last tick %s",
            health.last_tick_at.isoformat() if health.last_tick_at else "never",
        )
    overdue = settings.ENGINE_OVERDUE_AFTER_SECONDS
    if health.overdue_escalations:
        logger.error(
            "%s escalations are overdue by more than %s s", health.overdue_escalations, overdue
        )
    if health.overdue_notifications:
        logger.error(
            "%s notifications are overdue by more than %s s", health.overdue_notifications, overdue
        )
    heartbeat("watchdog", {"healthy": health.healthy})
    return health


def broker_reachable(*, timeout: float | None = None) -> bool:
    """Connect to the Celery broker and back within ``timeout`` seconds (a Redis PING)."""
    timeout = settings.HEALTHZ_BROKER_TIMEOUT_SECONDS if timeout is None else timeout
    connection = celery_app.connection_for_write(
        settings.CELERY_BROKER_URL,
        connect_timeout=timeout,
        transport_options={"socket_timeout": timeout, "socket_connect_timeout": timeout},
    )
    try:
        connection.ensure_connection(
            max_retries=1, interval_start=0, interval_step=0, timeout=timeout
        )
    except Exception as error:  # noqa: BLE001 - any failure means "unreachable"
        # The error names the broker's host: it goes to the log, never to the response.
        logger.warning("health check: broker unreachable (%s)", type(error).__name__)
        return False
    finally:
        connection.release()
    return True


def _seconds(age: timedelta | None) -> float | None:
    return None if age is None else round(age.total_seconds(), 3)


@dataclass(frozen=True)
class HealthReport:
    """What ``/healthz`` says: counts and ages only, never a name, address or message."""

    checked_at: datetime
    database_ok: bool
    broker_ok: bool
    engine: EngineHealth | None  # None when the database could not be read

    @property
    def failing(self) -> list[str]:
        failing = []
        if not self.database_ok:
            failing.append("database")
        if not self.broker_ok:
            failing.append("broker")
        if self.engine is not None:
            if self.engine.stalled:
                failing.append("engine")
            if self.engine.overdue_escalations:
                failing.append("escalations")
            if self.engine.overdue_notifications:
                failing.append("notifications")
        return failing

    @property
    def healthy(self) -> bool:
        return not self.failing

    def as_json(self) -> dict:
        failing = self.failing
        engine = self.engine
        return {
            "status": "ok" if not failing else "failing",
            "failing": failing,
            "checked_at": self.checked_at.isoformat(),
            "database": {"ok": self.database_ok},
            "broker": {"ok": self.broker_ok},
            "engine": None
            if engine is None
            else {
                "ok": not engine.stalled and not engine.overdue_escalations,
                "last_tick_at": engine.last_tick_at.isoformat() if engine.last_tick_at else None,
                "tick_age_seconds": _seconds(engine.tick_age),
                "stale_after_seconds": settings.ENGINE_STALE_AFTER_SECONDS,
                "overdue_escalations": engine.overdue_escalations,
            },
            "notifications": None
            if engine is None
            else {
                "ok": not engine.overdue_notifications,
                "pending": engine.pending_notifications,
                "overdue": engine.overdue_notifications,
                "oldest_due_age_seconds": _seconds(engine.oldest_due_notification_age),
                "overdue_after_seconds": settings.ENGINE_OVERDUE_AFTER_SECONDS,
            },
        }


def health_report(now: datetime | None = None) -> HealthReport:
    """Database (three queries, see ``engine_health``), then the broker (one short connection)."""
    now = now or timezone.now()
    try:
        engine = engine_health(now)
    except DatabaseError as error:
        logger.error("health check: database unreachable (%s)", type(error).__name__)
        engine = None
    return HealthReport(
        checked_at=now,
        database_ok=engine is not None,
        broker_ok=broker_reachable(),
        engine=engine,
    )


def _deadman_claim(now: datetime) -> bool:
    """True for the one caller, across every worker, whose ping is due (a conditional UPDATE)."""
    interval = timedelta(seconds=settings.ENGINE_DEADMAN_INTERVAL_SECONDS)
    claimed = EngineHeartbeat.objects.filter(
        name=HEARTBEAT_DEADMAN, beat_at__lte=now - interval
    ).update(beat_at=now)
    if claimed:
        return True
    _, created = EngineHeartbeat.objects.get_or_create(
        name=HEARTBEAT_DEADMAN, defaults={"beat_at": now}
    )
    return created


def _deadman_ping(url: str, timeout: float) -> None:
    # The URL is a credential (its path identifies the check): it is never logged.
    request = urllib.request.Request(url, headers={"User-Agent": "contactpolicy-engine"})
    try:
        # Settings allow only http:// and https:// here.
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as error:
        logger.error("dead-man's switch ping refused: HTTP %s", error.code)
    except (OSError, ValueError) as error:  # URLError, timeouts and refused connections
        logger.error("dead-man's switch ping failed (%s)", type(error).__name__)


def deadman_ping_if_due(now: datetime | None = None) -> threading.Thread | None:
    """Ping ``ENGINE_DEADMAN_URL`` at most once per ``ENGINE_DEADMAN_INTERVAL_SECONDS``.

    Called by the engine tick after it has done its work, so the pings stop when beat, the
    broker, the workers or the database stop. The request runs on a thread of its own with a
    short timeout: a slow or failing monitor never delays or fails the tick. Returns the thread
    (tests join it), or None when no ping was due.
    """
    url = settings.ENGINE_DEADMAN_URL
    if not url:
        return None
    try:
        if not _deadman_claim(now or timezone.now()):
            return None
        thread = threading.Thread(
            target=_deadman_ping,
            args=(url, settings.ENGINE_DEADMAN_TIMEOUT_SECONDS),
            name="engine-deadman-ping",
            daemon=True,
        )
        thread.start()
    except Exception:  # the tick's work is done: never fail it for the ping
        logger.exception("dead-man's switch ping not sent")
        return None
    return thread
