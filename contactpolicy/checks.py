"""System checks for the security settings the app relies on (``manage.py check``,
``check --deploy``)."""

from django.conf import settings
from django.core import checks

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
