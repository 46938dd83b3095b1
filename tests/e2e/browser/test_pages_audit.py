"""Gaps an audit of the pages found (issue 10), through nginx: JWT credentials from a form left empty (a random
key and secret, the secret shown once), RS/ES credentials need the public key (said inline), error pages that
name the portal (an undecodable URL too), the appearance logo in the header, the dark_mode and custom themes'
schemes, log-in and sign-up with password sign-in turned off, and nginx's rate limit on the pages' form posts.

Appearance and authentication changes are made on portals of their own (`own_portal`), so the default portal's
pages stay as the other browser tests expect them."""

from __future__ import annotations

import base64
import re
import struct
import time
import uuid
import zlib
from dataclasses import dataclass

import pytest

from conftest import add_portal, admin

from .conftest import PASSWORD, Browser, PageClient, api_developer, dev_api, find_form

GENERIC_NAME = "Developer Portal"  # the product's default name: no page of a portal named otherwise shows it


@dataclass
class OwnPortal:
    id: str
    host: str
    name: str


@pytest.fixture
def own_portal(portal) -> OwnPortal:
    """A new portal of its own (served on <random>.localhost, every name reaching 127.0.0.1)."""
    host = f"audit-{uuid.uuid4().hex[:10]}.localhost"
    name = f"Audit Hub {uuid.uuid4().hex[:6]}"
    return OwnPortal(add_portal(portal, host, name=name), host, name)


def manage(portal, root_token: str, method: str, path: str, json=None):
    r = admin(portal, method, "/api/v2" + path, root_token, json=json)
    assert r.status_code == 200, f"{method} {path}: {r.status_code} {r.text[:500]!r}"
    return r.json()


def png(width: int, height: int, rgba=(17, 85, 203, 255)) -> bytes:
    """A real PNG of one colour."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = b"".join(b"\x00" + bytes(rgba) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def input_value(html: str, element_id: str) -> str | None:
    m = re.search(rf'<input id="{re.escape(element_id)}"[^>]*\svalue="([^"]*)"', html)
    return m.group(1) if m else None


# --- JWT credentials ---------------------------------------------------------------------------------


def test_a_jwt_form_left_empty_makes_a_key_and_secret_and_shows_the_secret_once(portal):
    dev = api_developer(portal)
    client = PageClient(portal)
    client.login(dev.email)
    form = client.form("/credentials", "jwt-form")
    fields = dict(form.fields, key="", secret="", algorithm="HS256", rsa_public_key="")
    r = client.post(form.action, fields)
    assert r.status_code == 200, f"POST {form.action}: {r.status_code} {r.text[:800]!r}"
    assert "no-store" in r.headers.get("Cache-Control", ""), r.headers
    secret, key = input_value(r.text, "secret"), input_value(r.text, "jwt-key")
    assert secret and len(secret) >= 43, f"no generated secret on the page:\n{r.text[:2000]}"
    assert key and len(key) >= 20, f"no generated key on the page:\n{r.text[:2000]}"
    assert "shown only this once" in r.text

    # The developer API has that very credential; the credentials page lists its key, never its secret.
    listed = dev_api(portal, dev, "GET", "/credentials/jwt").json()["data"]
    assert [(c["key"], c["secret"], c["algorithm"]) for c in listed] == [(key, secret, "HS256")], listed
    page = client.get("/credentials").text
    assert key in page and secret not in page


def test_an_rs256_credential_without_a_public_key_is_refused_inline(portal):
    dev = api_developer(portal)
    client = PageClient(portal)
    client.login(dev.email)
    form = client.form("/credentials", "jwt-form")
    assert "Required for RS256, RS384, RS512 and ES256" in client.get("/credentials").text
    r = client.post(form.action, dict(form.fields, key="rs-key", secret="", algorithm="RS256", rsa_public_key=""))
    assert r.status_code == 400, f"{r.status_code} {r.text[:800]!r}"
    assert re.search(r'<p class="field-error" id="rsa_public_key-error">RS256 tokens are verified with your public key', r.text), \
        r.text[:3000]
    assert re.search(r'<textarea id="rsa_public_key"[^>]*aria-invalid="true"', r.text), r.text[:3000]
    assert dev_api(portal, dev, "GET", "/credentials/jwt").json()["data"] == []


# --- error pages name the portal -------------------------------------------------------------------------


# (nginx itself refuses a malformed escape in the path, so only queries reach the app malformed.)
@pytest.mark.parametrize("path", ["/catalog?q=%ZZ", "/login?next=%C3%28", "/no-such-page"])
def test_error_pages_show_the_portals_name(portal, portal_name, path):
    assert portal_name != GENERIC_NAME, "the e2e portal must not carry the product's default name"
    r = portal.raw("GET", path)
    assert r.status in (400, 404), (r.status, r.body[:300])
    html = r.body.decode()
    assert r.headers.get("Content-Type", "").startswith("text/html"), r.headers
    assert f"· {portal_name}</title>" in html and f'<a class="brand" href="/">{portal_name}</a>' in html, html[:1500]
    assert GENERIC_NAME not in html


# --- the logo --------------------------------------------------------------------------------------------


def test_the_logo_is_in_the_header_once_set_and_loads(portal, root_token, own_portal, browser_factory):
    b: Browser = browser_factory(host=own_portal.host)
    b.get("/")
    assert not b.finds("header img"), "no logo is set yet, yet the header has an image"
    assert b.find("header a.brand").text.strip() == own_portal.name

    logo = png(120, 40)
    manage(portal, root_token, "PATCH", f"/portals/{own_portal.id}/appearance", json={
        "images": {"logo": {"data": "data:image/png;base64," + base64.b64encode(logo).decode(), "filename": "logo.png"}}})
    b.get("/")
    img = b.find("header a.brand img")
    assert img.get_attribute("alt") == own_portal.name
    assert img.get_attribute("src").endswith("/assets/logo")
    b.wait(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) == 120, 10,
           "the logo did not load")
    assert b.driver.execute_script("return arguments[0].naturalHeight", img) == 40
    b.screenshot("logo-desktop-light")

    manage(portal, root_token, "PATCH", f"/portals/{own_portal.id}/appearance", json={"images": {"logo": None}})
    b.get("/")
    assert not b.finds("header img")


# --- themes ----------------------------------------------------------------------------------------------


def theme_css(portal, host: str) -> str:
    time.sleep(1.1)  # nginx keeps /assets/ responses for 1 s
    r = portal.session.get(portal.url("/assets/theme.css"), headers={"Host": f"{host}:{portal.https_port}"}, timeout=15)
    assert r.status_code == 200, r.text[:300]
    return r.text


def background(b: Browser) -> str:
    return b.driver.execute_script("return getComputedStyle(document.body).backgroundColor")


def test_dark_mode_is_dark_by_default_and_light_on_the_switch(portal, root_token, own_portal, browser_factory):
    manage(portal, root_token, "PATCH", f"/portals/{own_portal.id}/appearance", json={"theme_name": "dark_mode"})
    css = theme_css(portal, own_portal.host)
    assert css.startswith(":root{--section-header:#0A161E;--section-body:#0C0C0C;"), css[:300]
    assert ":root[data-scheme=light]{--section-header:#F8F8F8;" in css and "prefers-color-scheme" not in css, css

    b: Browser = browser_factory(host=own_portal.host)
    b.set_scheme("light")  # the system says light; the portal chose dark
    b.get("/login")
    assert background(b) == "rgb(12, 12, 12)"
    b.screenshot("dark-mode-theme-desktop-system-light")
    b.submit('form[action="/appearance-scheme"]', 'button[name="scheme"][value="light"]')
    assert background(b) == "rgb(255, 255, 255)"


def test_a_custom_theme_keeps_its_colours_for_dark_scheme_visitors(portal, root_token, own_portal, browser_factory):
    groups = {"section": ["header", "body", "hero", "accent", "tertiary", "stroke", "footer"],
              "text": ["header", "hero", "headings", "primary", "secondary", "accent", "link", "footer"],
              "button": ["primary_fill", "primary_text"]}
    colours = {g: {n: {"value": "#fefcf0" if g == "section" else "#1155cb" if n == "primary_fill" else "#ffffff"
                       if n == "primary_text" or (g == "text" and n in ("header", "footer")) else "#222222"}
                   for n in names} for g, names in groups.items()}
    colours["section"]["header"] = {"value": "#102030"}
    colours["section"]["footer"] = {"value": "#102030"}
    manage(portal, root_token, "PATCH", f"/portals/{own_portal.id}/appearance",
           json={"theme_name": "custom", "custom_theme": {"colors": colours}})
    css = theme_css(portal, own_portal.host)
    assert css.startswith(":root{--section-header:#102030;--section-body:#fefcf0;"), css[:300]
    assert "#0A161E" not in css and "#0C0C0C" not in css, css

    b: Browser = browser_factory(host=own_portal.host)
    b.set_scheme("dark")
    b.get("/login")
    assert background(b) == "rgb(254, 252, 240)", "a dark-scheme visitor got other colours than the portal's own"


# --- password sign-in turned off ---------------------------------------------------------------------


def test_with_password_sign_in_off_log_in_and_sign_up_say_so_without_a_form(portal, root_token, own_portal, browser_factory):
    manage(portal, root_token, "PATCH", f"/portals/{own_portal.id}/authentication-settings", json={"basic_auth_enabled": False})
    b: Browser = browser_factory(host=own_portal.host)
    for path in ("/login", "/register"):
        assert b.get(path) == 200
        text = b.body_text()
        assert "Password sign-in is turned off for this portal" in text, text[:800]
        assert not b.finds("main form") and not b.finds('input[type="password"]'), f"{path} still shows a form"
        b.screenshot(f"sign-in-off-{path.strip('/')}-desktop-light")

    # A form posted from an old tab is refused with the same message.
    client = PageClient(portal, host=own_portal.host)
    token = find_form(client.get("/").text, action="/appearance-scheme").fields["csrf_token"]
    r = client.post("/login", {"csrf_token": token, "email": "a@example.com", "password": PASSWORD})
    assert r.status_code == 403 and "Password sign-in is turned off" in r.text and 'type="password"' not in r.text, \
        (r.status_code, r.text[:800])

    manage(portal, root_token, "PATCH", f"/portals/{own_portal.id}/authentication-settings", json={"basic_auth_enabled": True})
    b.get("/login")
    assert b.finds("#login-form"), "the form is back once password sign-in is on again"


# --- nginx's limit on the pages' form posts ----------------------------------------------------------

STRICT_RATE, BURST = "1r/m", 5


@pytest.mark.parametrize("path", ["/login", "/register", "/account/forgot-password"])
def test_page_form_posts_hit_the_rate_limit_like_the_api(portal, extra_nginx, path):
    ngx = extra_nginx(f"pages-{uuid.uuid4().hex[:8]}", rate=STRICT_RATE, burst=BURST, write_rate="1000r/s", write_burst=1000)
    body = b"email=nobody%40example.com&password=wrong+password"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    responses = [portal.raw("POST", path, headers=headers, body=body, port=ngx.https_port) for _ in range(BURST + 4)]
    statuses = [r.status for r in responses]
    assert 429 not in statuses[:BURST + 1], f"limited within the burst of {BURST}: {statuses}"
    assert statuses[BURST + 1:] == [429] * 3, f"not limited past the burst: {statuses}"
    last = responses[-1]
    assert last.headers.get("Content-Type", "").startswith("text/html") and b"Too many requests" in last.body, last.body[:300]
    # Showing the form is not limited.
    assert portal.raw("GET", path, port=ngx.https_port).status == 200
