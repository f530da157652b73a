import zoneinfo

from django.utils import timezone

from .selectors import membership_for_user


class UserTimezoneMiddleware:
    """Show times in the signed-in person's time zone (their membership's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = membership_for_user(request.user) if request.user.is_authenticated else None
        request.membership = membership
        if membership is not None:
            timezone.activate(zoneinfo.ZoneInfo(membership.time_zone))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
