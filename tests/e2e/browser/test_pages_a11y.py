"""Every main page in a real browser: the shared layout, axe-core's WCAG 2.1 AA rules with no violation at
desktop (1280×900) and phone (375×812) width in light and dark, no horizontal scroll at 375 px, no Content
Security Policy violation in the console, and a full-page screenshot of each of the four views."""

from __future__ import annotations

import uuid

import pytest

from conftest import admin, portal_ids

from .conftest import (VIEWPORTS, SCHEMES, Browser, api_application, api_developer, api_key_auth, api_register,
                       axe_violations, format_violations, layout_problems, record_violations)

# name: (path, logged in, expected status[, form to submit there, the path it ends on]). "{app}", "{version}" and
# "{page}" are filled in by the test. The themed 500 has no way to be reached from outside: it is the `error`
# template of the 404 and 400 here, and Tests/HandlersTests/PagesAuditTests renders it.
PAGES = {
    "home": ("/", False, 200),
    "login": ("/login", False, 200),
    "register": ("/register", False, 200),
    "forgot-password": ("/account/forgot-password", False, 200),
    "reset-password": ("/account/reset-password?token=from-the-mail", False, 200),
    "verify-email": ("/account/verify?token=from-the-mail", False, 200),
    "not-found": ("/no-such-page-here", False, 404),
    "bad-request": ("/catalog?q=%ZZ", False, 400),
    "custom-page": ("{page}", False, 200),
    "catalog": ("/catalog", True, 200),
    "product": ("/catalog/{version}", True, 200),
    "dashboard": ("/dashboard", True, 200),
    "applications": ("/applications", True, 200),
    "new-application": ("/applications/new", True, 200),
    "application": ("/applications/{app}", True, 200),
    "edit-application": ("/applications/{app}/edit", True, 200),
    "credentials": ("/credentials", True, 200),
    "secret": ("/credentials", True, 200, "#key-auth-form", "/credentials/key-auth"),
    "profile": ("/profile", True, 200),
}

MARKDOWN = """# Getting started

Everything you need to call the **Weather** API, in three steps:

1. [Create an account](/register).
2. Register an application.
3. Call `GET /forecasts/{city}` with your key.

| Header | Value |
|---|---|
| `apikey` | your key |

```
curl -H "apikey: $KEY" https://api.example.com/forecasts/oslo
```

> Keys are shown once: keep them somewhere safe.
"""


@pytest.fixture(scope="session")
def custom_page(portal, root_token) -> str:
    """A published, public markdown page of the default portal (made through the management API); its path."""
    path = f"/guide-{uuid.uuid4().hex[:8]}"
    r = admin(portal, "POST", f"/api/v2/portals/{portal_ids(portal)['default']}/pages", root_token,
              json={"path": path, "title": "Getting started", "content": MARKDOWN, "public": True, "published": True})
    assert r.status_code == 201, f"POST pages: {r.status_code} {r.text[:500]!r}"
    return path


@pytest.mark.parametrize("page", list(PAGES))
def test_page_layout_accessibility_and_screenshots(page, portal, browser: Browser, portal_name, spec_version, custom_page):
    path, logged_in, expected, *submit = PAGES[page]
    app_id = None
    if logged_in:
        dev = api_developer(portal, full_name="Grace Hopper")
        app_id = api_application(portal, dev, "Weather Station")
        api_register(portal, dev, app_id, spec_version.id)
        api_key_auth(portal, dev)
        browser.login(dev.email, dev.password)
        assert browser.path == "/dashboard", \
            f"logging in ended on {browser.driver.current_url}, not /dashboard:\n{browser.body_text()[:800]}"
    path = path.format(app=app_id, version=spec_version.id, page=custom_page)
    browser.console()  # start the console log from this page
    status = browser.get(path)
    end = path.split("?")[0]
    if submit:
        form, end = submit
        status = browser.submit(form)

    problems: list[str] = []
    if status != expected:
        problems.append(f"{page}: answered {status}, expected {expected}")
    if browser.path != end:
        problems.append(f"{page}: ended on {browser.driver.current_url}, expected {end}")
    problems += layout_problems(browser, portal_name, logged_in)
    if page in ("not-found", "bad-request"):
        h1 = browser.finds("h1")
        if not h1 or str(expected) not in h1[0].text:
            problems.append(f"{expected} page h1 is {[h.text for h in h1]}, expected one containing '{expected}'")
        if portal_name not in browser.body_text():
            problems.append(f"{expected} page does not show the portal name {portal_name!r}")
    if page == "secret" and not browser.finds("input#secret[readonly]"):
        problems.append("the one-time secret page has no read-only #secret field")
    if page == "custom-page" and not browser.finds("article.prose h1, article.prose table"):
        problems.append("the custom page shows no rendered markdown (article.prose h1, table)")

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
