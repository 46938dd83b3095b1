"""The first slice of the developer API (seed 000) through nginx over HTTPS:
register, log in with HTTP Basic, read the developer, log out."""

import base64
import json
import threading
import time

import pytest

from conftest import assert_message, json_body, new_email, session_cookie, set_cookie_headers

PASSWORD = "correct horse battery"


def is_number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def is_epoch_seconds(x):
    return isinstance(x, int) and not isinstance(x, bool) and abs(x - time.time()) < 600


# --- POST /api/v1/register ------------------------------------------------


def test_register_returns_the_seed_shape(portal):
    email = new_email()
    r = portal.register(email, PASSWORD, '{"full_name":"User"}')
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["email"] == {"sent": {"emails": {}, "count": 0}, "error": {"emails": {}, "count": 0}}
    dev = body["developer"]
    assert isinstance(dev["id"], str) and dev["id"]
    assert is_epoch_seconds(dev["created_at"]), dev["created_at"]
    assert is_epoch_seconds(dev["updated_at"]), dev["updated_at"]
    assert isinstance(dev["consumer"], dict) and isinstance(dev["consumer"]["id"], str) and dev["consumer"]["id"]
    assert dev["status"] == 0
    assert dev["email"] == email
    assert isinstance(dev["meta"], str), f"meta must be a JSON string, got {dev['meta']!r}"
    assert json.loads(dev["meta"]) == {"full_name": "User"}
    assert PASSWORD not in r.text


def test_register_ids_are_unique(portal):
    a = portal.register().json()["developer"]
    b = portal.register().json()["developer"]
    assert a["id"] != b["id"]
    assert a["consumer"]["id"] != b["consumer"]["id"]


@pytest.mark.parametrize(
    "missing, expected",
    [
        ("password", "password is required"),
        ("email", "required field missing"),
        ("meta", {"full_name": "required field missing"}),
    ],
)
def test_register_missing_field(portal, missing, expected):
    data = {"email": new_email(), "password": PASSWORD, "meta": '{"full_name":"User"}'}
    del data[missing]
    r = portal.session.post(portal.url("/api/v1/register"), data=data, timeout=15)
    assert r.status_code == 400, r.text
    body = json_body(r)
    assert body["code"] == 2, body
    assert body["fields"][missing] == expected, body


def test_register_same_email_twice_conflicts(portal):
    email = new_email()
    assert portal.register(email).status_code == 200
    r = portal.register(email)
    assert r.status_code == 409, r.text
    body = json_body(r)
    assert isinstance(body["fields"]["email"], str) and body["fields"]["email"], body
    assert is_number(body["code"]), body


def test_register_with_nothing_is_400_not_5xx(portal):
    r = portal.session.post(portal.url("/api/v1/register"), data={}, timeout=15)
    assert r.status_code == 400, r.text
    body = json_body(r)
    assert body["code"] == 2 and body["fields"], body


# --- GET /api/v1/auth (login) ---------------------------------------------


def test_login_sets_a_secure_session_cookie(portal):
    email = new_email()
    assert portal.register(email, PASSWORD).status_code == 200
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, PASSWORD), timeout=15)
    assert r.status_code == 204, r.text
    assert r.content == b""
    cookies = [c for c in set_cookie_headers(r) if c.startswith("portal_session=")]
    assert len(cookies) == 1, set_cookie_headers(r)
    parts = [p.strip() for p in cookies[0].split(";")]
    value = parts[0].split("=", 1)[1]
    assert len(value) >= 22, f"session id too short for 128 bits: {value!r}"
    attrs = parts[1:]
    assert "Path=/" in attrs, cookies[0]
    assert "SameSite=Strict" in attrs, cookies[0]
    assert "HttpOnly" in attrs, cookies[0]
    assert "Secure" in attrs, cookies[0]


def test_each_login_gets_a_new_session_id(portal):
    email = new_email()
    assert portal.register(email, PASSWORD).status_code == 200
    assert portal.login(email, PASSWORD) != portal.login(email, PASSWORD)


def test_login_wrong_password(portal):
    email = new_email()
    assert portal.register(email, PASSWORD).status_code == 200
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, PASSWORD + "x"), timeout=15)
    wrong = assert_message(r, 401)
    issued = [c for c in set_cookie_headers(r) if c.startswith("portal_session=") and not c.startswith("portal_session=;")]
    assert not issued or all("Max-Age=0" in c for c in issued), issued
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(new_email(), PASSWORD), timeout=15)
    unknown = assert_message(r, 401)
    assert wrong == unknown, "unknown email and wrong password must be indistinguishable"


def test_login_without_authorization_header(portal):
    assert_message(portal.session.get(portal.url("/api/v1/auth"), timeout=15), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon-here").decode(),
        "Basic ",
        "Basic",
        "Bearer abc.def",
        "Basic " + base64.b64encode(b"\xff\xfe:\xff").decode(),
    ],
)
def test_login_garbled_basic_header(portal, header):
    r = portal.session.get(portal.url("/api/v1/auth"), headers={"Authorization": header}, timeout=15)
    assert_message(r, 401)


# --- GET /api/v1/developer ------------------------------------------------


def test_developer_with_session(portal):
    email, _, dev, cookie = portal.new_developer(full_name="Ada")
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["id"] == dev["id"]
    assert body["email"] == email
    assert body["status"] == 0
    assert isinstance(body["meta"], str) and json.loads(body["meta"]) == {"full_name": "Ada"}
    assert body["consumer"]["id"] == dev["consumer"]["id"]
    assert body["created_at"] == dev["created_at"]
    assert is_epoch_seconds(body["updated_at"])


def test_developer_without_session(portal):
    assert_message(portal.session.get(portal.url("/api/v1/developer"), timeout=15), 401)


@pytest.mark.parametrize("cookie", ["portal_session=", "portal_session=nope", "portal_session=" + "A" * 43,
                                    "other=1", "portal_session=%%%; ;;=;"])
def test_developer_with_bad_cookie(portal, cookie):
    r = portal.session.get(portal.url("/api/v1/developer"), headers={"Cookie": cookie}, timeout=15)
    assert_message(r, 401)


# --- DELETE /api/v1/auth (logout) -------------------------------------------


def test_logout_invalidates_the_session(portal):
    _, _, _, cookie = portal.new_developer()
    h = portal.as_developer(cookie)
    assert portal.session.get(portal.url("/api/v1/developer"), headers=h, timeout=15).status_code == 200
    r = portal.session.delete(portal.url("/api/v1/auth"), headers=h, timeout=15)
    assert r.status_code == 200, r.text
    assert_message(portal.session.get(portal.url("/api/v1/developer"), headers=h, timeout=15), 401)


def test_logout_leaves_other_sessions_alone(portal):
    email, password, _, first = portal.new_developer()
    second = portal.login(email, password)
    assert portal.session.delete(portal.url("/api/v1/auth"), headers=portal.as_developer(first),
                                 timeout=15).status_code == 200
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(second), timeout=15)
    assert r.status_code == 200, r.text


def test_logout_without_session_is_harmless(portal):
    # The seed documents only 200 for DELETE /auth; logging out twice must not fail either way.
    r = portal.session.delete(portal.url("/api/v1/auth"), timeout=15)
    assert r.status_code in (200, 204, 401), f"{r.status_code} {r.text[:200]!r}"
    issued = [c for c in set_cookie_headers(r) if c.startswith("portal_session=") and not c.startswith("portal_session=;")]
    assert not issued, issued


# --- isolation between developers -----------------------------------------


def test_sessions_never_cross_developers(portal):
    devs = [portal.new_developer(full_name=f"Dev {i}") for i in range(3)]
    errors = []

    def worker(offset):
        s = portal.new_session()
        for i in range(30):
            email, _, dev, cookie = devs[(i + offset) % len(devs)]
            r = s.get(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
            if r.status_code != 200:
                errors.append(f"{r.status_code} {r.text[:200]}")
                continue
            body = r.json()
            if body["id"] != dev["id"] or body["email"] != email:
                errors.append(f"cookie of {email} returned {body['email']}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:5]


def test_cookie_of_a_logged_out_developer_does_not_leak_another(portal):
    a_email, _, _, a_cookie = portal.new_developer()
    b_email, _, _, b_cookie = portal.new_developer()
    portal.session.delete(portal.url("/api/v1/auth"), headers=portal.as_developer(a_cookie), timeout=15)
    assert_message(portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(a_cookie),
                                      timeout=15), 401)
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(b_cookie), timeout=15)
    assert r.json()["email"] == b_email


def test_full_flow_with_a_cookie_jar(portal):
    """A plain client that keeps cookies (as a browser would): Secure/Path must let the cookie
    come back over HTTPS."""
    import requests

    s = requests.Session()
    s.trust_env = False
    s.verify = str(portal.cert)
    email = new_email()
    assert s.post(portal.url("/api/v1/register"),
                  data={"email": email, "password": PASSWORD, "meta": '{"full_name":"Jar"}'},
                  timeout=15).status_code == 200
    r = s.get(portal.url("/api/v1/auth"), auth=(email, PASSWORD), timeout=15)
    assert r.status_code == 204
    assert session_cookie(r)
    r = s.get(portal.url("/api/v1/developer"), timeout=15)
    assert r.status_code == 200 and r.json()["email"] == email
    assert s.delete(portal.url("/api/v1/auth"), timeout=15).status_code == 200
    assert s.get(portal.url("/api/v1/developer"), timeout=15).status_code == 401
