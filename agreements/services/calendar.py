"""A therapist's time: their time zone, office hours and away periods (with who covers)."""

from datetime import datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction

from messaging.contactlog.services import contact_event_record
from messaging.models import EventType

from ..models import AwayPeriod, Membership, OfficeHours, Role, User


def therapist_set_time_zone(*, therapist: Membership, by: User, time_zone: str) -> Membership:
    """Office hours are wall-clock times in this zone."""
    if therapist.time_zone != time_zone:
        with transaction.atomic():
            therapist.time_zone = time_zone
            therapist.save(update_fields=["time_zone"])
            contact_event_record(
                practice=therapist.practice,
                event_type=EventType.OFFICE_HOURS_CHANGED,
                actor=by,
                summary=f"Time zone of {therapist.user} set to {time_zone}",
                details={"time_zone": time_zone},
            )
    return therapist


def office_hours_replace(
    *, therapist: Membership, by: User, windows: list[tuple[int, time, time]]
) -> list[OfficeHours]:
    for weekday, start, end in windows:
        if not 0 <= weekday <= 6 or end <= start:
            raise ValidationError("Each window needs a weekday and an end after its start.")
    with transaction.atomic():
        Membership.objects.select_for_update().get(pk=therapist.pk)
        therapist.office_hours.all().delete()
        rows = OfficeHours.objects.bulk_create(
            OfficeHours(therapist=therapist, weekday=w, start=s, end=e) for w, s, e in windows
        )
        contact_event_record(
            practice=therapist.practice,
            event_type=EventType.OFFICE_HOURS_CHANGED,
            actor=by,
            summary=f"Office hours of {therapist.user} set ({len(rows)} windows)",
            details={"windows": [[w, s.isoformat(), e.isoformat()] for w, s, e in windows]},
        )
    return rows


def office_hours_update(
    *, therapist: Membership, by: User, time_zone: str, windows: list[tuple[int, time, time]]
) -> list[OfficeHours]:
    """The office-hours page saves zone and windows together: due times need both or neither."""
    with transaction.atomic():
        therapist_set_time_zone(therapist=therapist, by=by, time_zone=time_zone)
        return office_hours_replace(therapist=therapist, by=by, windows=windows)


def away_period_add(
    *,
    therapist: Membership,
    by: User,
    starts_at: datetime,
    ends_at: datetime,
    covering_therapist: Membership | None,
    note: str = "",
) -> AwayPeriod:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": "The end must be after the start."})
    if covering_therapist is not None and (
        covering_therapist.pk == therapist.pk
        or covering_therapist.practice_id != therapist.practice_id
        or covering_therapist.role != Role.THERAPIST
    ):
        raise ValidationError({"covering_therapist": "Choose another therapist of the practice."})
    with transaction.atomic():
        period = AwayPeriod.objects.create(
            therapist=therapist,
            starts_at=starts_at,
            ends_at=ends_at,
            covering_therapist=covering_therapist,
            note=note,
        )
        contact_event_record(
            practice=therapist.practice,
            event_type=EventType.AWAY_PERIOD_ADDED,
            actor=by,
            summary=f"{therapist.user} away {starts_at:%Y-%m-%d} to {ends_at:%Y-%m-%d}"
            + (f", covered by {covering_therapist.user}" if covering_therapist else ""),
            details={"away_period": period.pk},
        )
    return period


def away_period_remove(*, period: AwayPeriod, by: User) -> None:
    with transaction.atomic():
        contact_event_record(
            practice=period.therapist.practice,
            event_type=EventType.AWAY_PERIOD_REMOVED,
            actor=by,
            summary=f"Away period of {period.therapist.user} removed",
            details={
                "starts_at": period.starts_at.isoformat(),
                "ends_at": period.ends_at.isoformat(),
            },
        )
        period.delete()
