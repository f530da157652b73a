"""The floor for ``tests.bench.intake``: a request that stores a message with one INSERT and
does nothing else (no triage, no log, no reply), served by the same gunicorn and middleware."""

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from messaging.models import Direction, Message


@csrf_exempt
@require_POST
def bare_insert(request: HttpRequest) -> HttpResponse:
    practice_id, _, client_id = request.headers.get("X-Bench-Sender", "").partition(":")
    message = Message.objects.create(
        practice_id=int(practice_id),
        client_id=int(client_id),
        channel="portal",
        direction=Direction.INBOUND,
        body=request.body.decode("utf-8", "replace"),
        received_at=timezone.now(),
    )
    return HttpResponse(str(message.pk), status=201, content_type="text/plain")
