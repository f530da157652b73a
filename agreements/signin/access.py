"""Who must give a second factor, and which routes someone signed in with a password alone may
open (deny by default: every other route is refused until the second factor is given)."""

from agreements.models import Membership, Role, User

# Set at sign-in for people who are not staff: whether they chose a second factor.
CLIENT_ENROLLED_SESSION_KEY = "signin_second_factor_enrolled"

# Routes a person signed in with a password alone may still open: the second-factor pages,
# signing out, the session timer, and the pages anyone may open without signing in (the
# acknowledgement link is the credential itself: a half-signed-in clinician must still be able
# to take the page).
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {
        "second_factor_verify",
        "second_factor_setup",
        "session_status",
        "session_keepalive",
        "logout",
        "login",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
        "healthz",
        "invitation_accept",
        "escalation:ack_link",
    }
)


def is_staff(*, user: User, membership: Membership | None) -> bool:
    """Therapists (on call or not), operators, practice admins, and Django's staff/superusers."""
    if user.is_staff or user.is_superuser:
        return True
    return membership is not None and membership.role != Role.CLIENT


def second_factor_required(*, user: User, membership: Membership | None, session) -> bool:
    """Staff always; anyone else once they have enrolled a second factor."""
    if is_staff(user=user, membership=membership):
        return True
    return bool(session.get(CLIENT_ENROLLED_SESSION_KEY))
