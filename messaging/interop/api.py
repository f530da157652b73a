"""``GET /api/v1/clients/{id}/fhir``: a client's record as a FHIR Bundle, for practice admins.

Admins sign in with a personal API token (``Authorization: Bearer cp_…``) or their session;
anyone else signed in gets 403, another practice's client 404. Message texts are included only
with ``break_glass_reason`` (at least 10 characters), which is logged like the log's own
break-glass reads.
"""

from typing import Annotated

from django.http import HttpRequest, HttpResponse
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer, SessionAuth
from pydantic import ConfigDict, StrictStr

from agreements.models import Membership, Role, User
from agreements.selectors import membership_for_user
from agreements.tokens import api_token_user
from messaging.inbox.api import AUTH_ERRORS, ID_MAX, ErrorOut
from messaging.interop import access
from messaging.interop.services import client_fhir_export
from messaging.interop.views import FHIR_JSON, fhir_response

BREAK_GLASS_MAX_CHARS = 500


def _admin_membership(user: User) -> Membership:
    membership = membership_for_user(user)
    if membership is None or membership.role != Role.ADMIN:
        raise AuthorizationError(message="The FHIR export is for practice admins.")
    return membership


class AdminToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Membership | None:
        user = api_token_user(token)
        return _admin_membership(user) if user is not None else None


class AdminSession(SessionAuth):
    def __call__(self, request: HttpRequest) -> Membership | None:
        if not request.user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Membership | None:
        return _admin_membership(request.user)


class ExportIn(Schema):
    model_config = ConfigDict(extra="forbid")

    break_glass_reason: StrictStr = Field(
        "",
        max_length=BREAK_GLASS_MAX_CHARS,
        description="Why the message texts are needed (at least 10 characters). Without it "
        "each Communication carries metadata only, no payload.",
    )


router = Router(auth=[AdminToken(), AdminSession()], tags=["FHIR export"])


@router.get(
    "/clients/{id}/fhir",
    response={200: dict, 400: ErrorOut, 404: ErrorOut, **AUTH_ERRORS},
    url_name="client_fhir",
    summary="A client's record as a FHIR Bundle (admins)",
    description="A Bundle (type collection, FHIR R4B models) of the client's agreement "
    "versions as Consent, messages and replies as Communication and contact log as "
    f"AuditEvent, as {FHIR_JSON}. Every export is recorded in the contact log.",
)
def client_fhir(
    request: HttpRequest,
    id: Annotated[int, Path(ge=1, le=ID_MAX)],
    params: Query[ExportIn],
) -> HttpResponse | Status:
    admin: Membership = request.auth
    client = access.access_client_to_export(viewer=admin, client_id=id)
    try:
        bundle = client_fhir_export(
            viewer=admin,
            by=request.user if request.user.is_authenticated else admin.user,
            client=client,
            break_glass_reason=params.break_glass_reason,
        )
    except ValueError as error:
        return Status(400, ErrorOut(detail=str(error)))
    return fhir_response(bundle)
