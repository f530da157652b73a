"""Who may reach check-ins and caring contacts. Each ``access_*`` raises ``Http404`` for what
the viewer may not see, so ids reveal nothing."""

from django.http import Http404

from agreements.models import Membership, Role
from messaging.models import CaringSchedule, CheckIn, CheckInState


def access_open_check_in(*, viewer: Membership, check_in_id: int) -> CheckIn:
    """The client's own check-in that is waiting for an answer."""
    if viewer.role != Role.CLIENT:
        raise Http404
    check_in = CheckIn.objects.filter(
        pk=check_in_id, client=viewer, state=CheckInState.SENT
    ).first()
    if check_in is None:
        raise Http404
    return check_in


def access_caring_schedule(*, viewer: Membership, schedule_id: int) -> CaringSchedule:
    """The therapist's own client's schedule, or the client's own."""
    query = CaringSchedule.objects.select_related("client").filter(pk=schedule_id)
    if viewer.role == Role.THERAPIST:
        query = query.filter(client__therapist=viewer)
    elif viewer.role == Role.CLIENT:
        query = query.filter(client=viewer)
    else:
        raise Http404
    schedule = query.first()
    if schedule is None:
        raise Http404
    return schedule
