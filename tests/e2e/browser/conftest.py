"""Fixtures of the browser tests: headless Chromium (Debian's, driven by selenium through
/usr/bin/chromedriver) against the session's nginx + pool (`portal` from tests/e2e/conftest.py).

- `browser_factory(js=True)` opens a new Chromium (fresh profile, so no cookies) wrapped in `Browser`;
  `browser` is one with JavaScript on, `nojs_browser` one with JavaScript disabled by the content setting
  `profile.managed_default_content_settings.javascript: 2`. Every name resolves to 127.0.0.1
  (`--host-resolver-rules`), so `https://verify.localhost:<port>/` reaches the verify portal and nothing leaves
  the machine; the test certificate is accepted with `--ignore-certificate-errors`.
- Viewports `desktop` (1280×900) and `phone` (375×812, mobile) and colour schemes `light`/`dark`
  (`prefers-color-scheme` through CDP `Emulation.setEmulatedMedia`) are set on a `Browser`.
- `axe_check(driver)` runs axe-core (4.4.3, bundled by PyPI's axe-core-python) with the WCAG 2.1 AA tags and
  asserts no violation; what it finds is also listed at the end of the session.
- Screenshots go to $SCREENSHOT_DIR or <repo>/var/screenshots/<timestamp>/, printed at the end of the session;
  a failing browser test leaves its page's screenshot and HTML in failures/ there.
- `PageClient` talks to the pages with `requests` (cookies kept by hand, forms parsed from the HTML) for what a
  browser cannot show: statuses of POSTs without a CSRF token, HEAD, headers.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests

from conftest import (ROOT, Portal, admin, catalog_add_version, new_email, portal_ids,
                      session_cookie, set_cookie_headers)

try:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.remote.webelement import WebElement
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import Select, WebDriverWait
    from axe_core_python.base import AXE_SCRIPT
except ImportError as e:  # pragma: no cover - scripts/test installs them (ensure_browser_test_deps)
    raise ImportError(f"{e}: the browser tests need selenium and axe-core-python "
                      "(scripts/lib.sh ensure_browser_test_deps installs them)") from e

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PASSWORD = "correct horse battery"
SESSION_COOKIE = "portal_session"

VIEWPORTS = {"desktop": (1280, 900), "phone": (375, 812)}
SCHEMES = ("light", "dark")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

# Every violation axe found in this session: (where, rule id, impact, first targets).
_AXE_FINDINGS: list[tuple[str, str, str, list]] = []
_SCREENSHOT_DIR: Path | None = None


# --- screenshots -----------------------------------------------------------------------------------


def screenshot_dir() -> Path:
    """$SCREENSHOT_DIR, or <repo>/var/screenshots/<timestamp>/ (made on first use)."""
    global _SCREENSHOT_DIR
    if _SCREENSHOT_DIR is None:
        env = os.environ.get("SCREENSHOT_DIR")
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        _SCREENSHOT_DIR = Path(env) if env else ROOT / "var" / "screenshots" / stamp
        _SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return _SCREENSHOT_DIR


@pytest.fixture(scope="session")
def screenshots() -> Path:
    return screenshot_dir()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if _SCREENSHOT_DIR is None:
        return
    terminalreporter.section("browser tests")
    shots = sorted(_SCREENSHOT_DIR.rglob("*.png"))
    terminalreporter.write_line(f"screenshots ({len(shots)}): {_SCREENSHOT_DIR}")
    if _AXE_FINDINGS:
        terminalreporter.write_line(f"axe violations ({len(_AXE_FINDINGS)}):")
        for where, rule, impact, targets in _AXE_FINDINGS:
            terminalreporter.write_line(f"  {where}: {rule} ({impact}) {targets}")
        (_SCREENSHOT_DIR / "axe-violations.json").write_text(json.dumps(
            [{"where": w, "rule": r, "impact": i, "targets": t} for w, r, i, t in _AXE_FINDINGS], indent=2))
    else:
        terminalreporter.write_line("axe violations: none")


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)


# --- axe -------------------------------------------------------------------------------------------

_AXE_RUN = """
var options = arguments[0], done = arguments[arguments.length - 1];
axe.run(document, options).then(function (r) {
    done({violations: r.violations.map(function (v) {
        return {id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(function (n) {
                    return {target: n.target, html: n.html, summary: n.failureSummary};
                })};
    })});
}, function (e) { done({error: String(e && e.stack || e)}); });
"""


def axe_violations(driver) -> list[dict]:
    """axe-core's WCAG 2.0/2.1 A and AA violations on the driver's current page."""
    driver.execute_script(AXE_SCRIPT)
    result = driver.execute_async_script(_AXE_RUN, {"runOnly": {"type": "tag", "values": AXE_TAGS},
                                                    "resultTypes": ["violations"]})
    if "error" in result:
        raise AssertionError(f"axe-core failed to run: {result['error']}")
    return result["violations"]


def format_violations(violations: list[dict], where: str = "") -> str:
    lines = [f"{len(violations)} axe WCAG 2.1 AA violation(s){' on ' + where if where else ''}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} node(s)] {v['helpUrl']}")
        for n in v["nodes"][:3]:
            summary = " ".join((n.get("summary") or "").split())
            lines.append(f"    {n['target']}: {n['html'][:160]}")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def record_violations(violations: list[dict], where: str):
    for v in violations:
        _AXE_FINDINGS.append((where, v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]))


def axe_problems(driver, where: str) -> list[str]:
    """axe's violations on the current page as a readable message in a list (empty when none): for tests that
    check accessibility along the way and assert at their end, after their functional checks."""
    violations = axe_violations(driver)
    record_violations(violations, where)
    return [format_violations(violations, where)] if violations else []


def axe_check(driver, where: str = ""):
    """Run axe-core with the WCAG 2.1 AA tags on the current page; assert no violation."""
    violations = axe_violations(driver)
    record_violations(violations, where or driver.current_url)
    assert not violations, format_violations(violations, where or driver.current_url)


# --- HTML parsing (for pages fetched with requests) ---------------------------------------------------


@dataclass
class Form:
    attrs: dict
    fields: dict = field(default_factory=dict)

    @property
    def id(self) -> str | None:
        return self.attrs.get("id")

    @property
    def action(self) -> str | None:
        return self.attrs.get("action")

    @property
    def method(self) -> str:
        return (self.attrs.get("method") or "get").lower()


class _PageParser(HTMLParser):
    """Forms with their fields' current values, and everything a strict CSP would block inline."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.inline: list[str] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None
        self._script_inline = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        raw = self.get_starttag_text() or tag
        if "style" in a:
            self.inline.append(f"style= attribute: {raw[:200]}")
        for name in a:
            if name.startswith("on"):
                self.inline.append(f"event handler {name}=: {raw[:200]}")
        if tag == "style":
            self.inline.append(f"<style> element: {raw[:200]}")
        if tag == "script":
            if "src" not in a:
                self._script_inline = True
                self.inline.append(f"inline <script>: {raw[:200]}")
        if any(v.strip().lower().startswith("javascript:") for k, v in a.items() if k in ("href", "action", "src")):
            self.inline.append(f"javascript: URL: {raw[:200]}")
        if tag == "form":
            self._form = Form(a)
            self.forms.append(self._form)
        elif self._form is not None and tag == "input" and a.get("name"):
            if a.get("type", "").lower() in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type", "").lower() in ("submit", "button", "image", "reset"):
                return
            self._form.fields[a["name"]] = a.get("value", "")
        elif self._form is not None and tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields[a["name"]] = ""
        elif self._form is not None and tag == "select" and a.get("name"):
            self._select, self._select_first = a["name"], None
        elif self._form is not None and tag == "option" and self._select:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
                self._form.fields.setdefault(self._select, value)
            if "selected" in a:
                self._form.fields[self._select] = value

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "script":
            self._script_inline = False

    def handle_data(self, data):
        if self._textarea and self._form is not None:
            self._form.fields[self._textarea] += data


def parse_page(html: str) -> _PageParser:
    p = _PageParser()
    p.feed(html)
    p.close()
    return p


def find_form(html: str, form_id: str | None = None, action: str | None = None) -> Form:
    forms = parse_page(html).forms
    for f in forms:
        if (form_id is None or f.id == form_id) and (action is None or f.action == action):
            return f
    raise AssertionError(f"no form{' #' + form_id if form_id else ''}{' action=' + action if action else ''} "
                         f"in the page; forms: {[(f.id, f.action) for f in forms]}\n{html[:1500]}")


def inline_code(html: str) -> list[str]:
    """Inline scripts, <style> elements, style= and on*= attributes, javascript: URLs in `html`."""
    return parse_page(html).inline


# --- requests against the pages ---------------------------------------------------------------------


class PageClient:
    """A browser-like client over requests: cookies kept by hand (requests' jar is unsure about "localhost"),
    redirects not followed, POSTs sent with the portal's Origin unless told otherwise."""

    def __init__(self, portal: Portal, host: str | None = None):
        self.portal = portal
        self.http = portal.new_session()
        self.cookies: dict[str, str] = {}
        self.host = host
        port = portal.https_port
        self.origin = f"https://{host or 'localhost'}:{port}"

    def request(self, method: str, path: str, data=None, headers: dict | None = None) -> requests.Response:
        h = {}
        if self.host:
            h["Host"] = f"{self.host}:{self.portal.https_port}"
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        h.update(headers or {})
        r = self.http.request(method, self.portal.url(path), data=data, headers=h, allow_redirects=False, timeout=15)
        for header in set_cookie_headers(r):
            pair, _, attrs = header.partition(";")
            name, _, value = pair.partition("=")
            name, value = name.strip(), value.strip()
            gone = not value or re.search(r"max-age=0\b", attrs, re.I) or re.search(r"expires=[^;]*1970", attrs, re.I)
            if gone:
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, data: dict, origin: str | None | bool = True, headers: dict | None = None):
        h = dict(headers or {})
        if origin is True:
            h["Origin"] = self.origin
        elif origin:
            h["Origin"] = origin
        return self.request("POST", path, data=data, headers=h)

    def form(self, path: str, form_id: str | None = None, action: str | None = None) -> Form:
        r = self.get(path)
        assert r.status_code == 200, f"GET {path}: {r.status_code} {r.text[:500]!r}"
        return find_form(r.text, form_id, action)

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        form = self.form("/login", "login-form")
        fields = dict(form.fields, email=email, password=password)
        r = self.post(form.action or "/login", fields)
        assert r.status_code in (302, 303), f"log in through the page: {r.status_code} {r.text[:500]!r}"
        assert SESSION_COOKIE in self.cookies, f"no {SESSION_COOKIE} cookie after logging in: {self.cookies}"
        return r


# --- the browser -------------------------------------------------------------------------------------


def chrome_options(js: bool = True) -> "webdriver.ChromeOptions":
    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--ignore-certificate-errors", "--window-size=1280,900", "--hide-scrollbars",
                "--no-first-run", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--lang=en-US",
                # Every name is this machine: verify.localhost reaches the verify portal, evil.example nothing.
                "--host-resolver-rules=MAP * 127.0.0.1"):
        o.add_argument(arg)
    o.accept_insecure_certs = True
    prefs = {"intl.accept_languages": "en-US,en", "credentials_enable_service": False,
             "profile.password_manager_enabled": False}
    if not js:
        prefs["profile.managed_default_content_settings.javascript"] = 2
    o.add_experimental_option("prefs", prefs)
    o.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return o


class Browser:
    """A selenium Chrome driver with the portal's origin and the waits and checks the tests share."""

    def __init__(self, driver, portal: Portal, js: bool, host: str = "localhost"):
        self.driver = driver
        self.portal = portal
        self.js = js
        self.host = host
        self.viewport = "desktop"
        self.scheme = "light"
        self._status: int | None = None
        self._console: list[dict] = []
        self.set_viewport("desktop")
        self.set_scheme("light")

    # URLs
    def origin(self, host: str | None = None) -> str:
        return f"https://{host or self.host}:{self.portal.https_port}"

    def url(self, path: str, host: str | None = None) -> str:
        return self.origin(host) + path

    @property
    def parsed(self) -> urllib.parse.SplitResult:
        return urllib.parse.urlsplit(self.driver.current_url)

    @property
    def path(self) -> str:
        return self.parsed.path

    @property
    def query(self) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(self.parsed.query, keep_blank_values=True))

    # status of the last document, from the performance log
    def _drain(self):
        for entry in self.driver.get_log("performance"):
            msg = json.loads(entry["message"])["message"]
            if msg.get("method") == "Network.responseReceived" and msg["params"].get("type") == "Document":
                self._status = msg["params"]["response"]["status"]

    def status(self) -> int | None:
        self._drain()
        return self._status

    def console(self) -> list[dict]:
        """Browser console entries since the last call."""
        return self.driver.get_log("browser")

    def csp_violations(self) -> list[str]:
        return [e["message"] for e in self.console() if "Content Security Policy" in e.get("message", "")]

    # navigation
    def get(self, path: str, host: str | None = None) -> int | None:
        self._drain()
        self._status = None
        target = path if path.startswith(("http://", "https://", "data:")) else self.url(path, host)
        self.driver.get(target)
        self.wait_ready()
        return self.status()

    def wait_ready(self, timeout: float = 20):
        WebDriverWait(self.driver, timeout).until(
            lambda d: d.execute_script("return document.readyState") == "complete")

    def wait(self, condition, timeout: float = 10, message: str = ""):
        return WebDriverWait(self.driver, timeout).until(condition, message)

    def wait_for(self, css: str, timeout: float = 10) -> WebElement:
        return self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)), timeout,
                         f"no {css} on {self.driver.current_url}:\n{self.body_text()[:800]}")

    def wait_path(self, path: str, timeout: float = 10):
        self.wait(lambda d: urllib.parse.urlsplit(d.current_url).path == path, timeout,
                  f"expected to be on {path}, on {self.driver.current_url}:\n{self.body_text()[:800]}")

    # elements
    def find(self, css: str, within: WebElement | None = None) -> WebElement:
        found = (within or self.driver).find_elements(By.CSS_SELECTOR, css)
        assert found, f"no {css} on {self.driver.current_url} (status {self._status}):\n{self.body_text()[:1500]}"
        return found[0]

    def finds(self, css: str, within: WebElement | None = None) -> list[WebElement]:
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def exists(self, css: str) -> bool:
        return bool(self.finds(css))

    def body_text(self) -> str:
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return "(no body)"

    def field(self, form_css: str, name: str) -> WebElement:
        return self.find(f'{form_css} [name="{name}"]')

    def value(self, form_css: str, name: str) -> str:
        return self.field(form_css, name).get_attribute("value") or ""

    def fill(self, form_css: str, fields: dict[str, str]):
        form = self.find(form_css)
        for name, value in fields.items():
            el = self.find(f'[name="{name}"]', within=form)
            if el.tag_name.lower() == "select":
                Select(el).select_by_value(value)
            else:
                el.clear()
                if value:
                    el.send_keys(value)

    def no_validate(self, form_css: str):
        """Turn off the browser's own constraint validation so the server's checks are what the test sees."""
        self.driver.execute_script("arguments[0].noValidate = true", self.find(form_css))

    def submit(self, form_css: str, button_css: str | None = None, timeout: float = 20) -> int | None:
        """Click the form's submit button (or `button_css` in it) and wait for the next page."""
        form = self.find(form_css)
        buttons = self.finds(button_css or 'button[type="submit"], input[type="submit"], button:not([type])',
                             within=form)
        assert buttons, f"{form_css} has no submit button{' ' + button_css if button_css else ''}"
        self._drain()
        self._status = None
        old = self.driver.find_element(By.TAG_NAME, "html")
        buttons[0].click()
        self.wait(lambda _: self._detached(old), timeout, f"submitting {form_css} loaded no new page")
        self.wait_ready()
        return self.status()

    @staticmethod
    def _detached(element: WebElement) -> bool:
        """Whether the page holding `element` was replaced. During a navigation Chromium may answer
        "Node with given id does not belong to the document" instead of a stale-element error:
        both mean the old page is gone (EC.staleness_of only accepts the latter)."""
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True

    def cookie(self, name: str) -> str | None:
        c = self.driver.get_cookie(name)
        return c["value"] if c else None

    # viewport and colour scheme
    def set_viewport(self, name: str):
        width, height = VIEWPORTS[name]
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": name == "phone"})
        self.viewport = name

    def set_scheme(self, scheme: str):
        self.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
            "media": "", "features": [{"name": "prefers-color-scheme", "value": scheme}]})
        self.scheme = scheme

    def settle(self):
        """Two animation frames, so style changes (viewport, scheme) are laid out and painted."""
        if self.js:
            self.driver.execute_async_script(
                "var done = arguments[0]; requestAnimationFrame(function () { requestAnimationFrame(done); });")
        else:
            time.sleep(0.2)

    def scroll_width(self) -> int:
        return self.driver.execute_script("return document.documentElement.scrollWidth")

    def screenshot(self, name: str, subdir: str | None = None) -> Path:
        """A full-page PNG in the screenshot folder."""
        import base64
        folder = screenshot_dir() / subdir if subdir else screenshot_dir()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics.get("cssContentSize") or metrics["contentSize"]
        width = max(VIEWPORTS[self.viewport][0], int(size["width"]))
        height = max(VIEWPORTS[self.viewport][1], int(size["height"]))
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 8000), "scale": 1}})
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    # flows shared by tests
    def login(self, email: str, password: str = PASSWORD, next_path: str | None = None,
              host: str | None = None) -> int | None:
        path = "/login" + (f"?next={urllib.parse.quote(next_path, safe='')}" if next_path else "")
        self.get(path, host)
        self.fill("#login-form", {"email": email, "password": password})
        return self.submit("#login-form")

    def logout(self) -> int | None:
        return self.submit('form[action="/logout"]')


@pytest.fixture
def browser_factory(request, portal):
    """Opens Chromium on demand: make(js=True, host="localhost") -> Browser. All are closed at the end of
    the test; a failing test leaves each one's screenshot and HTML in <screenshots>/failures/."""
    if not (os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)):
        pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are needed (scripts/lib.sh ensure_browser_test_deps)",
                    pytrace=False)
    opened: list[Browser] = []

    def make(js: bool = True, host: str = "localhost") -> Browser:
        service = Service(CHROMEDRIVER, log_output=os.devnull)
        driver = webdriver.Chrome(service=service, options=chrome_options(js))
        driver.implicitly_wait(0.2)
        driver.set_page_load_timeout(30)
        driver.set_script_timeout(60)
        b = Browser(driver, portal, js, host)
        opened.append(b)
        return b

    yield make
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for i, b in enumerate(opened):
        try:
            if failed:
                name = f"{request.node.name}-{i}"
                b.screenshot(name, "failures")
                (screenshot_dir() / "failures" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.html").write_text(
                    f"<!-- {b.driver.current_url} -->\n" + b.driver.page_source)
        except Exception as e:  # the page may be gone; the test's own failure is what matters
            print(f"could not save the failing page: {e}")
        finally:
            b.driver.quit()


@pytest.fixture
def browser(browser_factory) -> Browser:
    return browser_factory(js=True)


@pytest.fixture
def nojs_browser(browser_factory) -> Browser:
    return browser_factory(js=False)


# --- data -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def portal_name(portal) -> str:
    return portal.config["default_portal"]["name"]


@dataclass
class Developer:
    email: str
    password: str
    full_name: str
    id: str
    cookie: str


def api_developer(portal: Portal, full_name: str = "Browser Dev", host: str | None = None) -> Developer:
    """A developer registered (and logged in) through the developer API, on the default portal or `host`."""
    email = new_email()
    headers = {"Host": host} if host else {}
    r = portal.session.post(portal.url("/api/v1/register"), headers=headers, timeout=15, data={
        "email": email, "password": PASSWORD, "meta": json.dumps({"full_name": full_name})})
    assert r.status_code == 200, f"register: {r.status_code} {r.text[:300]!r}"
    r2 = portal.session.get(portal.url("/api/v1/auth"), auth=(email, PASSWORD), headers=headers, timeout=15)
    assert r2.status_code == 204, f"login: {r2.status_code} {r2.text[:300]!r}"
    return Developer(email, PASSWORD, full_name, r.json()["developer"]["id"], session_cookie(r2))


@pytest.fixture
def developer(portal) -> Developer:
    return api_developer(portal)


def dev_api(portal: Portal, dev: Developer, method: str, path: str, data=None) -> requests.Response:
    return portal.session.request(method, portal.url("/api/v1" + path), data=data, timeout=15,
                                  headers={"Cookie": f"{SESSION_COOKIE}={dev.cookie}"})


def api_application(portal: Portal, dev: Developer, name: str = "Browser App") -> str:
    r = dev_api(portal, dev, "POST", "/applications", {"name": name, "redirect_uri": "https://app.example/cb"})
    assert r.status_code == 201, f"create application: {r.status_code} {r.text[:300]!r}"
    return r.json()["id"]


def api_register(portal: Portal, dev: Developer, app_id: str, version_id: str):
    r = dev_api(portal, dev, "POST", f"/applications/{app_id}/application_instances", {"service.id": version_id})
    assert r.status_code in (200, 201), f"register application: {r.status_code} {r.text[:300]!r}"
    return r.json()


def api_key_auth(portal: Portal, dev: Developer) -> str:
    r = dev_api(portal, dev, "POST", "/credentials/key-auth", {})
    assert r.status_code in (200, 201), f"key-auth credential: {r.status_code} {r.text[:300]!r}"
    return r.json()["key"]


SPEC_YAML = """\
openapi: 3.0.3
info:
  title: Weather
  version: 1.4.0
  description: Forecasts and weather stations.
tags:
  - name: forecasts
    description: What the weather will be.
  - name: stations
    description: Where it is measured.
paths:
  /forecasts/{city}:
    get:
      tags: [forecasts]
      summary: Forecast for a city
      operationId: getForecast
      parameters:
        - name: city
          in: path
          required: true
          description: City name
          schema:
            type: string
        - name: days
          in: query
          description: How many days ahead
          schema:
            type: integer
            minimum: 1
            maximum: 14
      responses:
        '200':
          description: The forecast
          content:
            application/json:
              schema:
                type: object
                properties:
                  city:
                    type: string
                  temperature:
                    type: number
        '404':
          description: Unknown city
  /stations:
    get:
      tags: [stations]
      summary: List stations
      responses:
        '200':
          description: The stations
    post:
      tags: [stations]
      summary: Add a station
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [station_name]
              properties:
                station_name:
                  type: string
                latitude:
                  type: number
      responses:
        '201':
          description: Created
"""

# (method, path, tag) of SPEC_YAML's operations.
SPEC_OPERATIONS = {("GET", "/forecasts/{city}", "forecasts"), ("GET", "/stations", "stations"),
                   ("POST", "/stations", "stations")}


@dataclass
class CatalogVersion:
    id: str
    product_id: str | None
    product: str
    version: str


def find_product_id(portal: Portal, token: str, portal_id: str, name: str) -> str:
    """The id of the API product named `name` in the portal, from GET /api/v2/api-products (every page)."""
    seen = []
    for number in range(1, 1000):
        r = admin(portal, "GET", "/api/v2/api-products", token,
                  params={"filter[name][eq]": name, "page[size]": 100, "page[number]": number})
        assert r.status_code == 200, f"GET /api/v2/api-products: {r.status_code} {r.text[:300]!r}"
        data = r.json().get("data", [])
        for p in data:
            seen.append(p.get("name"))
            if p.get("name") == name and p.get("portal_id", portal_id) == portal_id:
                return p["id"]
        if len(data) < 100:
            break
    raise AssertionError(f"no API product named {name!r} in GET /api/v2/api-products (saw {seen[:20]})")


def add_version(portal: Portal, root_token: str | None = None, spec: str | None = None, registration: bool = True,
                auto_approve: bool = False, domain: str | None = None, product: str | None = None) -> CatalogVersion:
    """A published version made with the CLI (catalog add-version), with `spec` uploaded through the
    management API when given."""
    product = product or f"Browser Product {uuid.uuid4().hex[:8]}"
    version_id = catalog_add_version(portal, product=product, version="v1", registration=registration,
                                     auto_approve=auto_approve, domain=domain)
    product_id = None
    if spec is not None:
        assert root_token, "uploading a spec needs the root token"
        ids = portal_ids(portal)
        portal_id = ids["default"]
        if domain:
            portal_id = next(v for k, v in ids.items() if portal.portal_domains.get(k) == domain)
        product_id = find_product_id(portal, root_token, portal_id, product)
        path = f"/api/v2/api-products/{product_id}/product-versions/{version_id}/specifications"
        r = admin(portal, "PUT", path, root_token, json={"content": spec})
        assert r.status_code == 200, f"PUT {path}: {r.status_code} {r.text[:500]!r}"
    return CatalogVersion(version_id, product_id, product, "v1")


@pytest.fixture(scope="session")
def spec_version(portal, root_token) -> CatalogVersion:
    """A product version of the default portal with SPEC_YAML, open for registration (approval needed)."""
    return add_version(portal, root_token, spec=SPEC_YAML, product=f"Weather {uuid.uuid4().hex[:8]}")


# --- checks every page shares ------------------------------------------------------------------------


def layout_problems(b: Browser, portal_name: str, logged_in: bool) -> list[str]:
    """What differs from the layout contract on the current page (empty when all is there)."""
    problems = []
    d = b.driver
    html = d.find_element(By.TAG_NAME, "html")
    if html.get_attribute("lang") != "en":
        problems.append(f'<html lang> is {html.get_attribute("lang")!r}, expected "en"')
    title = d.title
    if not re.fullmatch(rf".+ · {re.escape(portal_name)}", title):
        problems.append(f"<title> is {title!r}, expected '<page title> · {portal_name}'")
    if not b.finds('a.skip[href="#main"]'):
        problems.append('no skip link a.skip[href="#main"]')
    if not b.finds("main#main"):
        problems.append('no <main id="main">')
    header = b.finds("header")
    if not header:
        problems.append("no <header>")
    else:
        nav = b.finds('header nav a[href="/catalog"]')
        if not nav or nav[0].text.strip() != "APIs":
            problems.append(f'no header nav a[href="/catalog"] "APIs" (found {[a.text for a in nav]})')
        if logged_in:
            for href in ("/dashboard", "/applications", "/credentials", "/profile"):
                if not b.finds(f'header a[href="{href}"]'):
                    problems.append(f'logged in: no header a[href="{href}"]')
            out = b.finds('header form[action="/logout"]')
            if not out:
                problems.append('logged in: no header form[action="/logout"]')
            else:
                if (out[0].get_attribute("method") or "").lower() != "post":
                    problems.append(f'form[action="/logout"] method is {out[0].get_attribute("method")!r}')
                buttons = b.finds("button", within=out[0])
                if not buttons or buttons[0].text.strip() != "Log out":
                    problems.append(f'form[action="/logout"] has no "Log out" button ({[x.text for x in buttons]})')
            for href in ("/login", "/register"):
                if b.finds(f'header a[href="{href}"]'):
                    problems.append(f'logged in, yet header has a[href="{href}"]')
        else:
            for href, text in (("/login", "Log in"), ("/register", "Sign up")):
                links = b.finds(f'header a[href="{href}"]')
                if not links or links[0].text.strip() != text:
                    problems.append(f'logged out: no header a[href="{href}"] "{text}" (found {[a.text for a in links]})')
            if b.finds('header form[action="/logout"]'):
                problems.append('logged out, yet header has form[action="/logout"]')
    scheme = b.finds('form[action="/appearance-scheme"]')
    if not scheme:
        problems.append('no colour-scheme switch form[action="/appearance-scheme"]')
    else:
        values = sorted(x.get_attribute("value") for x in b.finds('button[name="scheme"]', within=scheme[0]))
        if values != ["auto", "dark", "light"]:
            problems.append(f'scheme switch buttons name="scheme" have values {values}, expected light, dark, auto')
    for form in b.finds("form"):
        if (form.get_attribute("method") or "get").lower() != "post":
            continue
        tokens = b.finds('input[type="hidden"][name="csrf_token"]', within=form)
        if not tokens or not tokens[0].get_attribute("value"):
            problems.append(f"POST form {form.get_attribute('id') or form.get_attribute('action')!r} has no "
                            f"hidden csrf_token with a value")
    return problems


def assert_layout(b: Browser, portal_name: str, logged_in: bool):
    problems = layout_problems(b, portal_name, logged_in)
    assert not problems, (f"{b.driver.current_url} (status {b.status()}) differs from the page contract:\n- "
                          + "\n- ".join(problems))


def assert_field_error(b: Browser, form_css: str, name: str):
    """p.field-error#<name>-error is shown and the field points at it (aria-invalid, aria-describedby)."""
    error_id = f"{name}-error"
    errors = b.finds(f'p.field-error[id="{error_id}"]')
    assert errors and errors[0].text.strip(), \
        f'no p.field-error#{error_id} with a message on {b.driver.current_url}:\n{b.body_text()[:1200]}'
    el = b.field(form_css, name)
    assert el.get_attribute("aria-invalid") == "true", f"{name}: aria-invalid={el.get_attribute('aria-invalid')!r}"
    described = (el.get_attribute("aria-describedby") or "").split()
    assert error_id in described, f"{name}: aria-describedby={el.get_attribute('aria-describedby')!r}"


def assert_no_field_error(b: Browser, name: str):
    assert not b.finds(f'p.field-error[id="{name}-error"]'), f"unexpected #{name}-error: " + \
        b.find(f'p.field-error[id="{name}-error"]').text


def notice(b: Browser) -> str:
    found = b.finds('p.notice[role="status"]')
    assert found, f'no p.notice[role="status"] on {b.driver.current_url}:\n{b.body_text()[:800]}'
    return found[0].text
