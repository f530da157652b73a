"""The system check that refuses a missing or weak Content-Security-Policy."""

from csp.constants import NONCE, SELF

from contactpolicy.checks import CSP_MIDDLEWARE, check_content_security_policy


def _ids(messages) -> set[str]:
    return {message.id for message in messages}


def test_the_configured_policy_passes():
    assert check_content_security_policy() == []


def test_the_csp_middleware_missing_is_an_error(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CSP_MIDDLEWARE]
    assert _ids(check_content_security_policy()) == {"contactpolicy.E101"}


def test_no_script_policy_is_an_error(settings):
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"img-src": [SELF]}}
    assert _ids(check_content_security_policy()) == {"contactpolicy.E102"}


def test_unsafe_inline_script_is_an_error_even_through_default_src(settings):
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": [SELF, "'unsafe-inline'"], "style-src": [SELF]}
    }
    assert _ids(check_content_security_policy()) == {"contactpolicy.E103"}
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"script-src": [SELF, NONCE, "'unsafe-eval'"]}
    }
    messages = check_content_security_policy()
    assert _ids(messages) == {"contactpolicy.E103"} and "'unsafe-eval'" in messages[0].msg


def test_check_deploy_runs_it(settings):
    from django.core import checks

    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != CSP_MIDDLEWARE]
    assert "contactpolicy.E101" in _ids(checks.run_checks(include_deployment_checks=True))
