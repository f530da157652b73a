"""Who may see and assign quarantined inbound requests: the instance's administrators
(superusers), who belong to no one practice. Anonymous → sign in; anyone else → 403."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from messaging.intake import selectors
from messaging.models import InboundEnvelope


def instance_admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_active and request.user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def access_quarantined_envelope(*, envelope_id: int) -> InboundEnvelope:
    """The quarantined request, or 404 (none, or already filed)."""
    envelope = selectors.envelopes_quarantined().filter(pk=envelope_id).first()
    if envelope is None:
        raise Http404
    return envelope
