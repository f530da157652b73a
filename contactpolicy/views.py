"""Site-wide error views that are not Django's defaults."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from agreements.models import Role


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form refused because its page was stale (CSRF): still 403, never a dead end. The page
    gives crisis help at once — it may have been the "I need help now" button — and a fresh page
    to try again from."""
    membership = getattr(request, "membership", None)
    return render(
        request,
        "403_csrf.html",
        {
            "practice": membership.practice if membership is not None else None,
            "is_client": membership is not None and membership.role == Role.CLIENT,
        },
        status=403,
    )
