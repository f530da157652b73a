"""The client API: send a message to your therapist and read your own thread.

Endpoints are thin: parse typed input, call one service or selector, shape the answer. Only
clients use it; they sign in with a personal token (``Authorization: Bearer cp_…``) or, from the
browser, with their session — which then needs the CSRF token on every write.

Mounted at ``api/v1/``; the schema is at ``/api/v1/openapi.json`` and the docs at ``/api/v1/docs``.
"""

import json
from datetime import datetime, tzinfo
from functools import wraps
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver
from django.utils import timezone
from ninja import Field, NinjaAPI, Path, Query, Schema, Status
from ninja.errors import AuthorizationError
from ninja.openapi.docs import DocsBase
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, StrictBool, StrictStr, field_validator, model_validator
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError

from agreements.models import ApiTokenScope, Channel, Membership, Purpose, Role, User
from agreements.selectors import membership_for_user
from agreements.tokens import api_token_live
from messaging.inbox import access, selectors
from messaging.inbox.ratelimit import rate_limit_take
from messaging.inbox.services import thread_read_by_client
from messaging.intake import envelopes
from messaging.intake.forms import NO_TEXT_GIVEN
from messaging.intake.normalise import Changes
from messaging.intake.services import safe_reply
from messaging.models import Direction, EnvelopeChannel, Message, TriageDecision
from messaging.triage.categories import Category
from messaging.triage.detector import detect
from messaging.triage.limits import MESSAGE_BODY_MAX_CHARS

PAGE_MAX_LIMIT = 100
# Big enough for any real thread, small enough that offset + limit fits every database's integers.
PAGE_MAX_OFFSET = 1_000_000_000
# Ids are 64-bit; a larger number in the path is a 422, not a database overflow.
ID_MAX = 2**63 - 1

# --- authentication: who is calling, and are they a client ---------------------------------


def _client_membership(user: User) -> Membership:
    membership = membership_for_user(user)
    if membership is None or membership.role != Role.CLIENT:
        # Signed in, but not as a client: 403, not 401 — other credentials would not help.
        raise AuthorizationError(message="This API is for clients.")
    return membership


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


def _too_many(retry_after: int, detail: str) -> JsonResponse:
    response = JsonResponse({"detail": detail}, status=429)
    response["Retry-After"] = str(retry_after)
    return response


class ClientToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        api_token = api_token_live(token)
        if api_token is None:
            return None
        membership = _client_membership(api_token.user)
        request.api_token = api_token
        # Each token's reads are limited; sending has its own limit (message_create), which
        # never holds back an emergency.
        if request.method in ("GET", "HEAD", "OPTIONS"):
            retry_after = rate_limit_take(
                key=f"api-token:{api_token.pk}",
                limit=settings.API_TOKEN_READS_PER_MINUTE,
                window_seconds=60,
            )
            if retry_after:
                raise RateLimited(retry_after)
        return membership


class ClientSession(SessionAuth):
    """Django's session, with ninja's CSRF check on unsafe methods."""

    def __call__(self, request: HttpRequest) -> Membership | None:
        # The CSRF check protects the session cookie; a caller without a signed-in session is
        # not using it, so they get 401 ("sign in"), not a CSRF 403.
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        return _client_membership(request.user)


# --- schemas -----------------------------------------------------------------------------

PurposeIn = Literal["logistics", "clinical", "urgent"]
StatusOut = Literal["received", "delivered", "read", "replied", "held_for_session", "escalated"]
CategoryOut = Literal["logistics", "clinical", "urgent", "crisis"]
DispositionOut = Literal["escalate", "deliver", "hold_for_session"]
ChannelOut = Literal["portal", "sms", "email", "phone"]


class MessageIn(Schema):
    """A message. ``emergency: true`` needs nothing else (DESIGN.md, invariant 6); a message that
    is not an emergency needs a purpose and words."""

    # Unknown fields are refused: a misspelt "emergency" must not pass silently.
    model_config = ConfigDict(extra="forbid")

    body: StrictStr = Field(
        "",
        max_length=MESSAGE_BODY_MAX_CHARS,
        description=f"The message, up to {MESSAGE_BODY_MAX_CHARS} characters; not only "
        "whitespace. May be left out when emergency is true.",
    )
    purpose: PurposeIn | None = Field(
        None, description="What it is about. May be left out when emergency is true."
    )
    emergency: StrictBool = Field(
        description="Is this an emergency? Saying yes brings crisis help at once and reaches a "
        "clinician now."
    )

    @field_validator("body")
    @classmethod
    def _body_trimmed(cls, body: str) -> str:
        # NUL and lone surrogates are already gone (``envelopes.text_field``).
        return body.strip()

    @model_validator(mode="after")
    def _not_an_emergency_says_what(self) -> "MessageIn":
        if self.emergency:
            return self
        if self.purpose is None:
            raise PydanticCustomError(
                "missing", "Say what it is about (or answer yes to emergency)."
            )
        if not self.body:
            raise PydanticCustomError("missing", "Write your message first.")
        return self


def _emergency_declared(data: Any) -> bool:
    return isinstance(data, dict) and data.get("emergency") is True


def _emergency_intake_fields(data: dict) -> tuple[str, str]:
    """(body, purpose) of a declared emergency whose other fields didn't validate: whatever
    was usable, never a refusal."""
    body = data.get("body") if isinstance(data.get("body"), str) else ""
    purpose = data.get("purpose") if data.get("purpose") in PurposeIn.__args__ else ""
    return body.strip(), purpose


class PageIn(Schema):
    limit: int = Field(20, ge=1, le=PAGE_MAX_LIMIT)
    offset: int = Field(0, ge=0, le=PAGE_MAX_OFFSET)


class ReplyOut(Schema):
    id: int
    body: str
    sent_at: datetime
    automatic: bool
    author: str | None = Field(description="Who wrote it; null for automatic replies.")


class MessageOut(Schema):
    id: int
    body: str
    channel: ChannelOut
    sent_at: datetime
    status: StatusOut
    category: CategoryOut
    disposition: DispositionOut
    response_due_at: datetime | None
    crisis_help: bool = Field(
        description="True for a crisis, declared or detected: get help now. An urgent message "
        "sent on call after hours is escalated without being a crisis."
    )
    replies: list[ReplyOut]


class MessagePage(Schema):
    count: int
    items: list[MessageOut]


class ErrorOut(Schema):
    detail: str


class KeptOut(Schema):
    envelope: int = Field(description="The stored request; it is processed as soon as it can be.")
    status: Literal["kept"]
    crisis_help: str = Field(description="Help now, and that the message is safe with us.")


class ValidationIssue(Schema):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorOut(Schema):
    detail: list[ValidationIssue]


AUTH_ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    422: ValidationErrorOut,
    429: ErrorOut,
}


# --- the API -----------------------------------------------------------------------------


class VendoredSwagger(DocsBase):
    """The docs page from the Swagger UI vendored in static/vendor/swagger-ui (no CDN), started by
    static/js/api-docs.js (no inline script, for the Content-Security-Policy)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        return render(
            request,
            "api/docs.html",
            {"api": api, "openapi_url": self.get_openapi_url(api, kwargs)},
        )


class ContactPolicyAPI(NinjaAPI):
    """NinjaAPI whose 405 answers are JSON like every other error (ninja's are plain text)."""

    @property
    def urls(self) -> tuple[list[URLPattern | URLResolver], str, str]:
        patterns, app_name, namespace = super().urls
        return [_json_method_not_allowed(p) for p in patterns], app_name, namespace


def _json_method_not_allowed(pattern: URLPattern | URLResolver) -> URLPattern | URLResolver:
    if not isinstance(pattern, URLPattern):
        return pattern
    view = pattern.callback

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = JsonResponse({"detail": "Method not allowed."}, status=405)
            response["Allow"] = allowed
        return response

    return URLPattern(pattern.pattern, wrapped, pattern.default_args, pattern.name)


api = ContactPolicyAPI(
    title="Contact Policy API",
    version="1",
    description="Send messages to your therapist and read the replies. Every message is triaged: "
    "a crisis reaches a clinician at once, and the answer says what happens next.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    docs=VendoredSwagger(),
    auth=[ClientToken(), ClientSession()],
)


@api.post(
    "/messages",
    response={201: MessageOut, 202: KeptOut, 400: ErrorOut, 413: ErrorOut, **AUTH_ERRORS},
    url_name="messages",
    summary="Send a message",
    description="201: received and triaged. 202: stored, but not processed yet (retried "
    "automatically); the answer carries crisis help.",
    # The body is read by the view, after the request is stored, rather than by ninja.
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": MessageIn.model_json_schema()}},
        }
    },
)
def message_create(request: HttpRequest) -> Status:
    client: Membership = request.auth
    try:
        envelope = envelopes.envelope_store_request(
            request, channel=EnvelopeChannel.API, submitted_by=client
        )
    except RequestDataTooBig:
        # Past DATA_UPLOAD_MAX_MEMORY_SIZE Django will not read the body, so it cannot be kept.
        return Status(
            413,
            ErrorOut(
                detail=f"The request is too large: send at most {MESSAGE_BODY_MAX_CHARS:,} "
                "characters in one message."
            ),
        )
    changes: Changes = []
    try:
        data = json.loads(envelope.raw.get("text", ""))
    except ValueError:
        envelopes.envelope_refuse(envelope=envelope, reason="invalid_json")
        return Status(400, ErrorOut(detail="The body must be a JSON object."))
    if isinstance(data, dict) and isinstance(data.get("body"), str):
        data["body"] = envelopes.text_field(data["body"], field="body", changes=changes)
    try:
        payload = MessageIn.model_validate(data)
    except PydanticValidationError as error:
        if not _emergency_declared(data):
            envelopes.envelope_refuse(envelope=envelope, reason="invalid_fields", changes=changes)
            return Status(422, ValidationErrorOut(detail=_issues(error)))
        # A declared emergency is never refused: an over-long text, an unknown purpose or a
        # misspelt extra field is kept on the envelope and the emergency goes through.
        body, purpose = _emergency_intake_fields(data)
    else:
        body, purpose = payload.body, payload.purpose or ""
    if refused := _refused_by_scope_or_limit(request, client, envelope, data, body, changes):
        return refused
    received = envelopes.envelope_receive(
        envelope=envelope,
        changes=changes,
        intake=envelopes.Intake(
            channel=Channel.PORTAL,
            body=body or NO_TEXT_GIVEN,
            practice_id=client.practice_id,
            sender_id=client.pk,
            declared_purpose=Purpose(purpose) if purpose else "",
            declared_emergency=data["emergency"],
        ),
    )
    if received is None:
        return Status(
            202,
            KeptOut(
                envelope=envelope.pk,
                status="kept",
                crisis_help=envelopes.kept_reply_text(envelope),
            ),
        )
    out = _message_out(received.message, received.decision, [received.auto_reply], client.zone)
    _log_read(client, [out])
    return Status(201, out)


def _never_refused(data: Any, body: str) -> bool:
    """A declared emergency, or a message that reads as a crisis: no scope or limit holds it."""
    return _emergency_declared(data) or detect(body).category is Category.CRISIS


def _refused_by_scope_or_limit(
    request: HttpRequest, client: Membership, envelope, data: Any, body: str, changes: Changes
) -> Status | JsonResponse | None:
    """A read-only token may not send, and a client sends at most
    API_CLIENT_MESSAGES_PER_MINUTE messages a minute — except an emergency (``_never_refused``).
    The request is already stored; a refusal is recorded on it and names crisis help."""
    help_text = safe_reply(client.practice).text
    api_token = getattr(request, "api_token", None)
    if api_token is not None and api_token.scope == ApiTokenScope.READ:
        if _never_refused(data, body):
            return None
        envelopes.envelope_refuse(envelope=envelope, reason="read_only_token", changes=changes)
        return Status(
            403,
            ErrorOut(
                detail="This API token may only read messages; create one that may send. "
                + help_text
            ),
        )
    retry_after = rate_limit_take(
        key=f"api-client-messages:{client.pk}",
        limit=settings.API_CLIENT_MESSAGES_PER_MINUTE,
        window_seconds=60,
    )
    if not retry_after or _never_refused(data, body):
        return None
    envelopes.envelope_refuse(envelope=envelope, reason="rate_limited", changes=changes)
    return _too_many(
        retry_after,
        f"Too many messages in a minute: try again in {retry_after} seconds. {help_text}",
    )


def _issues(error: PydanticValidationError) -> list[ValidationIssue]:
    """Pydantic's errors in the shape ninja gives its own 422s."""
    return [
        ValidationIssue(
            loc=["body", "payload", *issue["loc"]], msg=issue["msg"], type=issue["type"]
        )
        for issue in error.errors(include_url=False, include_context=False, include_input=False)
    ]


@api.get(
    "/messages",
    response={200: MessagePage, **AUTH_ERRORS},
    url_name="messages",
    summary="My messages, newest first",
)
def message_list(request: HttpRequest, page: Query[PageIn]) -> MessagePage:
    client: Membership = request.auth
    messages, count = selectors.thread_page_for_client(
        client=client, offset=page.offset, limit=page.limit
    )
    items = [_message_out(m, m.current_decision, m.reply_list, client.zone) for m in messages]
    _log_read(client, items)
    return MessagePage(count=count, items=items)


@api.get(
    "/messages/{id}",
    response={200: MessageOut, 404: ErrorOut, **AUTH_ERRORS},
    url_name="message",
    summary="One of my messages, with its replies",
)
def message_detail(request: HttpRequest, id: Annotated[int, Path(ge=1, le=ID_MAX)]) -> MessageOut:
    client: Membership = request.auth
    message = access.access_message(viewer=client, message_id=id)
    if message.direction != Direction.INBOUND:
        # Replies are read through the message they answer.
        raise Http404
    replies = list(selectors.replies_for(message))
    out = _message_out(message, message.current_decision, replies, client.zone)
    _log_read(client, [out])
    return out


# --- shaping answers -----------------------------------------------------------------------


def _message_out(
    message: Message, decision: TriageDecision, replies: list[Message], zone: tzinfo
) -> MessageOut:
    """Times are in the client's own time zone, with its offset."""
    return MessageOut(
        id=message.pk,
        body=message.body,
        channel=message.channel,
        sent_at=timezone.localtime(message.received_at, zone),
        status=message.status,
        category=decision.category,
        disposition=decision.disposition,
        response_due_at=timezone.localtime(decision.response_due_at, zone)
        if decision.response_due_at
        else None,
        crisis_help=decision.category == Category.CRISIS,
        replies=[
            ReplyOut(
                id=reply.pk,
                body=reply.body,
                sent_at=timezone.localtime(reply.received_at, zone),
                automatic=reply.is_automatic,
                author=str(reply.author) if reply.author_id and not reply.is_automatic else None,
            )
            for reply in replies
        ],
    )


def _log_read(client: Membership, messages: list[MessageOut]) -> None:
    """Every body the API returns is a read, and reads are logged — replies included."""
    thread_read_by_client(
        client=client,
        message_ids=[id for m in messages for id in (m.id, *(r.id for r in m.replies))],
    )


@api.exception_handler(RateLimited)
def _rate_limited(request: HttpRequest, error: RateLimited) -> HttpResponse:
    return _too_many(
        error.retry_after,
        f"Too many requests with this token: try again in {error.retry_after} seconds.",
    )
