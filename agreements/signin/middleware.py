"""Session limits and the second factor, checked on every request.

``SessionLifetimeMiddleware`` is the authority on idle and absolute session limits (the page's
script only warns). ``SecondFactorMiddleware`` lets someone who must give a second factor and
has not yet reach only ``access.OPEN_BEFORE_SECOND_FACTOR``: pages redirect to the second-factor
page, the API answers 403 JSON.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import access, selectors

SIGNED_IN_AT = "signin_signed_in_at"
LAST_SEEN_AT = "signin_last_seen_at"
# Writing the session on every request would make every page a write; a minute is close enough
# for a 30-minute limit.
LAST_SEEN_RESOLUTION_SECONDS = 60


def session_seconds_left(session, now: float) -> float:
    """Seconds until the session ends, whichever limit comes first."""
    started = session.get(SIGNED_IN_AT, now)
    seen = session.get(LAST_SEEN_AT, now)
    return max(
        0.0,
        min(
            seen + settings.SESSION_IDLE_SECONDS - now,
            started + settings.SESSION_ABSOLUTE_SECONDS - now,
        ),
    )


class SessionLifetimeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            self._check(request)
        response = self.get_response(request)
        # Just signed in: both clocks start now.
        if request.user.is_authenticated and SIGNED_IN_AT not in request.session:
            now = timezone.now().timestamp()
            request.session[SIGNED_IN_AT] = now
            request.session[LAST_SEEN_AT] = now
        return response

    def _check(self, request) -> None:
        session = request.session
        now = timezone.now().timestamp()
        if SIGNED_IN_AT not in session:
            session[SIGNED_IN_AT] = now
            session[LAST_SEEN_AT] = now
            return
        if now - session[SIGNED_IN_AT] >= settings.SESSION_ABSOLUTE_SECONDS:
            logout(request)
            hours = settings.SESSION_ABSOLUTE_SECONDS // 3600
            messages.info(request, f"You were signed out {hours} hours after signing in.")
            return
        if now - session.get(LAST_SEEN_AT, now) >= settings.SESSION_IDLE_SECONDS:
            logout(request)
            minutes = settings.SESSION_IDLE_SECONDS // 60
            messages.info(request, f"You were signed out after {minutes} minutes without activity.")
            return
        # Asking how long is left is not activity.
        if request.path_info == reverse("session_status"):
            return
        if now - session.get(LAST_SEEN_AT, now) >= LAST_SEEN_RESOLUTION_SECONDS:
            session[LAST_SEEN_AT] = now


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        membership = getattr(request, "membership", None)
        if (
            not access.is_staff(user=user, membership=membership)
            and access.CLIENT_ENROLLED_SESSION_KEY not in request.session
        ):
            request.session[access.CLIENT_ENROLLED_SESSION_KEY] = selectors.second_factor_enrolled(
                user=user
            )
        if not access.second_factor_required(
            user=user, membership=membership, session=request.session
        ):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in access.OPEN_BEFORE_SECOND_FACTOR:
            return None
        if request.path_info.startswith("/api/"):
            return JsonResponse(
                {
                    "detail": "Two-step sign-in is required: sign in again and enter the code "
                    "from your authenticator app."
                },
                status=403,
            )
        target = reverse("second_factor_verify")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
