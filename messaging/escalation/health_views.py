"""``/healthz`` for uptime monitors: unauthenticated, so it says nothing about anyone — only
whether the database and broker answer, how old the engine's last tick is, and how many sends
wait. 200 when every check passes, 503 with the failing checks otherwise; never cached.
"""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from messaging.escalation import health


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    report = health.health_report()
    return JsonResponse(report.as_json(), status=200 if report.healthy else 503)
