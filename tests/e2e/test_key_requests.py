"""Key requests (seed 002, issue 7), end to end through nginx: /api/portal/requests (list, show, create,
update, delete) and /api/portal/requests/approve/{id}, authorized by project tokens (seed 003).

A key request is a developer's registration of an application to a product version: a registration
made in the developer API (seed 000) shows here as an unapproved request, and approving it here issues a
real credential by the version's auth strategy (key-auth, basic-auth or OAuth2 client credentials) that
the developer then sees in the developer API, and mails the developer.

Each test works in an org (portal) of its own, made with `portal-fcgi portals add`, with its own
product versions (`portal-fcgi catalog add-version --auth …`), developers and tokens, so lists are
exact and tests do not depend on each other."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest

from conftest import HostDeveloper, Portal, add_portal, admin, assert_message, catalog_add_version

REQ = "/api/portal/requests"
API = "/api/v1"
KEY_AUTH = API + "/credentials/key-auth"

# --- the seed's key-request object --------------------------------------------------------------------
# One item of the seed's list sample, abridged to its shape: dicts are records whose members must all be
# there (and no others), except the MAPS below, whose keys are ids or field names.
_EMAIL_COPY = {"enabled": False, "subject": "", "body": "", "sign_off": "", "hide_token_data": False}
_CATALOGUE = {
    "name": "Portal OAuth API", "short_description": "", "long_description": "", "show": True, "api_id": "",
    "policy_id": "5ce4086ce845260001c1e1f5", "documentation": "", "version": "v2", "is_keyless": False,
    "config": {
        "id": "", "org_id": "", "signup_fields": [], "key_request_fields": [], "require_key_approval": False,
        "redirect_on_key_request": False, "redirect_to": "", "enable_multi_selection": False,
        "disable_login": False, "disable_signup": False, "disable_auto_login": False,
        "catalogue_login_only": False, "oauth_usage_limit": -1, "email": "",
        "mail_options": {"mail_from_name": "", "mail_from_email": "",
                         "email_copy": {"welcome_email": _EMAIL_COPY, "key_email": _EMAIL_COPY,
                                        "reset_password_email": _EMAIL_COPY}},
        "override": False, "HashKeys": False,
    },
    "fields": {}, "auth_type": "oauth",
}
SEED_KEY_REQUEST = {
    "id": "5cf61bff0313b300010b89ac", "org_id": "5cc03283d07e7f00019404b3", "for_api": "",
    "for_plan": "5ce4086ce845260001c1e1f5", "apply_policies": ["5ce4086ce845260001c1e1f5"],
    "by_user": "5ce4090ee845260001c1e1f6",
    "fields": {"oauth_app_description": "Application details", "oauth_use_case": ""},
    "approved": True, "date_created": "2019-06-04T07:21:35.97Z", "version": "v2", "jwt_secret": "",
    "certificate": "", "oauth_info": {"redirect_uri": "http://localhost"},
    "portal_developer": {
        "id": "5ce4090ee845260001c1e1f6", "email": "dev@example.com", "date_created": "2019-05-21T14:19:57.99Z",
        "inactive": False, "org_id": "5cc03283d07e7f00019404b3",
        "keys": {"55b1ba47": ["5ce4086ce845260001c1e1f5"]},
        "subscriptions": {"5ce4086ce845260001c1e1f5": "55b1ba47"},
        "fields": {}, "nonce": "", "sso_key": "",
        "oauth_clients": {"5ce4086ce845260001c1e1f5": [{
            "client_id": "00a3d6916da6448381ea6c254937eda9", "secret": "ZGU4OWRlZjUtMzA0NS00Njk0LTljYTYtNDJmODY0ZWI1NWUz",
            "redirect_uri": "http://localhost", "app_description": "Application details", "use_case": "",
            "date_created": "2019-06-04T07:21:35.97Z"}]},
        "password_max_days": 0, "password_updated": "2019-10-23T10:01:56.25Z", "PWHistory": [],
        "last_login_date": "2019-10-23T10:02:14.117Z",
    },
    "catalogue_entry": _CATALOGUE,
    "catalogues": [_CATALOGUE],
}
# Members whose value is a map (id or field name -> value), with the shape of one value.
MAPS = {
    ".fields": "",
    ".portal_developer.keys": ["policy"],
    ".portal_developer.subscriptions": "key",
    ".portal_developer.fields": None,  # the developer's own meta: any JSON
    ".portal_developer.oauth_clients": SEED_KEY_REQUEST["portal_developer"]["oauth_clients"]["5ce4086ce845260001c1e1f5"],
    ".catalogue_entry.fields": None,
    ".catalogues[].fields": None,
}
DATE_MEMBERS = {".date_created", ".portal_developer.date_created", ".portal_developer.password_updated",
                ".portal_developer.last_login_date", ".portal_developer.oauth_clients{}[].date_created"}
RFC3339_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def _same_type(actual, sample) -> bool:
    if isinstance(sample, bool):
        return isinstance(actual, bool)
    if isinstance(sample, int):
        return isinstance(actual, int) and not isinstance(actual, bool)
    return isinstance(actual, type(sample))


def assert_shape(actual, sample, path: str = ""):
    """`actual` has the members of `sample` (no more, no fewer) with the same JSON types, recursively."""
    if path in MAPS:
        value_shape = MAPS[path]
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        if value_shape is not None:
            for key, value in actual.items():
                assert isinstance(key, str), f"{path}: key {key!r}"
                assert_shape(value, value_shape, f"{path}{{}}")
        return
    if isinstance(sample, dict):
        assert isinstance(actual, dict), f"{path}: expected an object, got {actual!r}"
        assert set(actual) == set(sample), (
            f"{path or 'object'}: missing {sorted(set(sample) - set(actual))}, extra {sorted(set(actual) - set(sample))}")
        for key, value in sample.items():
            assert_shape(actual[key], value, f"{path}.{key}")
        return
    if isinstance(sample, list):
        assert isinstance(actual, list), f"{path}: expected an array, got {actual!r}"
        if sample:
            for item in actual:
                assert_shape(item, sample[0], f"{path}[]")
        return
    assert _same_type(actual, sample), f"{path}: expected {type(sample).__name__}, got {actual!r}"
    if path in DATE_MEMBERS:
        assert RFC3339_RE.fullmatch(actual), f"{path}: not an RFC 3339 date-time: {actual!r}"


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def assert_recent(text: str, slack: float = 600):
    delta = abs(parse_time(text).timestamp() - time.time())
    assert delta < slack, f"{text} is {delta:.0f} s away from now"


# --- the org, its tokens and developers ----------------------------------------------------------------

@dataclass
class Org:
    """A portal of its own: id, the domain it is served on, and project tokens by role."""
    id: str
    domain: str
    tokens: dict

    @property
    def host(self) -> dict:
        return {"Host": self.domain}


def new_org(portal: Portal, root_token: str, auto_approve: bool = True) -> Org:
    domain = f"kr-{uuid.uuid4().hex[:12]}.localhost"
    pid = add_portal(portal, domain, name="Key Requests", auto_approve=auto_approve)
    tokens = {}
    for role in ("viewer", "editor", "admin"):
        r = admin(portal, "POST", f"/api/projects/{pid}/tokens", root_token,
                  json={"name": f"kr-{role}-{uuid.uuid4().hex[:6]}", "role": role})
        assert r.status_code == 200, f"token for {pid}: {r.status_code} {r.text[:300]!r}"
        tokens[role] = r.json()["token"]
    return Org(pid, domain, tokens)


@pytest.fixture
def org(portal, root_token) -> Org:
    return new_org(portal, root_token)


@pytest.fixture
def other_org(portal, root_token) -> Org:
    return new_org(portal, root_token)


class Dev(HostDeveloper):
    """A developer of `org`, registered (and logged in, if the portal lets them) through the developer API."""

    def __init__(self, portal: Portal, org: Org, login: bool = True, full_name: str = "Key Requester"):
        super().__init__(portal, org.host, login=login, full_name=full_name)
        self.org = org

    def applications(self) -> list:
        r = self.req("GET", "/applications?size=1000")
        assert r.status_code == 200, r.text
        return r.json()["data"]

    def keys(self) -> list[str]:
        """The keys of GET /api/v1/credentials/key-auth."""
        r = self.req("GET", "/credentials/key-auth?size=1000")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["data"]), body
        return [item["key"] for item in body["data"]]

    def key_items(self) -> list[dict]:
        r = self.req("GET", "/credentials/key-auth?size=1000")
        assert r.status_code == 200, r.text
        return r.json()["data"]

    def app_credentials(self, app_id: str) -> list[dict]:
        r = self.req("GET", f"/applications/{app_id}/credentials?size=1000")
        assert r.status_code == 200, r.text
        return r.json()["data"]


def version(portal: Portal, org: Org, auth: str | None = "key-auth", product: str | None = None, **kw) -> str:
    """A version of `org` that takes registrations and needs approval (unless auto_approve)."""
    return catalog_add_version(portal, product=product or f"KR Product {uuid.uuid4().hex[:8]}", auth=auth,
                               domain=org.domain, **kw)


# --- requests to the key-request API ------------------------------------------------------------------

def kr(portal: Portal, method: str, path: str, token: str | None, **kw):
    """One request to /api/portal/requests{path} (Authorization: Bearer by default)."""
    return admin(portal, method, REQ + path, token, **kw)


def assert_no_store(r):
    assert r.headers.get("Cache-Control") == "no-store", (r.request.method, r.url, dict(r.headers))


def assert_json(r, status: int):
    assert r.status_code == status, (
        f"{r.request.method} {r.url}: expected {status}, got {r.status_code}: {r.text[:500]!r}")
    ctype = r.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"Content-Type {ctype!r}, body {r.text[:300]!r}"
    assert_no_store(r)
    return r.json()


def assert_error(r, status: int) -> str:
    """The seed's envelope with Status "Error": exactly Status, Message (non-empty), Meta null."""
    body = assert_json(r, status)
    assert isinstance(body, dict) and set(body) == {"Status", "Message", "Meta"}, body
    assert body["Status"] == "Error" and body["Meta"] is None, body
    assert isinstance(body["Message"], str) and body["Message"].strip(), body
    return body["Message"]


def assert_ok(r, message: str | None = None) -> str:
    """`{"Status": "OK", "Message": <id or text>, "Meta": null}` with 200."""
    body = assert_json(r, 200)
    assert isinstance(body, dict) and set(body) == {"Status", "Message", "Meta"}, body
    assert body["Status"] == "OK" and body["Meta"] is None, body
    assert isinstance(body["Message"], str) and body["Message"], body
    if message is not None:
        assert body["Message"] == message, body
    return body["Message"]


def get_request(portal: Portal, org: Org, rid: str, token: str | None = None) -> dict:
    obj = assert_json(kr(portal, "GET", f"/{rid}", token or org.tokens["viewer"]), 200)
    assert_shape(obj, SEED_KEY_REQUEST)
    return obj


def list_requests(portal: Portal, org: Org, token: str | None = None, **params) -> dict:
    body = assert_json(kr(portal, "GET", "", token or org.tokens["viewer"], params=params or None), 200)
    assert isinstance(body, dict) and set(body) == {"Data", "Pages"}, body
    assert isinstance(body["Data"], list), body
    assert isinstance(body["Pages"], int) and not isinstance(body["Pages"], bool), body
    for item in body["Data"]:
        assert_shape(item, SEED_KEY_REQUEST)
    return body


def all_ids(portal: Portal, org: Org, **params) -> list[str]:
    return [item["id"] for item in list_requests(portal, org, p="-1", **params)["Data"]]


def create_request(portal: Portal, org: Org, body: dict, token: str | None = None) -> str:
    return assert_ok(kr(portal, "POST", "", token or org.tokens["editor"], json=body))


def approve(portal: Portal, org: Org, rid: str, token: str | None = None, auth_style: str = "bearer"):
    return kr(portal, "PUT", f"/approve/{rid}", token or org.tokens["editor"], auth_style=auth_style)


def pending_request(portal: Portal, org: Org, auth: str = "key-auth", dev: Dev | None = None,
                    redirect_uri: str = "https://app.example/callback"):
    """A developer's own registration in the developer API to a version needing approval:
    (dev, app, version id, request id)."""
    dev = dev or Dev(portal, org)
    vid = version(portal, org, auth=auth)
    app = dev.create_app(redirect_uri=redirect_uri)
    inst = dev.register_app(app["id"], vid)
    assert inst["status"] == 1, inst
    return dev, app, vid, inst["id"]


# --- the database (read-only checks; closing a version until the management API can) ------------------

def db_rows(portal: Portal, sql: str, args: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(f"file:{portal.database_path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def db_write(portal: Portal, sql: str, args: tuple = ()):
    """One write, as an operator's `sqlite3` would do it (the management API does not exist yet)."""
    conn = sqlite3.connect(str(portal.database_path), timeout=10)
    try:
        with conn:
            conn.execute(sql, args)
    finally:
        conn.close()


def issued_for(portal: Portal, rid: str) -> dict:
    """Credentials stored for the request: key-auth keys, basic-auth users and the OAuth2 clients of its
    application made since the request (by table)."""
    keys = db_rows(portal, "SELECT key FROM key_auth_credentials WHERE registration_id = ?", (rid,))
    basic = db_rows(portal, "SELECT username FROM basic_auth_credentials WHERE registration_id = ?", (rid,))
    clients = db_rows(portal, """
        SELECT c.client_id FROM application_credentials c
        JOIN application_registrations r ON r.application_id = c.application_id WHERE r.id = ?""", (rid,))
    return {"key": [r[0] for r in keys], "basic": [r[0] for r in basic], "oauth2": [r[0] for r in clients]}


def approval_mails(portal: Portal, email: str) -> list:
    return [m for m in portal.mails(email) if "approved" in m.get("Subject", "").lower()]


def wait_for_approval_mail(portal: Portal, email: str, timeout: float = 15):
    deadline = time.monotonic() + timeout
    while True:
        found = approval_mails(portal, email)
        if found or time.monotonic() > deadline:
            assert found, f"no approval mail to {email}; got {[m.get('Subject') for m in portal.mails(email)]}"
            return found[0]
        time.sleep(0.1)


def mail_text(message) -> str:
    if message.is_multipart():
        return "\n".join(part.get_payload(decode=True).decode("utf-8", "replace")
                         for part in message.walk() if part.get_content_maintype() == "text")
    return message.get_payload(decode=True).decode("utf-8", "replace")


# === the object, and a developer's registration as a key request =======================================

def test_a_developers_registration_is_an_unapproved_key_request_with_the_seeds_object(portal, org):
    dev, app, vid, rid = pending_request(portal, org)

    assert all_ids(portal, org, approved="false") == [rid]
    assert all_ids(portal, org, approved="true") == []
    listed = list_requests(portal, org)
    assert listed["Pages"] == 1 and [i["id"] for i in listed["Data"]] == [rid]

    obj = get_request(portal, org, rid)
    assert listed["Data"][0] == obj
    assert obj["id"] == rid
    assert obj["org_id"] == org.id
    assert obj["for_api"] == ""
    assert obj["for_plan"] == vid and obj["apply_policies"] == [vid]
    assert obj["by_user"] == dev.id
    assert obj["fields"] == {}
    assert obj["approved"] is False
    assert_recent(obj["date_created"])
    assert obj["oauth_info"] == {"redirect_uri": app["redirect_uri"]}
    assert obj["jwt_secret"] == "" and obj["certificate"] == ""

    pd = obj["portal_developer"]
    assert pd["id"] == dev.id and pd["email"] == dev.email and pd["org_id"] == org.id
    assert pd["inactive"] is False
    assert pd["keys"] == {} and pd["subscriptions"] == {} and pd["oauth_clients"] == {}
    assert pd["fields"] == {"full_name": "Key Requester"}
    assert_recent(pd["date_created"])
    # Never a password hash or history.
    assert pd["PWHistory"] == [] and pd["nonce"] == "" and pd["sso_key"] == ""
    assert "argon2" not in json.dumps(obj)

    entry = obj["catalogue_entry"]
    assert entry["policy_id"] == vid and entry["auth_type"] == "authToken"
    assert entry["name"].startswith("KR Product ") and entry["show"] is True and entry["is_keyless"] is False
    assert entry["config"]["require_key_approval"] is True
    assert obj["catalogues"] == [entry]


@pytest.mark.parametrize("auth,auth_type", [("key-auth", "authToken"), ("basic-auth", "basic"), ("oauth2", "oauth"),
                                            (None, "authToken")],
                         ids=["key-auth", "basic-auth", "oauth2", "default"])
def test_auth_type_follows_the_versions_auth_strategy(portal, org, auth, auth_type):
    _, _, vid, rid = pending_request(portal, org, auth=auth)
    entry = get_request(portal, org, rid)["catalogue_entry"]
    assert (entry["auth_type"], entry["policy_id"]) == (auth_type, vid)


def test_an_auto_approved_registration_lists_as_approved(portal, org):
    dev = Dev(portal, org)
    vid = version(portal, org, auto_approve=True)
    app = dev.create_app()
    inst = dev.register_app(app["id"], vid)
    assert inst["status"] == 0, inst
    obj = get_request(portal, org, inst["id"])
    assert obj["approved"] is True and obj["catalogue_entry"]["config"]["require_key_approval"] is False
    assert all_ids(portal, org, approved="true") == [inst["id"]]


# === approve: the credential, everywhere it belongs =====================================================

@pytest.mark.parametrize("auth_style", ["bare", "bearer"])
def test_approving_a_key_auth_request_issues_a_key_the_developer_then_lists(portal, org, auth_style):
    dev, app, vid, rid = pending_request(portal, org)
    bystander = Dev(portal, org)
    bystander_keys = bystander.keys()
    assert dev.keys() == []

    r = approve(portal, org, rid, auth_style=auth_style)
    reply = assert_json(r, 200)
    assert set(reply) == {"RawKey", "Password"}, reply
    key = reply["RawKey"]
    assert isinstance(key, str) and len(key) >= 20 and reply["Password"] == "", reply

    # The developer API: the key is the developer's, and theirs alone; the registration is approved.
    assert dev.keys() == [key]
    assert bystander.keys() == bystander_keys and key not in bystander_keys
    r = dev.instance(app["id"], rid)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == 0

    # The key request: approved, and the developer's key (by credential id) subscribed to the plan.
    obj = get_request(portal, org, rid)
    assert obj["approved"] is True
    credential_id = dev.key_items()[0]["id"]
    assert obj["portal_developer"]["keys"] == {credential_id: [vid]}
    assert obj["portal_developer"]["subscriptions"] == {vid: credential_id}
    assert key not in json.dumps(obj), "the key request shows the raw key"
    assert all_ids(portal, org, approved="true") == [rid]
    assert all_ids(portal, org, approved="false") == []
    assert issued_for(portal, rid) == {"key": [key], "basic": [], "oauth2": []}

    # The developer is told, and nobody else.
    mail = wait_for_approval_mail(portal, dev.email)
    assert obj["catalogue_entry"]["name"] in mail["Subject"] + mail_text(mail)
    assert approval_mails(portal, bystander.email) == []


def test_portal_developer_dates_are_the_developers_own(portal, org):
    """`last_login_date` is the developer's last login and `password_updated` the last password change
    (the sign-up before any): real values, not the row's update time."""
    before = datetime.now(timezone.utc)
    dev, _, _, rid = pending_request(portal, org)  # signs up, logs in, registers
    developer = get_request(portal, org, rid)["portal_developer"]
    assert abs((parse_time(developer["last_login_date"]) - before).total_seconds()) < 5
    assert developer["password_updated"] == developer["date_created"]
    time.sleep(1.1)
    r = dev.req("PATCH", "/developer/password", {"old_password": dev.password, "password": "another horse battery"})
    assert r.status_code == 204, r.text
    changed = get_request(portal, org, rid)["portal_developer"]
    assert parse_time(changed["password_updated"]) > parse_time(developer["last_login_date"])
    assert changed["date_created"] == developer["date_created"]


def test_the_issued_key_authenticates_nothing_else(portal, org, project_ids, root_token):
    dev, app, vid, rid = pending_request(portal, org)
    key = assert_json(approve(portal, org, rid), 200)["RawKey"]
    assert dev.keys() == [key]

    # Not an admin credential: every form of it is refused by the key-request and token APIs.
    for style in ("bearer", "bare", "query"):
        assert_error(kr(portal, "GET", "", key, auth_style=style), 401)
        assert_error(kr(portal, "GET", f"/{rid}", key, auth_style=style), 401)
        assert_error(kr(portal, "PUT", f"/approve/{rid}", key, auth_style=style), 401)
        r = admin(portal, "GET", f"/api/projects/{org.id}/tokens", key, auth_style=style)
        assert r.status_code == 401, r.text
    # Not a developer session, on either portal.
    for headers in (org.host, {}):
        for path in ("/developer", "/credentials/key-auth", "/applications"):
            r = portal.session.get(portal.url(API + path), timeout=15,
                                   headers={**headers, "Cookie": f"portal_session={key}"})
            assert_message(r, 401)
            r = portal.session.get(portal.url(API + path), timeout=15,
                                   headers={**headers, "Authorization": f"Bearer {key}"})
            assert_message(r, 401)
    # Not the developer's password either.
    r = portal.session.get(portal.url(API + "/auth"), auth=(dev.email, key), headers=org.host, timeout=15)
    assert_message(r, 401)
    # Nothing was changed by those attempts.
    assert get_request(portal, org, rid)["approved"] is True
    assert dev.keys() == [key]


def test_approving_twice_is_409_and_issues_no_second_key(portal, org):
    dev, _, _, rid = pending_request(portal, org)
    key = assert_json(approve(portal, org, rid), 200)["RawKey"]
    for token in (org.tokens["editor"], org.tokens["admin"]):
        assert_error(approve(portal, org, rid, token=token), 409)
    assert dev.keys() == [key]
    assert issued_for(portal, rid)["key"] == [key]
    assert get_request(portal, org, rid)["approved"] is True
    wait_for_approval_mail(portal, dev.email)
    time.sleep(1)
    assert len(approval_mails(portal, dev.email)) == 1


def test_concurrent_approvals_issue_exactly_one_credential(portal, org):
    dev, _, _, rid = pending_request(portal, org)
    results: list = [None] * 8
    barrier = threading.Barrier(len(results))

    def run(i):
        session = portal.new_session()
        barrier.wait()
        r = session.put(portal.url(f"{REQ}/approve/{rid}"), headers={"Authorization": org.tokens["editor"]}, timeout=30)
        results[i] = (r.status_code, r.text)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    codes = sorted(code for code, _ in results)
    assert codes == [200] + [409] * (len(results) - 1), results
    key = next(json.loads(text)["RawKey"] for code, text in results if code == 200)
    assert dev.keys() == [key]
    assert issued_for(portal, rid)["key"] == [key]


def test_approving_a_basic_auth_request_returns_a_username_and_password_stored_as_a_hash(portal, org):
    dev, app, vid, rid = pending_request(portal, org, auth="basic-auth")
    reply = assert_json(approve(portal, org, rid), 200)
    assert set(reply) == {"RawKey", "Password"}, reply
    username, password = reply["RawKey"], reply["Password"]
    assert isinstance(username, str) and username and isinstance(password, str) and len(password) >= 16, reply
    assert username != password

    obj = get_request(portal, org, rid)
    assert obj["approved"] is True and obj["catalogue_entry"]["auth_type"] == "basic"
    assert dev.instance(app["id"], rid).json()["status"] == 0
    # Not an API key of the developer's.
    assert dev.keys() == []
    assert issued_for(portal, rid) == {"key": [], "basic": [username], "oauth2": []}
    # Only the password's SHA-256 is kept.
    rows = db_rows(portal, "SELECT developer_id, password_hash FROM basic_auth_credentials WHERE username = ?",
                   (username,))
    assert rows == [(dev.id, hashlib.sha256(password.encode()).hexdigest())], rows
    # The password authenticates nothing here either.
    assert_error(kr(portal, "GET", "", password, auth_style="bare"), 401)
    mail = wait_for_approval_mail(portal, dev.email)
    assert username in mail_text(mail)
    # Once the mail is sent, no table holds the password (the outbox keeps no sent body).
    deadline = time.monotonic() + 10
    while db_rows(portal, "SELECT 1 FROM outbox WHERE recipient = ? AND sent_at IS NULL", (dev.email,)):
        assert time.monotonic() < deadline, "the approval mail is still unsent in the outbox"
        time.sleep(0.1)
    for table, in db_rows(portal, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in db_rows(portal, f'SELECT * FROM "{table}"'):
            assert not any(password in str(cell) for cell in row), f"table {table} holds the password: {row!r}"
    # A second approval issues no second user.
    assert_error(approve(portal, org, rid), 409)
    assert issued_for(portal, rid)["basic"] == [username]


def test_approving_an_oauth2_request_returns_client_credentials_listed_with_the_application(portal, org):
    dev, app, vid, rid = pending_request(portal, org, auth="oauth2", redirect_uri="https://oauth.example/cb")
    reply = assert_json(approve(portal, org, rid), 200)
    assert set(reply) == {"client_id", "secret", "policy_id", "redirect_uri"}, reply
    assert reply["policy_id"] == vid
    assert reply["redirect_uri"] == "https://oauth.example/cb"
    assert isinstance(reply["client_id"], str) and reply["client_id"]
    assert isinstance(reply["secret"], str) and len(reply["secret"]) >= 20

    # Listed with the application, the secret hashed (Kong's hash_secret): it was shown once, in the reply.
    credentials = dev.app_credentials(app["id"])
    assert [(c["client_id"], c["hash_secret"]) for c in credentials] == [(reply["client_id"], True)]
    assert credentials[0]["client_secret"] == hashlib.sha256(reply["secret"].encode()).hexdigest()
    assert credentials[0]["redirect_uris"] == ["https://oauth.example/cb"]
    for table, in db_rows(portal, "SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in db_rows(portal, f'SELECT * FROM "{table}"'):
            assert not any(reply["secret"] in str(cell) for cell in row), f"table {table} holds the client secret: {row!r}"
    assert dev.keys() == []
    assert dev.instance(app["id"], rid).json()["status"] == 0

    obj = get_request(portal, org, rid)
    assert obj["approved"] is True and obj["catalogue_entry"]["auth_type"] == "oauth"
    clients = obj["portal_developer"]["oauth_clients"]
    assert list(clients) == [vid], clients
    assert [c["client_id"] for c in clients[vid]] == [reply["client_id"]]
    assert clients[vid][0]["redirect_uri"] == "https://oauth.example/cb"
    assert reply["secret"] not in json.dumps(obj), "the key request shows the client secret"
    wait_for_approval_mail(portal, dev.email)
    assert_error(approve(portal, org, rid), 409)
    assert len(dev.app_credentials(app["id"])) == 1


# === approve: refusals leave nothing behind =============================================================

@pytest.mark.parametrize("closing", ["registration-disabled", "unpublished"])
def test_approving_when_the_version_no_longer_takes_registrations_is_409_and_issues_nothing(portal, org, closing):
    dev, app, vid, rid = pending_request(portal, org)
    column, value = (("application_registration_enabled", 0) if closing == "registration-disabled"
                     else ("publish_status", "unpublished"))
    db_write(portal, f"UPDATE product_versions SET {column} = ? WHERE id = ?", (value, vid))

    assert_error(approve(portal, org, rid), 409)
    obj = get_request(portal, org, rid)
    assert obj["approved"] is False
    assert dev.keys() == []
    assert dev.instance(app["id"], rid).json()["status"] == 1
    assert issued_for(portal, rid) == {"key": [], "basic": [], "oauth2": []}

    # Nothing half-written: once the version is open again the same request approves normally.
    db_write(portal, "UPDATE product_versions SET application_registration_enabled = 1, publish_status = 'published' "
                     "WHERE id = ?", (vid,))
    key = assert_json(approve(portal, org, rid), 200)["RawKey"]
    assert dev.keys() == [key]
    wait_for_approval_mail(portal, dev.email)
    assert len(approval_mails(portal, dev.email)) == 1


def test_approving_for_a_developer_whose_account_is_not_active_is_409_and_issues_nothing(portal, root_token):
    org = new_org(portal, root_token, auto_approve=False)
    dev = Dev(portal, org, login=False)
    assert dev.developer["status"] == 1  # pending: the portal approves developers by hand
    vid = version(portal, org)
    rid = create_request(portal, org, {"by_user": dev.id, "for_plan": vid})

    obj = get_request(portal, org, rid)
    assert obj["approved"] is False and obj["portal_developer"]["inactive"] is True
    assert_error(approve(portal, org, rid), 409)
    assert get_request(portal, org, rid)["approved"] is False
    assert issued_for(portal, rid) == {"key": [], "basic": [], "oauth2": []}
    time.sleep(1)
    assert approval_mails(portal, dev.email) == []

    # Once the developer is approved, the same request approves and issues one key.
    db_write(portal, "UPDATE developers SET status = 'approved' WHERE id = ?", (dev.id,))
    key = assert_json(approve(portal, org, rid), 200)["RawKey"]
    assert issued_for(portal, rid)["key"] == [key]
    wait_for_approval_mail(portal, dev.email)


def test_a_request_whose_developer_was_deleted_is_gone(portal, org):
    dev, _, _, rid = pending_request(portal, org)
    r = dev.req("DELETE", "/developer")
    assert r.status_code == 204, r.text
    assert_error(approve(portal, org, rid), 404)
    assert_error(kr(portal, "GET", f"/{rid}", org.tokens["viewer"]), 404)
    assert all_ids(portal, org) == []
    assert issued_for(portal, rid) == {"key": [], "basic": [], "oauth2": []}


def test_approving_an_unknown_or_another_orgs_request_is_404(portal, org, other_org):
    _, _, _, theirs = pending_request(portal, other_org)
    for rid in (theirs, str(uuid.uuid4()), "garbage"):
        assert_error(approve(portal, org, rid), 404)
    assert get_request(portal, other_org, theirs)["approved"] is False
    assert issued_for(portal, theirs)["key"] == []


# === create ==============================================================================================

def test_create_for_an_existing_application_answers_its_id_and_shows_in_the_developer_api(portal, org):
    dev = Dev(portal, org)
    vid = version(portal, org)
    app = dev.create_app()
    fields = {"oauth_app_description": "Billing integration", "oauth_use_case": "invoices", "note": "héllo ✓"}
    rid = create_request(portal, org, {"by_user": dev.id, "for_plan": vid, "fields": fields,
                                       "application_id": app["id"]})

    obj = get_request(portal, org, rid)
    assert (obj["id"], obj["by_user"], obj["for_plan"], obj["apply_policies"]) == (rid, dev.id, vid, [vid])
    assert obj["fields"] == fields
    assert obj["approved"] is False and obj["org_id"] == org.id
    assert obj["oauth_info"] == {"redirect_uri": app["redirect_uri"]}
    assert_recent(obj["date_created"])

    r = dev.instance(app["id"], rid)
    assert r.status_code == 200, r.text
    assert (r.json()["status"], r.json()["service"], r.json()["application"]) == (1, {"id": vid}, {"id": app["id"]})
    assert [a["id"] for a in dev.applications()] == [app["id"]]

    # The same application cannot request the same plan twice.
    assert_error(kr(portal, "POST", "", org.tokens["editor"], json={
        "by_user": dev.id, "for_plan": vid, "application_id": app["id"]}), 409)
    assert all_ids(portal, org) == [rid]


def test_fields_round_trip_exactly_whatever_the_characters(portal, org):
    dev = Dev(portal, org)
    vid = version(portal, org)
    fields = {
        "quote \" and backslash \\": "value with \"quotes\" and \\ and /",
        "controls": "tab\tnewline\ncr\r\u0001\u001f",
        "unicode": "é ✓ 😀 \u2028 \u2029 \ufeff",
        "": "empty key",
        "html": "<script>alert(1)</script>&amp;",
        "long": "x" * 4096,
    }
    rid = create_request(portal, org, {"by_user": dev.id, "for_plan": vid, "fields": fields})
    assert get_request(portal, org, rid)["fields"] == fields
    many = {f"f{i:02}": str(i) for i in range(50)}
    assert_ok(kr(portal, "PUT", f"/{rid}", org.tokens["editor"], json={"fields": many}), rid)
    assert get_request(portal, org, rid)["fields"] == many


def test_create_without_an_application_makes_one_for_the_developer(portal, org):
    dev = Dev(portal, org)
    vid = version(portal, org)
    rid = create_request(portal, org, {"by_user": dev.id, "for_plan": vid,
                                       "fields": {"oauth_app_description": "Made by the admin"}})
    apps = dev.applications()
    assert len(apps) == 1, apps
    r = dev.instance(apps[0]["id"], rid)
    assert r.status_code == 200 and r.json()["status"] == 1, r.text
    # Approving it gives the developer a key like any other request.
    key = assert_json(approve(portal, org, rid), 200)["RawKey"]
    assert dev.keys() == [key]
    assert dev.instance(apps[0]["id"], rid).json()["status"] == 0


def test_create_accepts_the_seeds_sample_body(portal, org, other_org):
    """The seed's sample request (a whole key-request object) with real ids: the plan may come as
    apply_policies alone, and members the server sets (org_id, approved, date_created, …) are not taken
    from the body."""
    dev = Dev(portal, org)
    vid = version(portal, org)
    body = json.loads(json.dumps(SEED_KEY_REQUEST))
    body.update({"key": "", "remove_policies": [], "org_id": other_org.id, "by_user": dev.id,
                 "apply_policies": [vid], "fields": {}, "approved": False, "date_created": "2020-07-02T12:47:35.953Z"})
    del body["for_plan"], body["id"]
    body["portal_developer"]["id"] = dev.id
    rid = create_request(portal, org, body)
    obj = get_request(portal, org, rid)
    assert (obj["org_id"], obj["for_plan"], obj["by_user"], obj["approved"]) == (org.id, vid, dev.id, False)
    assert obj["date_created"] != "2020-07-02T12:47:35.953Z"
    assert_recent(obj["date_created"])
    assert all_ids(portal, other_org) == []


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[]", b'"by_user"', b"42", b"null", b"\xff\xfe"],
                         ids=["malformed", "empty", "array", "string", "number", "null", "not-utf8"])
def test_create_with_a_body_that_is_not_a_json_object_is_400(portal, org, raw):
    assert_error(kr(portal, "POST", "", org.tokens["editor"], data=raw), 400)
    assert all_ids(portal, org) == []


def test_create_errors_are_4xx_and_write_nothing(portal, org, other_org):
    dev = Dev(portal, org)
    vid = version(portal, org)
    closed = version(portal, org, registration=False)
    theirs_dev = Dev(portal, other_org)
    theirs_vid = version(portal, other_org)
    stranger = Dev(portal, org)
    strangers_app = stranger.create_app()
    ok = {"by_user": dev.id, "for_plan": vid}
    cases = [
        (400, {"for_plan": vid}),                                  # no by_user
        (400, {"by_user": "", "for_plan": vid}),
        (400, {"by_user": dev.id}),                                # no for_plan
        (400, {"by_user": dev.id, "for_plan": ""}),
        (400, {"by_user": dev.id, "apply_policies": []}),
        (400, {"by_user": dev.id, "for_plan": 7}),
        (404, {"by_user": str(uuid.uuid4()), "for_plan": vid}),    # unknown developer
        (404, {"by_user": theirs_dev.id, "for_plan": vid}),        # another org's developer
        (400, {**ok, "for_plan": str(uuid.uuid4())}),              # unknown plan
        (400, {**ok, "for_plan": "garbage"}),
        (400, {**ok, "for_plan": closed}),                         # a version without registration
        (400, {**ok, "for_plan": theirs_vid}),                     # another org's version
        (404, {**ok, "application_id": strangers_app["id"]}),      # another developer's application
        (404, {**ok, "application_id": str(uuid.uuid4())}),
        (400, {**ok, "fields": "text"}),
        (400, {**ok, "fields": ["a"]}),
        (400, {**ok, "fields": {"n": 1}}),
        (400, {**ok, "fields": {"nested": {"a": "b"}}}),
        (400, {**ok, "fields": {f"f{i}": "x" for i in range(51)}}),
        (400, {**ok, "fields": {"long": "x" * 4097}}),
    ]
    for status, body in cases:
        r = kr(portal, "POST", "", org.tokens["editor"], json=body)
        assert r.status_code == status, f"{body}: expected {status}, got {r.status_code} {r.text[:300]!r}"
        assert_error(r, status)
    # Nothing was written: no request, no application for anyone.
    assert all_ids(portal, org) == [] and all_ids(portal, other_org) == []
    assert dev.applications() == [] and stranger.applications() == [strangers_app]
    # And the valid body works after all that.
    rid = create_request(portal, org, ok)
    assert all_ids(portal, org) == [rid]


# === list ================================================================================================

def test_list_is_paged_by_ten_newest_first_with_p_and_approved(portal, org):
    dev = Dev(portal, org)
    vids = [version(portal, org) for _ in range(12)]
    app = dev.create_app()
    ids = []
    for vid in vids:
        ids.append(dev.register_app(app["id"], vid)["id"])
        time.sleep(0.005)
    newest_first = ids[::-1]

    first = list_requests(portal, org)
    assert [i["id"] for i in first["Data"]] == newest_first[:10] and first["Pages"] == 2
    assert list_requests(portal, org, p="1") == first
    second = list_requests(portal, org, p="2")
    assert [i["id"] for i in second["Data"]] == newest_first[10:] and second["Pages"] == 2
    assert list_requests(portal, org, p="3")["Data"] == []
    everything = list_requests(portal, org, p="-1")
    assert [i["id"] for i in everything["Data"]] == newest_first and everything["Pages"] == 1

    # approved=true|false filter, and Pages counts the filtered list.
    approved = {ids[0], ids[5]}
    for rid in approved:
        assert_json(approve(portal, org, rid), 200)
    assert all_ids(portal, org, approved="true") == [rid for rid in newest_first if rid in approved]
    pending = list_requests(portal, org, approved="false")
    assert [i["id"] for i in pending["Data"]] == [rid for rid in newest_first if rid not in approved][:10]
    assert pending["Pages"] == 1
    assert list_requests(portal, org, approved="true", p="1")["Pages"] == 1
    assert all(i["approved"] is False for i in pending["Data"])


@pytest.mark.parametrize("p", ["9223372036854775807", "922337203685477581", "1000000000000000000"],
                         ids=["int64-max", "just-over-int64-max-over-10", "1e18"])
def test_huge_page_numbers_answer_an_empty_page_or_400_never_5xx(portal, org, p):
    """`p` is bounded only by Int64: a page that far out is empty (or a 400), and the worker lives on."""
    _, _, _, rid = pending_request(portal, org)
    for _ in range(3):  # reach both workers of the pool
        r = kr(portal, "GET", "", org.tokens["viewer"], params={"p": p})
        assert r.status_code in (200, 400), f"p={p}: {r.status_code} {r.text[:300]!r}"
        if r.status_code == 200:
            body = assert_json(r, 200)
            assert body["Data"] == [] and isinstance(body["Pages"], int), body
        else:
            assert_error(r, 400)
    assert all_ids(portal, org) == [rid]


def test_an_empty_org_lists_nothing(portal, org):
    for params in ({}, {"p": "-1"}, {"approved": "true"}, {"approved": "false", "p": "2"}):
        assert list_requests(portal, org, **params)["Data"] == []


@pytest.mark.parametrize("params", [{"p": "abc"}, {"p": "-2"}, {"p": "1.5"}, {"p": ""}, {"approved": "yes"},
                                    {"approved": "1"}, {"approved": ""}, {"approved": "TRUE"}],
                         ids=["p-word", "p-minus-2", "p-fraction", "p-empty", "approved-yes", "approved-1",
                              "approved-empty", "approved-upper"])
def test_bad_list_parameters_are_400(portal, org, params):
    assert_error(kr(portal, "GET", "", org.tokens["viewer"], params=params), 400)


# === update ==============================================================================================

def test_update_replaces_fields(portal, org):
    dev, app, vid, rid = pending_request(portal, org)
    editor = org.tokens["editor"]
    assert_ok(kr(portal, "PUT", f"/{rid}", editor, json={"fields": {"oauth_use_case": "reports"}}), rid)
    assert get_request(portal, org, rid)["fields"] == {"oauth_use_case": "reports"}
    assert_ok(kr(portal, "PUT", f"/{rid}", editor, json={"fields": {"a": "1", "b": "2"}}), rid)
    assert get_request(portal, org, rid)["fields"] == {"a": "1", "b": "2"}
    # Without fields they stay; the other members of the object are not taken from the body.
    before = get_request(portal, org, rid)
    whole = {**before, "by_user": str(uuid.uuid4()), "org_id": str(uuid.uuid4()), "for_plan": str(uuid.uuid4())}
    del whole["fields"]
    assert_ok(kr(portal, "PUT", f"/{rid}", editor, json=whole), rid)
    assert_ok(kr(portal, "PUT", f"/{rid}", editor, json={}), rid)
    assert get_request(portal, org, rid) == before
    assert_ok(kr(portal, "PUT", f"/{rid}", editor, json={"fields": {}}), rid)
    assert get_request(portal, org, rid)["fields"] == {}
    assert dev.instance(app["id"], rid).json()["status"] == 1


def test_update_cannot_approve_and_issues_nothing(portal, org):
    dev, app, _, rid = pending_request(portal, org)
    assert_error(kr(portal, "PUT", f"/{rid}", org.tokens["editor"], json={"approved": True, "fields": {"x": "y"}}), 400)
    obj = get_request(portal, org, rid)
    assert obj["approved"] is False and obj["fields"] == {}
    assert dev.keys() == [] and issued_for(portal, rid)["key"] == []
    # approved false on a pending request changes nothing.
    assert_ok(kr(portal, "PUT", f"/{rid}", org.tokens["editor"], json={"approved": False}), rid)
    assert get_request(portal, org, rid)["approved"] is False
    assert dev.instance(app["id"], rid).json()["status"] == 1


def test_update_with_approved_false_revokes_an_approved_request(portal, org):
    dev, app, _, rid = pending_request(portal, org)
    assert_json(approve(portal, org, rid), 200)
    # approved true on an approved request is no change.
    assert_ok(kr(portal, "PUT", f"/{rid}", org.tokens["editor"], json={"approved": True}), rid)
    assert get_request(portal, org, rid)["approved"] is True
    assert_ok(kr(portal, "PUT", f"/{rid}", org.tokens["editor"], json={"approved": False}), rid)
    assert get_request(portal, org, rid)["approved"] is False
    assert all_ids(portal, org, approved="true") == [] and all_ids(portal, org, approved="false") == [rid]
    assert dev.instance(app["id"], rid).json()["status"] == 3  # revoked, in the developer API


def test_update_errors(portal, org, other_org):
    _, _, _, rid = pending_request(portal, org)
    _, _, _, theirs = pending_request(portal, other_org)
    editor = org.tokens["editor"]
    for target in (str(uuid.uuid4()), theirs, "garbage"):
        assert_error(kr(portal, "PUT", f"/{target}", editor, json={"fields": {"a": "b"}}), 404)
    for raw in (b"{not json", b"[]", b'"x"', b"\xff"):
        assert_error(kr(portal, "PUT", f"/{rid}", editor, data=raw), 400)
    for body in ({"approved": "yes"}, {"approved": 1}, {"fields": "x"}, {"fields": {"n": 2}}):
        assert_error(kr(portal, "PUT", f"/{rid}", editor, json=body), 400)
    assert get_request(portal, org, rid)["fields"] == {}
    assert get_request(portal, other_org, theirs)["fields"] == {}


# === delete ==============================================================================================

def test_delete_removes_the_request_and_the_registration_not_the_application(portal, org):
    dev, app, vid, rid = pending_request(portal, org)
    r = kr(portal, "DELETE", f"/{rid}", org.tokens["admin"])
    body = assert_json(r, 200)
    assert body == {"Status": "OK", "Message": "Data deleted", "Meta": None}
    assert_error(kr(portal, "GET", f"/{rid}", org.tokens["viewer"]), 404)
    assert_error(kr(portal, "DELETE", f"/{rid}", org.tokens["admin"]), 404)
    assert_error(approve(portal, org, rid), 404)
    assert all_ids(portal, org) == []
    assert dev.instance(app["id"], rid).status_code == 404
    assert [a["id"] for a in dev.applications()] == [app["id"]]
    # The developer can ask again.
    again = dev.register_app(app["id"], vid)
    assert all_ids(portal, org, approved="false") == [again["id"]]


def test_delete_of_an_unknown_or_another_orgs_request_is_404(portal, org, other_org):
    _, _, _, theirs = pending_request(portal, other_org)
    for target in (theirs, str(uuid.uuid4())):
        assert_error(kr(portal, "DELETE", f"/{target}", org.tokens["admin"]), 404)
    assert all_ids(portal, other_org) == [theirs]


def test_a_developer_deleting_the_registration_removes_the_request(portal, org):
    dev, app, _, rid = pending_request(portal, org)
    assert dev.req("DELETE", f"/applications/{app['id']}/application_instances/{rid}").status_code == 204
    assert_error(kr(portal, "GET", f"/{rid}", org.tokens["viewer"]), 404)


# === tokens: 401, roles, orgs ============================================================================

def _every_endpoint(rid: str) -> list[tuple[str, str, dict | None]]:
    return [("GET", "", None), ("GET", f"/{rid}", None), ("POST", "", {"by_user": "x", "for_plan": "y"}),
            ("PUT", f"/{rid}", {"fields": {}}), ("DELETE", f"/{rid}", None), ("PUT", f"/approve/{rid}", None)]


def test_requests_without_a_valid_token_are_401(portal, org, root_token):
    dev, _, _, rid = pending_request(portal, org)
    revoked = admin(portal, "POST", f"/api/projects/{org.id}/tokens", root_token,
                    json={"name": "soon revoked", "role": "admin"}).json()
    assert admin(portal, "DELETE", f"/api/projects/{org.id}/tokens/{revoked['id']}", root_token).status_code == 200
    for method, path, body in _every_endpoint(rid):
        assert_error(kr(portal, method, path, None, json=body), 401)
        for bad in ("pt_" + "A" * 43, "not-a-token", revoked["token"], "x" * 600):
            assert_error(kr(portal, method, path, bad, json=body, auth_style="bare"), 401)
            assert_error(kr(portal, method, path, bad, json=body, auth_style="bearer"), 401)
        assert_error(kr(portal, method, path, None, json=body, headers={"Authorization": "Bearer"}), 401)
        assert_error(kr(portal, method, path, None, json=body, headers={"Authorization": "Basic dXNlcjpwYXNz"}), 401)
        # A developer's session is not an admin credential.
        assert_error(kr(portal, method, path, None, json=body,
                        headers={**org.host, "Cookie": f"portal_session={dev.cookie}"}), 401)
    assert get_request(portal, org, rid)["approved"] is False
    assert all_ids(portal, org) == [rid]


@pytest.mark.parametrize("auth_style", ["bare", "bearer"])
def test_both_authorization_forms_work(portal, org, auth_style):
    _, _, _, rid = pending_request(portal, org)
    assert get_request(portal, org, rid, token=None)["id"] == rid
    body = assert_json(kr(portal, "GET", "", org.tokens["viewer"], auth_style=auth_style), 200)
    assert [i["id"] for i in body["Data"]] == [rid]
    assert assert_json(kr(portal, "GET", f"/{rid}", org.tokens["viewer"], auth_style=auth_style), 200)["id"] == rid


def test_a_viewer_reads_but_cannot_write(portal, org):
    dev, _, vid, rid = pending_request(portal, org)
    viewer = org.tokens["viewer"]
    assert list_requests(portal, org, token=viewer)["Data"][0]["id"] == rid
    assert_error(kr(portal, "POST", "", viewer, json={"by_user": dev.id, "for_plan": version(portal, org)}), 403)
    assert_error(kr(portal, "PUT", f"/{rid}", viewer, json={"fields": {"a": "b"}}), 403)
    assert_error(approve(portal, org, rid, token=viewer), 403)
    assert_error(kr(portal, "DELETE", f"/{rid}", viewer), 403)
    obj = get_request(portal, org, rid)
    assert obj["approved"] is False and obj["fields"] == {}
    assert all_ids(portal, org) == [rid] and dev.keys() == [] and issued_for(portal, rid)["key"] == []


def test_an_editor_creates_updates_and_approves_but_cannot_delete(portal, org):
    dev = Dev(portal, org)
    editor = org.tokens["editor"]
    rid = create_request(portal, org, {"by_user": dev.id, "for_plan": version(portal, org)}, token=editor)
    assert_ok(kr(portal, "PUT", f"/{rid}", editor, json={"fields": {"a": "b"}}), rid)
    key = assert_json(approve(portal, org, rid, token=editor), 200)["RawKey"]
    assert_error(kr(portal, "DELETE", f"/{rid}", editor), 403)
    assert get_request(portal, org, rid)["approved"] is True
    assert dev.keys() == [key]
    # The admin may delete.
    assert_ok(kr(portal, "DELETE", f"/{rid}", org.tokens["admin"]), "Data deleted")


def test_a_project_token_acts_on_its_own_org_whatever_the_host(portal, org, other_org):
    _, _, _, mine = pending_request(portal, org)
    _, _, _, theirs = pending_request(portal, other_org)
    for host in ({}, org.host, other_org.host):
        token = org.tokens["admin"]
        body = assert_json(kr(portal, "GET", "", token, params={"p": "-1"}, headers=host), 200)
        assert [i["id"] for i in body["Data"]] == [mine]
        assert assert_json(kr(portal, "GET", f"/{mine}", token, headers=host), 200)["id"] == mine
        assert_error(kr(portal, "GET", f"/{theirs}", token, headers=host), 404)
        assert_error(kr(portal, "PUT", f"/{theirs}", token, json={"fields": {"a": "b"}}, headers=host), 404)
        assert_error(kr(portal, "PUT", f"/approve/{theirs}", token, headers=host), 404)
        assert_error(kr(portal, "DELETE", f"/{theirs}", token, headers=host), 404)
    obj = get_request(portal, other_org, theirs)
    assert obj["approved"] is False and obj["fields"] == {}


def test_a_root_token_acts_on_the_org_of_the_host(portal, org, other_org, root_token, project_ids):
    dev, _, vid, mine = pending_request(portal, org)
    _, _, _, theirs = pending_request(portal, other_org)
    body = assert_json(kr(portal, "GET", "", root_token, params={"p": "-1"}, headers=org.host), 200)
    assert [i["id"] for i in body["Data"]] == [mine]
    assert_error(kr(portal, "GET", f"/{theirs}", root_token, headers=org.host), 404)
    # On the default portal's host neither is seen.
    default_ids = [i["id"] for i in assert_json(kr(portal, "GET", "", root_token, params={"p": "-1"}), 200)["Data"]]
    assert mine not in default_ids and theirs not in default_ids
    assert_error(kr(portal, "GET", f"/{mine}", root_token), 404)
    assert_error(kr(portal, "PUT", f"/approve/{mine}", root_token), 404)
    # It writes on the host's org too.
    dev2 = Dev(portal, other_org)
    rid = assert_ok(kr(portal, "POST", "", root_token, headers=other_org.host,
                       json={"by_user": dev2.id, "for_plan": version(portal, other_org)}))
    assert get_request(portal, other_org, rid)["org_id"] == other_org.id
    key = assert_json(kr(portal, "PUT", f"/approve/{mine}", root_token, headers=org.host, auth_style="bare"), 200)["RawKey"]
    assert dev.keys() == [key]


# === odds and ends =======================================================================================

def test_unknown_paths_and_methods_answer_in_the_envelope_never_5xx(portal, org):
    _, _, _, rid = pending_request(portal, org)
    token = org.tokens["admin"]
    for method, path in [("PATCH", f"/{rid}"), ("POST", f"/{rid}"), ("DELETE", ""), ("GET", f"/approve/{rid}"),
                         ("POST", f"/approve/{rid}"), ("GET", f"/{rid}/extra"), ("PUT", "/approve")]:
        r = kr(portal, method, path, token)
        assert 400 <= r.status_code < 500, f"{method} {path}: {r.status_code} {r.text[:300]!r}"
        assert_error(r, r.status_code)
    assert get_request(portal, org, rid)["approved"] is False
