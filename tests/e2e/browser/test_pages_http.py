"""What the pages answer at the HTTP level, through nginx with `requests` (and the browser for the 404 and the
colour-scheme switch): CSRF protection of POST forms, HEAD, 404, security headers and no inline code, and the
template edit through the management API's files endpoint (pending)."""

from __future__ import annotations

import json
import uuid

import pytest

from conftest import admin

from .conftest import (Browser, Developer, PageClient, api_application, api_developer, api_key_auth, api_register,
                       assert_layout, dev_api, inline_code)


def developer_meta(portal, dev: Developer) -> dict:
    r = dev_api(portal, dev, "GET", "/developer")
    assert r.status_code == 200, r.text
    meta = r.json().get("meta")
    return json.loads(meta) if isinstance(meta, str) else meta


# --- CSRF -------------------------------------------------------------------------------------------


def test_post_without_or_with_a_wrong_csrf_token_or_origin_is_403_and_changes_nothing(portal):
    dev = api_developer(portal, full_name="Before")
    client = PageClient(portal)
    client.login(dev.email)
    form = client.form("/profile", "meta-form")
    action = form.action
    assert action and action.startswith("/"), f"#meta-form action {action!r}"
    fields = dict(form.fields)
    assert fields.get("csrf_token"), f"#meta-form has no csrf_token: {fields}"
    assert "meta.full_name" in fields, f"#meta-form has no meta.full_name field: {fields}"
    fields["meta.full_name"] = "Mallory"

    attempts = {
        "no csrf_token": ({k: v for k, v in fields.items() if k != "csrf_token"}, True),
        "a wrong csrf_token": (dict(fields, csrf_token="A" * max(len(fields["csrf_token"]), 16)), True),
        "Origin https://evil.example": (fields, "https://evil.example"),
        f"Origin https://localhost:1": (fields, "https://localhost:1"),
    }
    for label, (data, origin) in attempts.items():
        r = client.post(action, data, origin=origin)
        assert r.status_code == 403, f"POST {action} with {label}: {r.status_code} {r.text[:300]!r}"
        assert developer_meta(portal, dev).get("full_name") == "Before", f"POST {action} with {label} changed the name"
    assert client.form("/profile", "meta-form").fields.get("meta.full_name") == "Before"

    # The same request with its token and the portal's Origin goes through: the 403s were the CSRF checks.
    r = client.post(action, fields)
    assert r.status_code in (302, 303), f"POST {action} with its token: {r.status_code} {r.text[:300]!r}"
    assert developer_meta(portal, dev).get("full_name") == "Mallory"


def test_creating_an_application_without_csrf_token_is_403(portal):
    dev = api_developer(portal)
    client = PageClient(portal)
    client.login(dev.email)
    form = client.form("/applications/new", "application-form")
    fields = dict(form.fields, name="Forged", redirect_uri="https://forged.example/cb")
    action = form.action or "/applications/new"
    r = client.post(action, {k: v for k, v in fields.items() if k != "csrf_token"})
    assert r.status_code == 403, f"POST {action} without csrf_token: {r.status_code} {r.text[:300]!r}"
    r = client.post(action, fields, origin="https://evil.example")
    assert r.status_code == 403, f"POST {action} from https://evil.example: {r.status_code} {r.text[:300]!r}"
    apps = dev_api(portal, dev, "GET", "/applications").json()
    assert apps["total"] == 0, apps


def test_logout_without_csrf_token_keeps_the_session(portal):
    dev = api_developer(portal)
    client = PageClient(portal)
    client.login(dev.email)
    r = client.post("/logout", {})
    assert r.status_code == 403, f"POST /logout without csrf_token: {r.status_code} {r.text[:300]!r}"
    r = client.get("/dashboard")
    assert r.status_code == 200, f"the session ended anyway: GET /dashboard {r.status_code} {r.headers.get('Location')}"


# --- HEAD, 404 --------------------------------------------------------------------------------------


def test_head_login_is_200_without_body_and_the_get_length(portal):
    get = portal.raw("GET", "/login")
    head = portal.raw("HEAD", "/login")
    assert get.status == 200, get.body[:300]
    assert head.status == 200, head.status
    assert head.body == b"", head.body[:200]
    length = head.headers.get("Content-Length")
    assert length is not None, dict(head.headers)
    assert int(length) == len(get.body), f"HEAD Content-Length {length}, GET body {len(get.body)} bytes"
    assert head.headers.get("Content-Type", "").startswith("text/html"), head.headers.get("Content-Type")


def test_unknown_path_is_a_themed_404(portal, browser: Browser, portal_name):
    r = PageClient(portal).get("/no/such/page")
    assert r.status_code == 404, r.status_code
    assert r.headers.get("Content-Type", "").startswith("text/html"), r.headers.get("Content-Type")
    status = browser.get("/no/such/page")
    assert status == 404, status
    assert browser.exists("header"), browser.driver.page_source[:1000]
    assert portal_name in browser.find("header").text, browser.find("header").text
    h1 = browser.find("h1").text
    assert "404" in h1, h1
    assert_layout(browser, portal_name, logged_in=False)


# --- security headers and inline code ------------------------------------------------------------------


def page_problems(client: PageClient, path: str, expected: int = 200) -> list[str]:
    r = client.get(path)
    problems = []
    if r.status_code != expected:
        problems.append(f"GET {path}: status {r.status_code}, expected {expected} (Location {r.headers.get('Location')})")
    csp = r.headers.get("Content-Security-Policy")
    if not csp:
        problems.append(f"GET {path}: no Content-Security-Policy header")
    elif "unsafe-inline" in csp or "unsafe-eval" in csp:
        problems.append(f"GET {path}: Content-Security-Policy allows inline code: {csp}")
    for header, value in (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY")):
        if r.headers.get(header) != value:
            problems.append(f"GET {path}: {header} is {r.headers.get(header)!r}, expected {value!r}")
    if not r.headers.get("Content-Type", "").startswith("text/html"):
        problems.append(f"GET {path}: Content-Type {r.headers.get('Content-Type')!r}")
    for found in inline_code(r.text):
        problems.append(f"GET {path}: {found}")
    return problems


def test_pages_logged_out_have_csp_and_no_inline_code(portal):
    client = PageClient(portal)
    problems = []
    for path, status in (("/", 200), ("/login", 200), ("/register", 200), ("/account/forgot-password", 200),
                         ("/no-such-page-here", 404)):
        problems += page_problems(client, path, status)
    assert not problems, "\n".join(problems)


def test_pages_logged_in_have_csp_and_no_inline_code(portal, spec_version):
    dev = api_developer(portal)
    app_id = api_application(portal, dev)
    api_register(portal, dev, app_id, spec_version.id)
    api_key_auth(portal, dev)
    client = PageClient(portal)
    client.login(dev.email)
    problems = []
    for path in ("/", "/dashboard", "/catalog", f"/catalog/{spec_version.id}", "/applications", "/applications/new",
                 f"/applications/{app_id}", f"/applications/{app_id}/edit", "/credentials", "/profile"):
        problems += page_problems(client, path)
    assert not problems, "\n".join(problems)


# --- colour scheme -----------------------------------------------------------------------------------


def test_colour_scheme_switch_sets_a_cookie_and_the_next_pages_data_scheme(browser: Browser):
    browser.get("/login")
    html = lambda: browser.driver.find_element("tag name", "html").get_attribute("data-scheme")  # noqa: E731
    for scheme in ("dark", "light", "auto"):
        browser.submit('form[action="/appearance-scheme"]', f'button[name="scheme"][value="{scheme}"]')
        cookie = browser.cookie("portal_scheme")
        assert cookie == scheme or (scheme == "auto" and not cookie), \
            f"after choosing {scheme}: portal_scheme cookie {cookie!r} ({browser.driver.get_cookies()})"
        assert browser.path == "/login", f"after choosing {scheme}: {browser.driver.current_url}"
        if scheme == "auto":
            assert html() in (None, "", "auto"), html()
        else:
            assert html() == scheme, f'chose {scheme}: <html data-scheme={html()!r}>'
        browser.get("/register")
        assert html() == scheme or (scheme == "auto" and html() in (None, "")), \
            f"{scheme} did not carry over to the next page: data-scheme={html()!r}"
        browser.get("/login")


# --- templates through the management API --------------------------------------------------------------


def test_template_edit_through_the_files_endpoint_shows_on_the_next_load(portal, root_token, browser_factory):
    """A new portal's layout template (the theme file holding <main id="main">), read and PUT back with a marker
    through /api/v2/portals/{id}/files: the next page load shows the marker."""
    r = admin(portal, "POST", "/api/v2/portals", root_token, json={"name": f"Templates {uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.text
    portal_id, domain = r.json()["id"], r.json()["default_domain"]
    files = f"/api/v2/portals/{portal_id}/files"
    r = admin(portal, "GET", files, root_token, params={"page[size]": 100})
    assert r.status_code == 200, f"GET {files}: {r.status_code} {r.text[:300]!r}"
    layout = None
    for item in r.json().get("data", []):
        if not str(item.get("path", "")).endswith(".mustache"):
            continue
        one = admin(portal, "GET", f"{files}/{item['id']}", root_token)
        assert one.status_code == 200, f"GET {files}/{item['id']}: {one.status_code} {one.text[:300]!r}"
        if '<main id="main">' in one.json().get("contents", ""):
            layout = one.json()
            break
    assert layout, f"no template with <main id=\"main\"> among {[f.get('path') for f in r.json().get('data', [])]}"
    marker = f"edited-{uuid.uuid4().hex[:8]}"
    contents = layout["contents"].replace('<main id="main">', f'<main id="main"><p class="marker">{marker}</p>', 1)
    r = admin(portal, "PUT", files, root_token, json={"path": layout["path"], "contents": contents})
    assert r.status_code in (200, 201), f"PUT {files}: {r.status_code} {r.text[:300]!r}"
    b = browser_factory(host=domain)
    b.get("/login")
    assert b.find("p.marker").text == marker


def test_a_template_nested_too_deep_is_refused_and_the_portal_keeps_serving(portal, root_token):
    """1,000 nested sections (a 12 KB file) overflowed a worker thread's stack in the template parser and took the
    worker down on upload; now the upload is a 400 naming the limit, and the portal keeps serving its pages."""
    r = admin(portal, "POST", "/api/v2/portals", root_token, json={"name": f"Deep {uuid.uuid4().hex[:8]}"})
    assert r.status_code == 201, r.text
    files = f"/api/v2/portals/{r.json()['id']}/files"
    deep = "{{#a}}" * 1000 + "x" + "{{/a}}" * 1000
    for attempt in range(3):  # each would have crashed a worker
        r = admin(portal, "PUT", files, root_token, json={"path": "themes/default/layouts/home.mustache", "contents": deep})
        assert r.status_code == 400, f"attempt {attempt}: {r.status_code} {r.text[:300]!r}"
        assert r.headers["Content-Type"].startswith("application/problem+json")
        problems = r.json()["invalid_parameters"]
        assert [p["field"] for p in problems] == ["contents"], problems
        assert "nests sections more than 32 deep" in problems[0]["reason"], problems
    # 32 levels are a template like any other.
    fine = "{{#a}}" * 32 + "x" + "{{/a}}" * 32
    r = admin(portal, "PUT", files, root_token, json={"path": "themes/default/layouts/home.mustache", "contents": fine})
    assert r.status_code in (200, 201), r.text[:300]
    assert portal.session.get(portal.url("/"), timeout=15).status_code == 200
