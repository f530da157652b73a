"""System checks for the security settings the app depends on (``manage.py check``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register

SECOND_FACTOR_MIDDLEWARE = "agreements.signin.middleware.SecondFactorMiddleware"
OTP_MIDDLEWARE = "django_otp.middleware.OTPMiddleware"
SESSION_LIFETIME_MIDDLEWARE = "agreements.signin.middleware.SessionLifetimeMiddleware"
AXES_MIDDLEWARE = "axes.middleware.AxesMiddleware"


@register(Tags.security)
def check_second_factor_enforced(app_configs, **kwargs):
    """Staff pages need the second factor: without these middlewares a password alone opens
    them, sessions never idle out, or wrong passwords are never throttled."""
    middleware = list(settings.MIDDLEWARE)
    errors = []
    required = [
        (OTP_MIDDLEWARE, "contactpolicy.E101", "django-otp cannot tell who gave a second factor"),
        (
            SECOND_FACTOR_MIDDLEWARE,
            "contactpolicy.E102",
            "staff reach every page with a password alone",
        ),
        (SESSION_LIFETIME_MIDDLEWARE, "contactpolicy.E103", "sessions never end by idling"),
        (AXES_MIDDLEWARE, "contactpolicy.E104", "locked-out sign-ins get no lockout page"),
    ]
    for path, check_id, consequence in required:
        if path not in middleware:
            errors.append(Error(f"{path} is missing from MIDDLEWARE: {consequence}.", id=check_id))
    if (
        OTP_MIDDLEWARE in middleware
        and SECOND_FACTOR_MIDDLEWARE in middleware
        and middleware.index(SECOND_FACTOR_MIDDLEWARE) < middleware.index(OTP_MIDDLEWARE)
    ):
        errors.append(
            Error(
                f"{SECOND_FACTOR_MIDDLEWARE} must come after {OTP_MIDDLEWARE} in MIDDLEWARE.",
                id="contactpolicy.E105",
            )
        )
    if "axes.backends.AxesStandaloneBackend" not in settings.AUTHENTICATION_BACKENDS[:1]:
        errors.append(
            Error(
                "axes.backends.AxesStandaloneBackend must be first in AUTHENTICATION_BACKENDS: "
                "without it wrong passwords are never throttled.",
                id="contactpolicy.E106",
            )
        )
    return errors
