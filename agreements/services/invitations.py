"""Invitations: a signed, single-use link that creates the account and its membership."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from messaging.contactlog.services import contact_event_record
from messaging.models import ContactMethodKind, EventType, Notification, NotificationPurpose

from ..models import Invitation, Membership, Practice, Role, User
from .practices import membership_create

INVITATION_SALT = "contactpolicy.invitation"


class InvitationInvalid(Exception):
    """The link cannot be used; the message says why in words a person understands."""


def invitation_create(
    *,
    practice: Practice,
    by: User,
    email: str,
    name: str,
    role: Role,
    therapist: Membership | None = None,
    on_call_eligible: bool = False,
) -> tuple[Invitation, str]:
    """Invite someone; returns the invitation and the path of its link (also emailed)."""
    email = email.strip().lower()
    if Membership.objects.filter(practice=practice, user__email__iexact=email).exists():
        raise ValidationError({"email": "This person is already a member of the practice."})
    if role == Role.CLIENT and therapist is None:
        raise ValidationError("A client is invited by their therapist.")
    with transaction.atomic():
        # A new invitation replaces any open one for the same address.
        Invitation.objects.filter(
            practice=practice, email__iexact=email, accepted_at=None, revoked_at=None
        ).update(revoked_at=timezone.now())
        invitation = Invitation.objects.create(
            practice=practice,
            email=email,
            name=name,
            role=role,
            therapist=therapist,
            on_call_eligible=on_call_eligible,
            invited_by=by,
        )
        contact_event_record(
            practice=practice,
            event_type=EventType.INVITATION_SENT,
            actor=by,
            summary=f"{by} invited {email} as {invitation.get_role_display().lower()}",
            details={"invitation": invitation.pk, "role": role},
        )
        path = reverse("invitation_accept", args=[invitation_token(invitation)])
        _invitation_email_record(invitation, path)
    return invitation, path


def _invitation_email_record(invitation: Invitation, path: str) -> Notification:
    """The invitation email, as a notification the one sender delivers (leased and retried).

    Agreements sit below the notifications package, so this writes the row and leaves it to the
    engine tick's sweeper, which sends pending notifications within a few seconds.
    """
    base = settings.SITE_URL.rstrip("/")
    now = timezone.now()
    return Notification.objects.create(
        practice=invitation.practice,
        purpose=NotificationPurpose.INVITATION,
        channel=ContactMethodKind.EMAIL,
        address=invitation.email,
        subject=f"You're invited to {invitation.practice.name} on Contact Policy",
        body=(
            f"Hello {invitation.name},\n\n"
            f"{invitation.invited_by} has invited you to {invitation.practice.name}.\n"
            f"Set your password here (the link works once and expires in "
            f"{settings.INVITATION_MAX_AGE // 86400} days):\n\n{base}{path}\n"
        ),
        idempotency_key=f"invitation{invitation.pk}",
        next_attempt_at=now,
        created_at=now,
    )


def invitation_token(invitation: Invitation) -> str:
    return signing.TimestampSigner(salt=INVITATION_SALT).sign(str(invitation.pk))


def invitation_from_token(token: str) -> Invitation:
    signer = signing.TimestampSigner(salt=INVITATION_SALT)
    try:
        pk = signer.unsign(token, max_age=timedelta(seconds=settings.INVITATION_MAX_AGE))
    except signing.SignatureExpired as exc:
        raise InvitationInvalid(
            "This invitation has expired. Ask for a new one and we'll send a fresh link."
        ) from exc
    except signing.BadSignature as exc:
        raise InvitationInvalid(
            "This invitation link isn't valid. Check it was copied whole."
        ) from exc
    invitation = Invitation.objects.select_related("practice").filter(pk=pk).first()
    if invitation is None or invitation.revoked_at is not None:
        raise InvitationInvalid("This invitation was replaced or withdrawn. Ask for a new one.")
    if invitation.accepted_at is not None:
        raise InvitationInvalid("This invitation has already been used. Sign in instead.")
    return invitation


def invitation_accept(*, invitation: Invitation, password: str, name: str) -> User:
    """Create the account and membership. Single use: the row lock makes a double submit lose."""
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if not invitation.is_open:
            raise InvitationInvalid("This invitation has already been used. Sign in instead.")
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise InvitationInvalid(
                "An account with this email already exists. Ask the practice to add it instead."
            )
        user = User.objects.create_user(email=invitation.email, password=password, name=name)
        membership_create(
            user=user,
            practice=invitation.practice,
            role=Role(invitation.role),
            therapist=invitation.therapist,
            on_call_eligible=invitation.on_call_eligible,
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        contact_event_record(
            practice=invitation.practice,
            event_type=EventType.INVITATION_ACCEPTED,
            actor=user,
            summary=f"{user} joined as {invitation.get_role_display().lower()}",
            details={"invitation": invitation.pk},
        )
    return user
