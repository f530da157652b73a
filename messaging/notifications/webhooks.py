"""Twilio's delivery-status callback, and the URL Twilio signed (shared with inbound SMS).

A request that fails its signature is refused with 403 and a logged rejection.
"""

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from messaging.notifications.backends import status_from_twilio
from messaging.notifications.services import notification_status_update

logger = logging.getLogger("contactpolicy.webhooks")


def twilio_request_url(request: HttpRequest) -> str:
    """The URL Twilio called, which its signature covers (behind a proxy: the configured base)."""
    if settings.TWILIO_WEBHOOK_BASE_URL:
        return settings.TWILIO_WEBHOOK_BASE_URL.rstrip("/") + request.get_full_path()
    return request.build_absolute_uri()


@csrf_exempt
@require_POST
def twilio_status_callback(request: HttpRequest) -> HttpResponse:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not settings.TWILIO_AUTH_TOKEN:
        logger.error("Twilio status callback rejected: TWILIO_AUTH_TOKEN is not configured")
        return HttpResponse("Status webhook not configured", status=403, content_type="text/plain")
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    if not validator.validate(twilio_request_url(request), request.POST.dict(), signature):
        logger.warning(
            "Twilio status callback rejected: bad signature (remote %s)",
            request.META.get("REMOTE_ADDR"),
        )
        return HttpResponse("Invalid signature", status=403, content_type="text/plain")
    sid = (request.POST.get("MessageSid") or request.POST.get("CallSid") or "").strip()
    status = (request.POST.get("MessageStatus") or request.POST.get("CallStatus") or "").strip()
    if not sid or not status:
        return HttpResponse(
            "MessageSid/CallSid and MessageStatus/CallStatus are required",
            status=400,
            content_type="text/plain",
        )
    final = status_from_twilio(status)
    if final is not None:
        notification_status_update(provider_id=sid, status=final)
    return HttpResponse(status=204)
