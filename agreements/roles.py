"""The role layer every view goes through: signed in, a member, and of the right role."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from .models import Role
from .selectors import membership_for_user


def role_required(*roles: Role) -> Callable:
    """Anonymous → login; signed in without one of ``roles`` → 403. Sets ``request.membership``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = getattr(request, "membership", None) or membership_for_user(request.user)
            if membership is None or membership.role not in roles:
                raise PermissionDenied
            request.membership = membership
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = roles
        return wrapped

    return decorator
