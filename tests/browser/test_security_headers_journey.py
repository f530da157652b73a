"""The pages run under the real Content-Security-Policy: the vendored API docs render with no
violation, the API token page selects the new token without an inline handler, and a violation
on any page is caught by the browser fixtures (so it would fail the test that caused it)."""

from playwright.sync_api import expect

from tests.factories import browser_sign_in


def test_the_api_docs_render_from_vendored_swagger_ui_under_the_csp(live_server, db, new_page):
    page = new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    response = page.goto(f"{live_server.url}/api/v1/docs")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    expect(page.get_by_text("Send a message")).to_be_visible()
    assert all(url.startswith(live_server.url) for url in requests), requests


def test_a_new_api_token_is_selected_on_focus_without_inline_script(live_server, world, new_page):
    page = new_page()
    browser_sign_in(page, live_server.url, world.client.user.email)
    page.goto(f"{live_server.url}/me/api-tokens/")
    page.get_by_label("Name").fill("My script")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("Your new API token")
    token.focus()
    selected = page.evaluate(
        "() => window.getSelection().toString() || "
        "document.activeElement.value.substring("
        "document.activeElement.selectionStart, "
        "document.activeElement.selectionEnd)"
    )
    assert selected.startswith("cp_")


def test_an_inline_script_is_refused_and_reported(live_server, world, new_page, csp_violations):
    page = new_page()
    browser_sign_in(page, live_server.url, world.client.user.email)
    page.evaluate(
        """() => { const s = document.createElement("script");
                   s.textContent = "window.__ran = true"; document.body.appendChild(s); }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__ran === undefined")
    assert any("script-src" in v for v in csp_violations), csp_violations
    csp_violations.clear()  # the one violation this test provoked on purpose
