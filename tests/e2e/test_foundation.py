"""nginx in front of the pool: health, TLS, the HTTP redirect, security headers."""

import os
import time

from conftest import json_body

SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def assert_security_headers(headers):
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, f"{name}: {headers.get(name)!r} (all: {dict(headers)})"


def test_health_reports_database_and_worker_pid(portal):
    r = portal.session.get(portal.url("/health"), timeout=10)
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["status"] == "ok"
    assert body["database"] == "reachable"
    assert isinstance(body["pid"], int) and not isinstance(body["pid"], bool)
    # The answer comes from a worker, a child of the supervisor.
    with open(f"/proc/{body['pid']}/stat") as f:
        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
    assert ppid == portal.supervisor_pid(), f"worker {body['pid']} has parent {ppid}"


def test_health_is_served_by_more_than_one_worker(portal):
    pids = {portal.session.get(portal.url("/health"), timeout=10).json()["pid"] for _ in range(60)}
    assert len(pids) >= 2, f"60 requests all went to {pids} (2 workers configured)"


def test_tls_certificate_is_verified(portal):
    # The session verifies against the test CA; a session with the system CAs must refuse.
    import requests

    try:
        requests.get(portal.url("/health"), timeout=10)
    except requests.exceptions.SSLError:
        pass
    else:
        raise AssertionError("a self-signed certificate was accepted with the system CA store")


def test_http_port_redirects_to_https(portal):
    r = portal.session.get(portal.http_url + "/api/v1/developer?x=1&y=2", allow_redirects=False, timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"] == f"https://localhost:{portal.https_port}/api/v1/developer?x=1&y=2"


def test_security_headers_on_success(portal):
    r = portal.session.get(portal.url("/health"), timeout=10)
    assert r.status_code == 200
    assert_security_headers(r.headers)


def test_security_headers_on_app_errors(portal):
    r = portal.session.get(portal.url("/api/v1/developer"), timeout=10)
    assert r.status_code == 401
    assert_security_headers(r.headers)


def test_server_does_not_advertise_version(portal):
    r = portal.session.get(portal.url("/health"), timeout=10)
    assert r.headers.get("Server", "nginx") == "nginx"


def test_home_page_is_html(portal):
    r = portal.session.get(portal.url("/"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/html"), r.headers["Content-Type"]
    assert "<html" in r.text.lower()


def test_pid_file_names_the_supervisor(portal):
    assert portal.pid_file.read_text().strip() == str(portal.supervisor_pid())


def test_socket_is_not_world_accessible(portal):
    mode = os.stat(portal.socket_path).st_mode & 0o777
    assert mode & 0o007 == 0, f"socket mode {oct(mode)} with socket_mode 0660 configured"


def test_database_file_is_created(portal):
    assert portal.database_path.is_file()


def test_nginx_logged_the_requests(portal):
    portal.session.get(portal.url("/health?from=access-log-test"), timeout=10)
    # nginx writes the line after it sent the response: poll for it.
    deadline = time.monotonic() + 5
    while "/health?from=access-log-test" not in portal.nginx_access_log.read_text(errors="replace"):
        assert time.monotonic() < deadline, "the request never reached the access log"
        time.sleep(0.05)

