"""Real-browser tests: Playwright driving Debian's Chromium against the live test server."""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


# Every page runs under the real Content-Security-Policy; a violation fails the test. Chromium
# reports one both as a console error ("... violates the following Content Security Policy
# directive ...") and as a securitypolicyviolation event, which this script forwards.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile || document.location.href}:${event.lineNumber}`);
});
"""


@pytest.fixture
def csp_violations():
    """What the pages of this test reported as Content-Security-Policy violations."""
    return []


@pytest.fixture
def new_page(browser, request, csp_violations):
    """A fresh browser context per person; a screenshot of each page is kept on failure; any
    Content-Security-Policy violation on any page fails the test."""
    contexts = []

    def on_console(message):
        if "Content Security Policy" in message.text:
            csp_violations.append(f"console: {message.text}")

    def open_page(timezone_id: str = "America/New_York", viewport: dict | None = None):
        options = {"viewport": viewport} if viewport else {}
        context = browser.new_context(timezone_id=timezone_id, locale="en-US", **options)
        context.set_default_timeout(15_000)
        context.expose_function("__cspViolation", lambda text: csp_violations.append(text))
        context.add_init_script(CSP_LISTENER)
        context.on("console", on_console)
        contexts.append(context)
        return context.new_page()

    yield open_page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for index, context in enumerate(contexts):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for n, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{index}-{n}.png"))
        context.close()
    if csp_violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(csp_violations))


@pytest.fixture
def screenshot(request):
    """Keep a full-page screenshot of a key step in test-artifacts/, named after the test."""

    def take(page, step: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.name.replace("[", "-").replace("]", "")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{step}.png"), full_page=True)

    return take


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)
