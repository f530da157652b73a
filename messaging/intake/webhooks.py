"""Inbound SMS (Twilio) and email (JSON) webhooks. Both keep the request, then process it.

A request that fails its signature or secret is refused with 403 and a logged rejection; its
content is never logged or kept. Every authenticated request is kept first
(``envelopes.envelope_store_request``); one that cannot be processed now is still answered —
with crisis help and "we have it" — and retried. A provider's retry of the same message is
answered, not stored twice as a message. A client's reply that is only the keyword ``URGENT``
raises their latest message on that channel ("this can't wait", ``raising``), after the
acknowledgement codes staff send have been ruled out.
"""

import hmac
import json
import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from agreements.models import Channel
from messaging.between import services as caring
from messaging.escalation.lifecycle import ack_from_sms
from messaging.intake import envelopes, raising, selectors
from messaging.intake.normalise import Changes
from messaging.models import EnvelopeChannel
from messaging.notifications.webhooks import twilio_signature_rejection

logger = logging.getLogger("contactpolicy.webhooks")


def _twiml(text: str) -> HttpResponse:
    response = MessagingResponse()
    if text:
        response.message(text)
    return HttpResponse(str(response), content_type="application/xml")


@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest) -> HttpResponse:
    rejection = twilio_signature_rejection(request, "inbound SMS")
    if rejection is not None:
        return rejection
    envelope = envelopes.envelope_store_request(request, channel=EnvelopeChannel.SMS)
    changes: Changes = []
    sender_phone = envelopes.text_field(request.POST.get("From"), field="From", changes=changes)
    sender_phone = sender_phone.strip()
    body = envelopes.text_field(request.POST.get("Body"), field="Body", changes=changes)
    sid = envelopes.text_field(request.POST.get("MessageSid"), field="MessageSid", changes=changes)
    sid = sid.strip()
    to = envelopes.text_field(request.POST.get("To"), field="To", changes=changes)
    if not sender_phone or not sid:
        envelopes.envelope_refuse(envelope=envelope, reason="missing_fields", changes=changes)
        return HttpResponse(
            "From and MessageSid are required", status=400, content_type="text/plain"
        )
    try:
        acknowledged = ack_from_sms(phone=sender_phone, body=body)
    except Exception:
        # Taken as a message instead: a clinician reads it, and a crisis in it still escalates.
        logger.exception("inbound SMS %s: acknowledgement check failed", envelope.pk)
        acknowledged = None
    if acknowledged is not None:
        envelopes.envelope_acknowledged(envelope=envelope)
        return _twiml(
            "Acknowledged. Paging has stopped; please contact the client now."
            if acknowledged.won
            else "Already acknowledged by a colleague."
        )
    # STOP also opts out at Twilio's carrier level; here it stops caring messages at once. Like
    # an acknowledgement code it is then a keyword, not a message; with nothing to stop it is
    # taken as a message below.
    if caring.is_stop_word(body) and _stop_caring_by_reply(sender_phone):
        envelopes.envelope_caring_stopped(envelope=envelope)
        return _twiml(caring.caring_stopped_reply(sender_phone))
    keyword = raising.is_raise_keyword(body)
    if keyword:
        raised = _raise_by_reply(Channel.SMS, envelope, sender_phone=sender_phone)
        if raised is not None:
            return _twiml(raised.auto_reply.body if raised.auto_reply else "")
    received = envelopes.envelope_receive(
        envelope=envelope,
        changes=changes,
        intake=envelopes.Intake(
            channel=Channel.SMS,
            body=body or "(empty message)",
            identify_by="phone",
            sender_address=sender_phone,
            to_address=to,
            provider_message_id=sid,
            # The keyword with nothing to raise: the client still said it can't wait.
            declared_purpose="urgent" if keyword else "",
        ),
    )
    if received is None:
        return _twiml(envelopes.kept_reply_text(envelope))
    return _twiml(received.auto_reply.body if received.auto_reply else "")


def _stop_caring_by_reply(sender_phone: str) -> bool:
    try:
        client = selectors.client_by_phone(sender_phone)
        return client is not None and caring.caring_contacts_stop_by_reply(client=client)
    except Exception:
        logger.exception("inbound SMS: stopping caring messages failed")
        return False


def _json_error(status: int, error: str, **details) -> JsonResponse:
    return JsonResponse({"error": error, **details}, status=status)


@csrf_exempt
@require_POST
def email_inbound(request: HttpRequest) -> HttpResponse:
    secret = request.headers.get("X-Webhook-Secret", "")
    expected = settings.EMAIL_WEBHOOK_SECRET
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        logger.warning(
            "inbound email rejected: %s (remote %s)",
            "webhook secret not configured" if not expected else "bad secret",
            request.META.get("REMOTE_ADDR"),
        )
        return _json_error(403, "forbidden", detail="Missing or wrong X-Webhook-Secret.")
    envelope = envelopes.envelope_store_request(request, channel=EnvelopeChannel.EMAIL)
    changes: Changes = []
    try:
        payload = json.loads(envelope.raw.get("text", ""))
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        envelopes.envelope_refuse(envelope=envelope, reason="invalid_json")
        return _json_error(400, "invalid_json", detail="The body must be a JSON object.")
    fields = {}
    problems = {}
    for name in ("from", "text", "message_id"):
        value = payload.get(name)
        if not isinstance(value, str) or not value.strip():
            problems[name] = "Required, a non-empty string."
        else:
            fields[name] = envelopes.text_field(value, field=name, changes=changes).strip()
    for name in ("to", "subject"):
        value = payload.get(name, "")
        if not isinstance(value, str):
            problems[name] = "Must be a string."
        else:
            fields[name] = envelopes.text_field(value, field=name, changes=changes).strip()
    if problems:
        envelopes.envelope_refuse(envelope=envelope, reason="invalid_fields", changes=changes)
        return _json_error(400, "invalid_fields", fields=problems)
    subject = fields["subject"]
    keyword = raising.email_is_raise_keyword(fields["text"])
    if keyword:
        raised = _raise_by_reply(Channel.EMAIL, envelope, sender_email=fields["from"])
        if raised is not None:
            return JsonResponse(
                {
                    "message": raised.message.pk,
                    "raised": True,
                    "duplicate": raised.already,
                    "category": raised.decision.category,
                    "disposition": raised.decision.disposition,
                    "response_due_at": raised.decision.response_due_at.isoformat()
                    if raised.decision.response_due_at
                    else None,
                },
                status=200,
            )
    received = envelopes.envelope_receive(
        envelope=envelope,
        changes=changes,
        intake=envelopes.Intake(
            channel=Channel.EMAIL,
            body=(f"{subject}\n\n" if subject else "") + (fields["text"] or "(empty message)"),
            identify_by="email",
            sender_address=fields["from"],
            to_address=fields["to"],
            provider_message_id=fields["message_id"] or f"envelope-{envelope.pk}",
            declared_purpose="urgent" if keyword else "",
        ),
    )
    if received is None:
        return JsonResponse(
            {
                "envelope": envelope.pk,
                "status": "kept",
                "detail": "Stored; processing is retried. The sender should get crisis help.",
                "reply": envelopes.kept_reply_text(envelope),
            },
            status=202,
        )
    decision = received.decision
    return JsonResponse(
        {
            "message": received.message.pk,
            "duplicate": received.duplicate,
            "category": decision.category,
            "disposition": decision.disposition,
            "response_due_at": decision.response_due_at.isoformat()
            if decision.response_due_at
            else None,
        },
        status=200 if received.duplicate else 201,
    )


def _raise_by_reply(
    channel: str, envelope, *, sender_phone: str = "", sender_email: str = ""
) -> raising.Raised | None:
    """The keyword from a known client raises their latest message on ``channel``; None when
    there is nothing to raise, or raising failed: the reply is then taken as a message."""
    try:
        client = (
            selectors.client_by_phone(sender_phone)
            if sender_phone
            else selectors.client_by_email(sender_email)
        )
        if client is None:
            return None
        return raising.message_raise_by_reply(client=client, channel=channel, envelope=envelope)
    except Exception:
        logger.exception("inbound %s %s: raising failed; taken as a message", channel, envelope.pk)
        return None
