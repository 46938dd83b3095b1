"""Seed 000 account, developer and files endpoints end to end: nginx → pool → SQLite → SMTP."""

import json
import re

import pytest

from conftest import assert_message, json_body, new_email, session_cookie

TOKEN = re.compile(r"token=([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")


def mail_token(message) -> str:
    body = message.get_payload(decode=True).decode()
    match = TOKEN.search(body)
    assert match, f"no token link in mail: {body!r}"
    return match.group(1)


def post(portal, path, data=None, headers=None, cookie=None):
    h = dict(headers or {})
    if cookie:
        h.update(portal.as_developer(cookie))
    return portal.session.post(portal.url("/api/v1" + path), data=data or {}, headers=h, timeout=15)


def register_on(portal, name, email, password="correct horse battery"):
    return portal.session.post(
        portal.url("/api/v1/register"),
        data={"email": email, "password": password, "meta": '{"full_name":"Vera"}'},
        headers=portal.host_headers(name), timeout=15)


def test_register_verify_login_full_flow(portal):
    email = new_email()
    r = register_on(portal, "verify", email)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["developer"]["status"] == 5  # unverified until the link is used
    assert body["email"] == {"sent": {"emails": {email: True}, "count": 1}, "error": {"emails": {}, "count": 0}}
    [mail] = portal.wait_for_mail(email)
    assert "Verify" in mail["Subject"]
    assert mail["From"] == "portal@example.com"
    token = mail_token(mail)

    # Not verified yet: no login.
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, "correct horse battery"),
                           headers=portal.host_headers("verify"), timeout=15)
    assert_message(r, 401)

    r = post(portal, "/verify-account", {"token": token}, portal.host_headers("verify"))
    assert r.status_code == 200, r.text
    assert json_body(r) == {"status": 0}

    # Single use.
    r = post(portal, "/verify-account", {"token": token}, portal.host_headers("verify"))
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}

    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, "correct horse battery"),
                           headers=portal.host_headers("verify"), timeout=15)
    assert r.status_code == 204
    cookie = session_cookie(r)
    r = portal.session.get(portal.url("/api/v1/developer"),
                           headers={**portal.host_headers("verify"), **portal.as_developer(cookie)}, timeout=15)
    assert r.status_code == 200 and r.json()["email"] == email and r.json()["status"] == 0
    # The session belongs to the verify portal: the default portal does not know it.
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
    assert_message(r, 401)


def test_pending_portal_registers_with_status_1_and_mails(portal):
    email = new_email()
    r = register_on(portal, "pending", email)
    assert r.status_code == 200
    assert r.json()["developer"]["status"] == 1
    assert r.json()["email"]["sent"] == {"emails": {email: True}, "count": 1}
    portal.wait_for_mail(email)
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, "correct horse battery"),
                           headers=portal.host_headers("pending"), timeout=15)
    assert_message(r, 401)


def test_undeliverable_address_is_reported_in_email_error(portal):
    r = register_on(portal, "pending", portal.failing_recipient)
    assert r.status_code == 200
    report = r.json()["email"]
    assert report["sent"] == {"emails": {}, "count": 0}
    assert report["error"]["count"] == 1
    # A generic reason: the SMTP reply (relay, codes) is logged, never handed to the registrant.
    reason = report["error"]["emails"][portal.failing_recipient]
    assert reason == "the email could not be delivered now; it will be retried"
    assert "550" not in reason and "127.0.0.1" not in reason


def test_verification_token_errors(portal):
    r = post(portal, "/verify-account", {}, portal.host_headers("verify"))
    assert r.status_code == 400 and r.json() == {"message": "token is required"}
    for bad in ("garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IngiLCJleHAiOjk5OTk5OTk5OTl9.AAAA"):
        r = post(portal, "/verify-account", {"token": bad}, portal.host_headers("verify"))
        assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    r = post(portal, "/invalidate-account-verification", {}, portal.host_headers("verify"))
    assert r.status_code == 400 and r.json() == {"message": "token is required"}


def test_resend_and_invalidate_verification(portal):
    email = new_email()
    assert register_on(portal, "verify", email).status_code == 200
    first = mail_token(portal.wait_for_mail(email, 1)[0])

    r = post(portal, "/resend-account-verification", {"email": email}, portal.host_headers("verify"))
    assert r.status_code == 204 and r.content == b""
    second = mail_token(portal.wait_for_mail(email, 2)[1])
    assert second != first
    # The resent token replaces the first one.
    r = post(portal, "/verify-account", {"token": first}, portal.host_headers("verify"))
    assert r.status_code == 401

    r = post(portal, "/invalidate-account-verification", {"token": second}, portal.host_headers("verify"))
    assert r.status_code == 204
    r = post(portal, "/verify-account", {"token": second}, portal.host_headers("verify"))
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}

    # Unknown addresses get the same 204 and no mail.
    stranger = new_email()
    r = post(portal, "/resend-account-verification", {"email": stranger}, portal.host_headers("verify"))
    assert r.status_code == 204
    assert portal.mails(stranger) == []


def test_forgot_validate_and_reset_password(portal):
    email, password, developer, cookie = portal.new_developer()
    r = post(portal, "/forgot-password", {"email": email})
    assert r.status_code == 200 and r.content == b""
    [mail] = portal.wait_for_mail(email)
    assert "Reset" in mail["Subject"]
    token = mail_token(mail)

    # Validation does not consume the token.
    for _ in range(2):
        r = post(portal, "/validate-reset", {"token": token})
        assert r.status_code == 200 and r.content == b""

    r = post(portal, "/reset-password", {"token": token})
    assert r.status_code == 400 and r.json() == {"fields": {"password": "password is required"}, "code": 2}
    r = post(portal, "/reset-password", {"password": "brand new secret"})
    assert r.status_code == 400 and r.json() == {"message": "token is required"}

    r = post(portal, "/reset-password", {"token": token, "password": "brand new secret"})
    assert r.status_code == 200 and r.content == b""
    # All sessions ended, the token is used up, the new password works and the old one does not.
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
    assert_message(r, 401)
    r = post(portal, "/validate-reset", {"token": token})
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}
    r = post(portal, "/reset-password", {"token": token, "password": "another new secret"})
    assert r.status_code == 401
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, password), timeout=15)
    assert_message(r, 401)
    assert portal.login(email, "brand new secret")


def test_forgot_password_does_not_reveal_accounts(portal):
    stranger = new_email()
    r = post(portal, "/forgot-password", {"email": stranger})
    assert r.status_code == 200 and r.content == b""
    assert portal.mails(stranger) == []
    r = post(portal, "/forgot-password", {})
    assert r.status_code == 400 and r.json() == {"fields": {"email": "required field missing"}, "code": 2}


def test_meta_fields(portal):
    r = portal.session.get(portal.url("/api/v1/developer/meta_fields"), timeout=15)
    assert r.status_code == 200
    assert r.json() == [{"title": "full_name", "label": "Full Name", "is_email": False,
                         "validator": {"type": "string", "required": True}}]


def test_change_password(portal):
    email, password, developer, cookie = portal.new_developer()
    other_cookie = portal.login(email, password)
    patch = lambda data, c=cookie: portal.session.patch(
        portal.url("/api/v1/developer/password"), data=data, headers=portal.as_developer(c), timeout=15)

    r = patch({"old_password": "wrong password", "password": "a different one"})
    assert r.status_code == 400 and r.json() == {"message": "Old password is invalid"}
    r = patch({"old_password": password})
    assert r.status_code == 400 and r.json()["fields"]["password"] == "password is required"
    r = patch({"old_password": password, "password": "short"})
    assert r.status_code == 400 and "password" in r.json()["fields"]

    r = patch({"old_password": password, "password": "a different one"})
    assert r.status_code == 204
    fresh = session_cookie(r)
    # Other sessions end; this client keeps working with its fresh session.
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(other_cookie), timeout=15)
    assert_message(r, 401)
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(fresh), timeout=15)
    assert r.status_code == 200
    assert portal.login(email, "a different one")


def test_change_email_and_conflict(portal):
    email, _, developer, cookie = portal.new_developer()
    taken, *_ = portal.new_developer()
    patch = lambda data: portal.session.patch(
        portal.url("/api/v1/developer/email"), data=data, headers=portal.as_developer(cookie), timeout=15)
    r = patch({"email": taken.upper()})
    assert r.status_code == 409
    assert isinstance(r.json()["fields"]["email"], str) and isinstance(r.json()["code"], int)
    r = patch({"email": "not-an-email"})
    assert r.status_code == 400 and "email" in r.json()["fields"]
    r = patch({})
    assert r.status_code == 400 and r.json() == {"fields": {"email": "required field missing"}, "code": 2}
    new = new_email()
    r = patch({"email": new})
    assert r.status_code == 200
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
    assert r.json()["email"] == new


def test_change_meta(portal):
    _, _, developer, cookie = portal.new_developer(full_name="Ada")
    patch = lambda data: portal.session.patch(
        portal.url("/api/v1/developer/meta"), data=data, headers=portal.as_developer(cookie), timeout=15)
    r = patch({"meta": '{"full_name":"Bob"}'})
    assert r.status_code == 200
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
    assert json.loads(r.json()["meta"]) == {"full_name": "Bob"}
    r = patch({"meta": "{not json"})
    assert r.status_code == 400 and "meta" in r.json()["fields"]
    r = patch({"meta": '{"shoe_size":"44"}'})
    assert r.status_code == 400 and r.json()["fields"]["meta"] == {"shoe_size": "unknown field"}
    r = patch({"meta": '{"full_name":""}'})
    assert r.status_code == 400 and r.json()["fields"]["meta"] == {"full_name": "required field missing"}
    r = patch({})
    assert r.status_code == 400 and r.json() == {"fields": {"meta": "required field missing"}, "code": 2}


def test_delete_developer_ends_everything(portal):
    email, password, developer, cookie = portal.new_developer()
    r = portal.session.delete(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
    assert r.status_code == 204
    r = portal.session.get(portal.url("/api/v1/developer"), headers=portal.as_developer(cookie), timeout=15)
    assert_message(r, 401)
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, password), timeout=15)
    assert_message(r, 401)
    # The address is free again.
    assert portal.register(email).status_code == 200
    r = portal.session.delete(portal.url("/api/v1/developer"), timeout=15)
    assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}


def test_developer_endpoints_need_a_session(portal):
    for method, path in (("PATCH", "/developer/password"), ("PATCH", "/developer/email"),
                         ("PATCH", "/developer/meta"), ("DELETE", "/developer")):
        r = portal.session.request(method, portal.url("/api/v1" + path), data={"x": "y"}, timeout=15)
        assert r.status_code == 401 and r.json() == {"message": "Unauthorized"}, (method, path)


def test_files_are_listed_with_checksums_and_paged(portal):
    import hashlib
    r = portal.session.get(portal.url("/api/v1/files"), timeout=15)
    assert r.status_code == 200
    body = r.json()
    assert len(body["data"]) >= 3
    for item in body["data"]:
        assert set(item) == {"checksum", "id", "path", "created_at", "contents"}
        assert item["checksum"] == hashlib.sha256(item["contents"].encode()).hexdigest()
        assert isinstance(item["created_at"], int)
    assert body["next"] is None and body["offset"] is None

    first = portal.session.get(portal.url("/api/v1/files?size=1"), timeout=15).json()
    assert len(first["data"]) == 1
    assert first["offset"] == first["data"][0]["id"]
    assert first["next"] == f"/files?size=1&offset={first['offset']}"
    second = portal.session.get(portal.url("/api/v1" + first["next"]), timeout=15).json()
    assert second["data"][0]["id"] == body["data"][1]["id"]

    r = portal.session.get(portal.url("/api/v1/files?size=0"), timeout=15)
    assert_message(r, 400)
    r = portal.session.get(portal.url("/api/v1/files?offset=nope"), timeout=15)
    assert_message(r, 400)
