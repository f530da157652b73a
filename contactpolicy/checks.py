"""System checks for the security settings the app relies on (``manage.py check``,
``check --deploy``)."""

from django.conf import settings
from django.core import checks
from django.core.checks import Error, Tags, register

CSP_MIDDLEWARE = "csp.middleware.CSPMiddleware"
# Script sources that would let an injected inline script or ``eval`` run.
UNSAFE_SCRIPT_SOURCES = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:")


@checks.register(checks.Tags.security)
def check_content_security_policy(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The Content-Security-Policy is enforced on every response and allows no inline script."""
    problems = []
    if CSP_MIDDLEWARE not in settings.MIDDLEWARE:
        problems.append(
            checks.Error(
                f"{CSP_MIDDLEWARE} is not in MIDDLEWARE: pages are sent without a "
                "Content-Security-Policy.",
                hint="Add it after the clickjacking middleware (contactpolicy/settings/base.py).",
                id="contactpolicy.E101",
            )
        )
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    directives = policy.get("DIRECTIVES") or {}
    script_sources = directives.get("script-src", directives.get("default-src"))
    if not script_sources:
        problems.append(
            checks.Error(
                "CONTENT_SECURITY_POLICY sets neither script-src nor default-src: any script "
                "may run.",
                hint="Set script-src to [SELF, NONCE] (csp.constants).",
                id="contactpolicy.E102",
            )
        )
    else:
        unsafe = [source for source in script_sources if source in UNSAFE_SCRIPT_SOURCES]
        if unsafe:
            problems.append(
                checks.Error(
                    "CONTENT_SECURITY_POLICY's script-src allows " + ", ".join(unsafe) + ": an "
                    "injected inline script would run.",
                    hint="Move the script to a static file; give a script element the nonce.",
                    id="contactpolicy.E103",
                )
            )
    return problems


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
        (OTP_MIDDLEWARE, "contactpolicy.E111", "django-otp cannot tell who gave a second factor"),
        (
            SECOND_FACTOR_MIDDLEWARE,
            "contactpolicy.E112",
            "staff reach every page with a password alone",
        ),
        (SESSION_LIFETIME_MIDDLEWARE, "contactpolicy.E113", "sessions never end by idling"),
        (AXES_MIDDLEWARE, "contactpolicy.E114", "locked-out sign-ins get no lockout page"),
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
                id="contactpolicy.E115",
            )
        )
    if "axes.backends.AxesStandaloneBackend" not in settings.AUTHENTICATION_BACKENDS[:1]:
        errors.append(
            Error(
                "axes.backends.AxesStandaloneBackend must be first in AUTHENTICATION_BACKENDS: "
                "without it wrong passwords are never throttled.",
                id="contactpolicy.E116",
            )
        )
    return errors
