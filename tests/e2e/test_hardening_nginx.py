"""Security hardening on the nginx side (issue 6): rate limits that slashes or
percent-encoding cannot sidestep, a limit on every /api write, no tokens in the
access log, forward-secret AEAD ciphers only, a strict Content-Security-Policy.

Rate-limit tests start their own nginx (extra_nginx) with a strict rate, one per
case: limits count per client address, and every test comes from 127.0.0.1."""

import base64
import os
import pwd
import socket
import ssl
import time
import uuid

import pytest

from conftest import json_body

STRICT_RATE = "1r/m"  # no token comes back during a test
BURST = 5  # burst + 1 requests pass, the next ones get 429
LAX_RATE, LAX_BURST = "1000r/s", 1000
ATTEMPTS = BURST + 4


def fresh_nginx(extra_nginx, label, **limits):
    return extra_nginx(f"{label}-{uuid.uuid4().hex[:8]}", **limits)


def assert_limited_past_burst(responses):
    """The first burst + 1 attempts get through nginx, every later one is its 429."""
    statuses = [r.status for r in responses]
    assert 429 not in statuses[: BURST + 1], f"limited within the burst of {BURST}: {statuses}"
    assert statuses[BURST + 1:] == [429] * (len(statuses) - BURST - 1), f"not limited past the burst: {statuses}"
    last = responses[-1]
    assert json_body(last) == {"message": "API rate limit exceeded"}


# --- the account endpoints' limit: no way around it ---------------------------------

WRONG_LOGIN = {"Authorization": "Basic " + base64.b64encode(b"nobody@example.com:wrong password").decode()}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
ACCOUNT_ENDPOINTS = ["auth", "register", "forgot-password", "reset-password", "validate-reset", "verify-account",
                     "resend-account-verification", "invalidate-account-verification"]


# nginx matches locations on the normalized path, so "//", "%61" and "/x/.." were limited
# before too; they stay here to guard the map, which must match that same path ($uri).
@pytest.mark.parametrize("method, path", [
    ("GET", "/api/v1/auth/"),
    ("GET", "//api/v1/auth"),
    ("GET", "/api/v1/%61uth"),
    ("GET", "/api//v1/auth//"),
    ("GET", "/api/v1/x/../auth"),
    ("GET", "/api/v1/AUTH"),
] + [("POST", f"/api/v1/{name}/") for name in ACCOUNT_ENDPOINTS if name != "auth"])
def test_account_endpoint_limit_is_not_sidestepped(portal, extra_nginx, method, path):
    ngx = fresh_nginx(extra_nginx, "auth", rate=STRICT_RATE, burst=BURST, write_rate=LAX_RATE,
                      write_burst=LAX_BURST)
    if method == "GET":
        headers, body = WRONG_LOGIN, None
    else:
        headers, body = FORM, b"email=nobody%40example.com"
    responses = [portal.raw(method, path, headers=headers, body=body, port=ngx.https_port)
                 for _ in range(ATTEMPTS)]
    assert_limited_past_burst(responses)


def test_account_endpoints_share_one_limit_per_client(portal, extra_nginx):
    # Spreading the attempts over several spellings and endpoints does not multiply the burst.
    ngx = fresh_nginx(extra_nginx, "auth-mixed", rate=STRICT_RATE, burst=BURST, write_rate=LAX_RATE,
                      write_burst=LAX_BURST)
    paths = ["/api/v1/auth", "/api/v1/auth/", "//api/v1/auth", "/api/v1/%61uth"]
    responses = [portal.raw("GET", paths[i % len(paths)], headers=WRONG_LOGIN, port=ngx.https_port)
                 for i in range(ATTEMPTS)]
    assert_limited_past_burst(responses)


def test_account_limit_leaves_other_api_reads_alone(portal, extra_nginx):
    _, _, _, cookie = portal.new_developer()
    ngx = fresh_nginx(extra_nginx, "auth-reads", rate=STRICT_RATE, burst=BURST, write_rate=LAX_RATE,
                      write_burst=LAX_BURST)
    statuses = [portal.raw("GET", "/api/v1/developer", headers=portal.as_developer(cookie),
                           port=ngx.https_port).status for _ in range(3 * ATTEMPTS)]
    assert statuses == [200] * len(statuses), statuses


# --- every /api write is limited ---------------------------------------------------------


@pytest.fixture(scope="module")
def developer(portal):
    """(email, cookie) of a logged-in developer."""
    email, _, _, cookie = portal.new_developer()
    return email, cookie


@pytest.mark.parametrize("method, path, body", [
    ("PATCH", "/api/v1/developer/password", b"old_password=wrong+guess&password=another+long+password"),
    ("PATCH", "/api/v1/developer/email", b"email=not-an-email"),
    ("PATCH", "/api/v1/developer/meta", b"meta=%7B%7D"),
    ("POST", "/api/v1/credentials/key-auth", b""),
    ("POST", "/api/v1/resend-account-verification", b"email=nobody%40example.com"),
    ("POST", "/api/v1/applications", b""),
    ("PUT", "/api/v1/applications", b""),
    ("DELETE", "/api/v1/applications/00000000-0000-4000-8000-000000000000", None),
])
def test_every_api_write_is_limited(portal, extra_nginx, developer, method, path, body):
    _, cookie = developer
    ngx = fresh_nginx(extra_nginx, "write", rate=LAX_RATE, burst=LAX_BURST, write_rate=STRICT_RATE,
                      write_burst=BURST)
    headers = portal.as_developer(cookie)
    if body is not None:
        headers.update(FORM)
    responses = [portal.raw(method, path, headers=headers, body=body, port=ngx.https_port)
                 for _ in range(ATTEMPTS)]
    assert_limited_past_burst(responses)


def test_write_limit_leaves_reads_alone(portal, extra_nginx, developer):
    _, cookie = developer
    ngx = fresh_nginx(extra_nginx, "write-reads", rate=LAX_RATE, burst=LAX_BURST, write_rate=STRICT_RATE,
                      write_burst=BURST)
    headers = portal.as_developer(cookie)
    statuses = [portal.raw("GET", "/api/v1/developer", headers=headers, port=ngx.https_port).status
                for _ in range(4 * ATTEMPTS)]
    assert statuses == [200] * len(statuses), statuses
    for method in ("HEAD", "OPTIONS"):
        statuses = [portal.raw(method, "/api/v1/developer", headers=headers, port=ngx.https_port).status
                    for _ in range(2 * ATTEMPTS)]
        assert 429 not in statuses, (method, statuses)


# --- no secrets in the access log ------------------------------------------------------


def log_lines(log_path, marker, count=1, timeout=5.0):
    """The access-log lines containing `marker`, once there are `count` of them (nginx
    writes each line when the request ends; poll briefly)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in log_path.read_text(errors="replace").splitlines() if marker in line]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def marked_get(portal, url, **headers):
    """GET with a User-Agent that finds the request's log line; returns (marker, response)."""
    marker = f"hardening-{uuid.uuid4().hex}"
    r = portal.session.get(url, headers={"User-Agent": marker, **headers}, allow_redirects=False, timeout=15)
    return marker, r


@pytest.mark.parametrize("path, query", [
    ("/account/reset-password", "token={}"),
    ("/account/verify", "token={}"),
    ("/api/v1/developer", "token={}"),
    ("/api/v1/developer", "TOKEN={}"),
    ("/api/v1/developer", "x=1&access_token={}"),
    ("/health", "a=1&key={}&b=2"),
    ("/health", "password={}"),
])
def test_access_log_leaves_out_secrets_in_the_query(portal, path, query):
    secret = f"SECRET-{uuid.uuid4().hex}"
    marker, r = marked_get(portal, portal.url(f"{path}?{query.format(secret)}"))
    assert r.status_code < 500, r.status_code
    lines = log_lines(portal.nginx_access_log, marker)
    assert len(lines) == 1, f"logged {len(lines)} times: {lines}"
    assert f'"GET {path} HTTP/1.1"' in lines[0], lines[0]
    assert secret not in portal.nginx_access_log.read_text(errors="replace")


def test_access_log_keeps_other_queries(portal):
    marker, r = marked_get(portal, portal.url("/health?page=2&sort=name"))
    assert r.status_code == 200
    lines = log_lines(portal.nginx_access_log, marker)
    assert len(lines) == 1 and '"GET /health?page=2&sort=name HTTP/1.1"' in lines[0], lines
    assert f'"-" "{marker}"' in lines[0], lines[0]  # no referer: "-", like nginx's combined format


def test_access_log_leaves_out_secrets_in_the_referer(portal):
    secret = f"SECRET3-{uuid.uuid4().hex}"
    marker, r = marked_get(portal, portal.url("/health"),
                           Referer=f"https://localhost/account/verify?token={secret}")
    assert r.status_code == 200
    lines = log_lines(portal.nginx_access_log, marker)
    assert len(lines) == 1, lines
    assert '"GET /health HTTP/1.1"' in lines[0] and f'"-" "{marker}"' in lines[0], lines[0]
    assert secret not in portal.nginx_access_log.read_text(errors="replace")

    # A referer without a secret is logged as it is.
    marker, r = marked_get(portal, portal.url("/health"), Referer="https://localhost/docs?page=2")
    lines = log_lines(portal.nginx_access_log, marker)
    assert len(lines) == 1 and '"https://localhost/docs?page=2"' in lines[0], lines


def test_access_log_of_the_http_redirect_leaves_out_secrets(portal):
    secret = f"SECRET4-{uuid.uuid4().hex}"
    marker, r = marked_get(portal, f"{portal.http_url}/account/verify?token={secret}")
    assert r.status_code == 301
    assert r.headers["Location"].endswith(f"/account/verify?token={secret}")  # the redirect keeps it
    lines = log_lines(portal.nginx_access_log, marker)
    assert len(lines) == 1 and '"GET /account/verify HTTP/1.1"' in lines[0], lines
    assert secret not in portal.nginx_access_log.read_text(errors="replace")


# --- TLS: forward-secret AEAD suites only ------------------------------------------------


def tls12_handshake(portal, cipher):
    """The suite a TLS 1.2 handshake offering only `cipher` agrees on (raises ssl.SSLError if none)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(str(portal.cert))
    ctx.minimum_version = ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_ciphers(cipher)
    with socket.create_connection(("127.0.0.1", portal.https_port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            return tls.cipher()[0]


# The test certificate is EC P-256, so the ECDSA suites are the ones that could be agreed.
@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA",
                                    "ECDHE-ECDSA-AES128-SHA256", "ECDHE-ECDSA-AES256-SHA384"])
def test_tls12_refuses_cbc_suites(portal, cipher):
    with pytest.raises(ssl.SSLError):
        agreed = tls12_handshake(portal, cipher)
        pytest.fail(f"handshake with {cipher} succeeded ({agreed})")


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                                    "ECDHE-ECDSA-CHACHA20-POLY1305"])
def test_tls12_accepts_forward_secret_aead_suites(portal, cipher):
    assert tls12_handshake(portal, cipher) == cipher


def test_tls13_still_works(portal):
    ctx = ssl.create_default_context(cafile=str(portal.cert))
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    with socket.create_connection(("127.0.0.1", portal.https_port), timeout=10) as sock:
        with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
            assert tls.version() == "TLSv1.3"


# --- Content-Security-Policy -----------------------------------------------------------


def csp_directives(headers):
    value = headers.get("Content-Security-Policy")
    assert value, f"no Content-Security-Policy in {dict(headers)}"
    assert "unsafe-inline" not in value and "unsafe-eval" not in value, value
    directives = {}
    for part in value.split(";"):
        words = part.split()
        if words:
            assert words[0] not in directives, f"{words[0]} twice (two CSP headers?): {value}"
            directives[words[0]] = words[1:]
    return directives


STRICT_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
}


@pytest.mark.parametrize("path", ["/", "/health", "/api/v1/developer", "/no-such-page", "/api/v1/no-such-thing"])
def test_strict_content_security_policy(portal, path):
    r = portal.session.get(portal.url(path), timeout=15)
    directives = csp_directives(r.headers)
    for name, value in STRICT_CSP.items():
        assert directives.get(name) == value, (name, directives)


def test_strict_content_security_policy_on_nginx_errors(portal, extra_nginx):
    ngx = fresh_nginx(extra_nginx, "csp", rate=STRICT_RATE, burst=1)
    responses = [portal.raw("GET", "/api/v1/auth", headers=WRONG_LOGIN, port=ngx.https_port) for _ in range(4)]
    assert responses[-1].status == 429
    directives = csp_directives(responses[-1].headers)
    for name, value in STRICT_CSP.items():
        assert directives.get(name) == value, (name, directives)


# --- 12. nobody serving requests runs as root -------------------------------------------------------

def _children(parent: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                kids.append(int(entry))
    return kids


def _uid(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for {pid}")


@pytest.mark.skipif(os.geteuid() != 0, reason="started as root only: that is the case this guards")
def test_started_as_root_neither_nginx_workers_nor_pool_workers_run_as_root(portal):
    nginx_master = int((portal.nginx.var / "nginx.pid").read_text().split()[0])
    nginx_workers = _children(nginx_master)
    assert nginx_workers, "nginx has no worker processes"
    assert {_uid(pid) for pid in nginx_workers} == {pwd.getpwnam("www-data").pw_uid}
    supervisor = int(portal.pid_file.read_text().split()[0])
    pool_workers = _children(supervisor)
    assert pool_workers, "the pool has no workers"
    # The supervisor itself dropped privileges before it opened the database, and so did its workers.
    assert {_uid(pid) for pid in [supervisor, *pool_workers]} == {pwd.getpwnam("nobody").pw_uid}
