"""Every main page in a real browser: the shared layout, axe-core's WCAG 2.1 AA rules with no violation at
desktop (1280×900) and phone (375×812) width in light and dark, no horizontal scroll at 375 px, no Content
Security Policy violation in the console, and a full-page screenshot of each of the four views."""

from __future__ import annotations

import pytest

from .conftest import (VIEWPORTS, SCHEMES, Browser, api_application, api_developer, api_key_auth, api_register,
                       axe_violations, format_violations, layout_problems, record_violations)

# name: (path, logged in, expected status). "{app}" and "{version}" are filled in by the test.
PAGES = {
    "home": ("/", False, 200),
    "login": ("/login", False, 200),
    "register": ("/register", False, 200),
    "not-found": ("/no-such-page-here", False, 404),
    "catalog": ("/catalog", True, 200),
    "product": ("/catalog/{version}", True, 200),
    "dashboard": ("/dashboard", True, 200),
    "applications": ("/applications", True, 200),
    "application": ("/applications/{app}", True, 200),
    "credentials": ("/credentials", True, 200),
    "profile": ("/profile", True, 200),
}


@pytest.mark.parametrize("page", list(PAGES))
def test_page_layout_accessibility_and_screenshots(page, portal, browser: Browser, portal_name, spec_version):
    path, logged_in, expected = PAGES[page]
    app_id = None
    if logged_in:
        dev = api_developer(portal, full_name="Grace Hopper")
        app_id = api_application(portal, dev, "Weather Station")
        api_register(portal, dev, app_id, spec_version.id)
        api_key_auth(portal, dev)
        browser.login(dev.email, dev.password)
        assert browser.path == "/dashboard", \
            f"logging in ended on {browser.driver.current_url}, not /dashboard:\n{browser.body_text()[:800]}"
    path = path.format(app=app_id, version=spec_version.id)
    browser.console()  # start the console log from this page
    status = browser.get(path)

    problems: list[str] = []
    if status != expected:
        problems.append(f"GET {path} answered {status}, expected {expected}")
    if browser.path != path.split("?")[0]:
        problems.append(f"GET {path} ended on {browser.driver.current_url}")
    problems += layout_problems(browser, portal_name, logged_in)
    if page == "not-found":
        h1 = browser.finds("h1")
        if not h1 or "404" not in h1[0].text:
            problems.append(f"404 page h1 is {[h.text for h in h1]}, expected one containing '404'")
        if portal_name not in browser.body_text():
            problems.append(f"404 page does not show the portal name {portal_name!r}")

    for viewport in VIEWPORTS:
        browser.set_viewport(viewport)
        for scheme in SCHEMES:
            browser.set_scheme(scheme)
            browser.settle()
            where = f"{page} ({path}) {viewport} {scheme}"
            browser.screenshot(f"{page}-{viewport}-{scheme}")
            violations = axe_violations(browser.driver)
            record_violations(violations, where)
            if violations:
                problems.append(format_violations(violations, where))
            if viewport == "phone":
                width = browser.scroll_width()
                if width > VIEWPORTS["phone"][0]:
                    problems.append(f"{where}: horizontal scroll, document.documentElement.scrollWidth is {width} > 375")
    csp = browser.csp_violations()
    if csp:
        problems.append("Content Security Policy violations in the console:\n  " + "\n  ".join(csp[:5]))
    assert not problems, f"{page} ({path}):\n- " + "\n- ".join(problems)


def test_dark_scheme_chosen_on_the_page_passes_axe_under_a_light_system_scheme(portal, browser: Browser):
    """The switch's dark scheme (cookie, data-scheme="dark") while the system says light: still WCAG AA."""
    browser.get("/login")
    browser.submit('form[action="/appearance-scheme"]', 'button[name="scheme"][value="dark"]')
    assert browser.driver.find_element("tag name", "html").get_attribute("data-scheme") == "dark"
    problems = []
    for viewport in VIEWPORTS:
        browser.set_viewport(viewport)
        browser.settle()
        browser.screenshot(f"login-{viewport}-forced-dark")
        violations = axe_violations(browser.driver)
        record_violations(violations, f"login forced dark {viewport}")
        if violations:
            problems.append(format_violations(violations, f"/login, data-scheme=dark, {viewport}"))
    assert not problems, "\n".join(problems)
