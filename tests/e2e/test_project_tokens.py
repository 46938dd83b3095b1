"""Project tokens (seed 003, issue 7), end to end through nginx: the token object, the secret that is
returned once and stored only as its SHA-256, the three ways to send it, roles and projects, deletion,
expiry, last use, the CLI, and the {message, code, status, info} errors.

A project is a portal; project ids come from `portal-fcgi portals list`. The session's root token is
made with `portal-fcgi tokens create --root` (conftest's `root_token`)."""

import base64
import hashlib
import re
import sqlite3
import time
import uuid

import pytest

from conftest import admin, cli_tokens, portal_cli

TOKEN_MEMBERS = ["id", "project_id", "role_id", "issuer", "name", "hash", "issue_date", "valid_date",
                 "last_used_date", "brokers", "type"]
SECRET_RE = re.compile(r"pt_[A-Za-z0-9_-]{43}")
HEX64_RE = re.compile(r"[0-9a-f]{64}")
ERROR_CODES = {400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND"}
Y2030 = 1893456000  # 2030-01-01T00:00:00Z
# Enough requests to reach both workers of the pool (2 processes, a new FastCGI connection each).
ROUNDS = 10


def tokens_path(project_id: str, token_id: str | None = None) -> str:
    path = f"/api/projects/{project_id}/tokens"
    return path if token_id is None else f"{path}/{token_id}"


def sha256_hex(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def unique(prefix: str = "tok") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def assert_no_store(resp):
    assert resp.headers.get("Cache-Control") == "no-store", (resp.request.method, resp.url, dict(resp.headers))


def assert_error(resp, status: int) -> dict:
    """A seed-003 error: the status, JSON with exactly message/code/status/info, no-store."""
    assert resp.status_code == status, (
        f"{resp.request.method} {resp.url}: expected {status}, got {resp.status_code}: {resp.text[:400]!r}")
    ctype = resp.headers.get("Content-Type", "")
    assert ctype.startswith("application/json"), f"Content-Type {ctype!r}, body {resp.text[:300]!r}"
    body = resp.json()
    assert isinstance(body, dict) and sorted(body) == ["code", "info", "message", "status"], body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    assert body["code"] == ERROR_CODES[status], body
    assert is_int(body["status"]) and body["status"] == status, body
    assert body["info"] is None or isinstance(body["info"], dict), body
    assert_no_store(resp)
    return body


def assert_field_error(resp, fields: set[str]) -> str:
    """A 400 whose info is {"fields": {<one of fields>: <reason>}}; returns the field named."""
    body = assert_error(resp, 400)
    info = body["info"]
    assert isinstance(info, dict) and list(info) == ["fields"], body
    named = info["fields"]
    assert isinstance(named, dict) and len(named) >= 1, body
    assert set(named) <= fields, f"expected a problem with {sorted(fields)}, got {body}"
    for reason in named.values():
        assert isinstance(reason, str) and reason.strip(), body
    return next(iter(named))


def assert_token_object(obj: dict, with_secret: bool):
    """Members in the seed's order with the types of the contract."""
    expected = TOKEN_MEMBERS + (["token"] if with_secret else [])
    assert list(obj) == expected, f"members {list(obj)}, expected {expected}"
    assert isinstance(obj["id"], str) and obj["id"], obj
    assert isinstance(obj["project_id"], str) and obj["project_id"], obj
    assert obj["role_id"] in ("admin", "editor", "viewer"), obj
    assert isinstance(obj["issuer"], str) and obj["issuer"], obj
    assert isinstance(obj["name"], str), obj
    assert isinstance(obj["hash"], str) and HEX64_RE.fullmatch(obj["hash"]), obj
    assert is_int(obj["issue_date"]), obj
    assert obj["valid_date"] is None or is_int(obj["valid_date"]), obj
    assert obj["last_used_date"] is None or is_int(obj["last_used_date"]), obj
    assert isinstance(obj["brokers"], list) and all(isinstance(b, str) for b in obj["brokers"]), obj
    assert obj["type"] in ("restricted", "unrestricted"), obj
    if with_secret:
        assert isinstance(obj["token"], str) and SECRET_RE.fullmatch(obj["token"]), obj
        assert obj["hash"] == sha256_hex(obj["token"]), obj


def create(portal, project_id: str, token: str, body: dict, auth_style: str = "bearer") -> dict:
    r = admin(portal, "POST", tokens_path(project_id), token, json=body, auth_style=auth_style)
    assert r.status_code == 200, f"create {body}: {r.status_code} {r.text[:400]!r}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), dict(r.headers)
    assert_no_store(r)
    obj = r.json()
    assert_token_object(obj, with_secret=True)
    return obj


def new_token(portal, root_token: str, project_id: str, role: str = "admin", **extra) -> dict:
    return create(portal, project_id, root_token, {"name": unique(role), "role": role, **extra})


def list_tokens(portal, project_id: str, token: str, auth_style: str = "bearer") -> list[dict]:
    r = admin(portal, "GET", tokens_path(project_id), token, auth_style=auth_style)
    assert r.status_code == 200, f"list: {r.status_code} {r.text[:400]!r}"
    assert r.headers.get("Content-Type", "").startswith("application/json"), dict(r.headers)
    assert_no_store(r)
    items = r.json()
    assert isinstance(items, list), items
    for item in items:
        assert_token_object(item, with_secret=False)
    return items


def listed(portal, project_id: str, root_token: str, token_id: str) -> dict | None:
    found = [t for t in list_tokens(portal, project_id, root_token) if t["id"] == token_id]
    assert len(found) <= 1, found
    return found[0] if found else None


def without_secret(obj: dict) -> dict:
    return {k: v for k, v in obj.items() if k != "token"}


def assert_unauthorized_everywhere(portal, project_id: str, secret: str):
    """The secret is refused (401) on every one of several requests, in all three forms."""
    for i in range(ROUNDS):
        style = ("bearer", "bare", "query")[i % 3]
        assert_error(admin(portal, "GET", tokens_path(project_id), secret, auth_style=style), 401)


# --- creation and the token object -----------------------------------------------------------------

def test_create_with_every_field_answers_the_token_object_with_its_secret(portal, project_ids, root_token,
                                                                            root_token_id):
    pid = project_ids["default"]
    name = unique("deploy")
    before = int(time.time())
    obj = create(portal, pid, root_token, {"name": name, "role": "editor", "brokers": ["broker-a", "broker-b"],
                                           "type": "restricted", "valid_date": "2030-01-01T00:00:00Z"})
    after = int(time.time())
    assert obj["project_id"] == pid
    assert obj["role_id"] == "editor"
    assert obj["issuer"] == root_token_id
    assert obj["name"] == name
    assert obj["hash"] == sha256_hex(obj["token"])
    assert before - 1 <= obj["issue_date"] <= after + 1, (before, obj["issue_date"], after)
    assert obj["valid_date"] == Y2030
    assert obj["last_used_date"] is None
    assert obj["brokers"] == ["broker-a", "broker-b"]
    assert obj["type"] == "restricted"
    assert obj["id"] != root_token_id


def test_create_defaults_are_viewer_unrestricted_no_brokers_never_expiring(portal, project_ids, root_token):
    name = unique("defaults")
    obj = create(portal, project_ids["default"], root_token, {"name": name})
    assert (obj["role_id"], obj["brokers"], obj["type"], obj["valid_date"], obj["last_used_date"], obj["name"]) == (
        "viewer", [], "unrestricted", None, None, name)


@pytest.mark.parametrize("valid_date", [
    "2030-01-01T00:00:00Z", "2030-01-01T01:00:00+01:00", "2030-01-01T00:00:00.000Z", Y2030, str(Y2030),
], ids=["rfc3339-z", "rfc3339-offset", "rfc3339-fraction", "epoch-number", "epoch-string"])
def test_valid_date_forms(portal, project_ids, root_token, valid_date):
    obj = create(portal, project_ids["default"], root_token, {"name": unique("valid"), "valid_date": valid_date})
    assert obj["valid_date"] == Y2030, obj


def test_names_of_255_characters_are_accepted_counted_in_characters(portal, project_ids, root_token):
    for name in ("n" * 255, "é" * 255, "x"):
        obj = create(portal, project_ids["default"], root_token, {"name": name})
        assert obj["name"] == name


def test_secrets_are_prefixed_256_bit_base64url_and_unique(portal, project_ids, root_token):
    objs = [new_token(portal, root_token, project_ids["default"], role="viewer") for _ in range(3)]
    secrets = [o["token"] for o in objs]
    for secret in secrets:
        assert SECRET_RE.fullmatch(secret), secret
        assert len(base64.urlsafe_b64decode(secret[3:] + "=")) == 32, secret
    assert len(set(secrets)) == 3 and len({o["hash"] for o in objs}) == 3 and len({o["id"] for o in objs}) == 3


@pytest.mark.parametrize("auth_style", ["bearer", "bare", "query"])
def test_secret_works_right_after_creation(portal, project_ids, root_token, auth_style):
    pid = project_ids["default"]
    obj = new_token(portal, root_token, pid, role="admin")
    items = list_tokens(portal, pid, obj["token"], auth_style=auth_style)
    assert obj["id"] in [t["id"] for t in items]
    # It can create tokens at once, too (admin), in the same form.
    created = create(portal, pid, obj["token"], {"name": unique("by-admin")}, auth_style=auth_style)
    assert created["issuer"] == obj["id"]


def test_list_is_oldest_first_and_never_shows_a_secret(portal, project_ids, root_token):
    pid = project_ids["verify"]
    objs = []
    for role in ("viewer", "editor", "admin"):
        objs.append(new_token(portal, root_token, pid, role=role))
        time.sleep(1.1)  # distinct issue dates
    r = admin(portal, "GET", tokens_path(pid), root_token)
    assert r.status_code == 200, r.text
    for obj in objs:
        assert obj["token"] not in r.text
        assert obj["token"][3:] not in r.text
    items = list_tokens(portal, pid, root_token)
    assert all("token" not in item for item in items), items
    assert all(item["project_id"] == pid for item in items), items
    by_id = {item["id"]: item for item in items}
    # Exactly what creation answered, minus the secret (none of them has been used).
    for obj in objs:
        assert by_id.get(obj["id"]) == without_secret(obj), (by_id.get(obj["id"]), obj)
    ids = [item["id"] for item in items]
    positions = [ids.index(obj["id"]) for obj in objs]
    assert positions == sorted(positions), (positions, ids)
    dates = [item["issue_date"] for item in items]
    assert dates == sorted(dates), dates


# --- storage: only the hash --------------------------------------------------------------------------

def _database_files(portal):
    db = portal.database_path
    # The database and its -wal, -shm (and -journal) files; not the hash-slots directory next to them.
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name) and p.is_file()]


def test_database_holds_the_sha256_of_the_secret_and_never_the_secret(portal, project_ids, root_token):
    obj = new_token(portal, root_token, project_ids["default"], role="admin")
    secret = obj["token"]
    # Use it once so that any "last used" or cache write has happened too.
    list_tokens(portal, project_ids["default"], secret)

    conn = sqlite3.connect(f"file:{portal.database_path}?mode=ro", uri=True)
    try:
        columns = [row[1] for row in conn.execute("PRAGMA table_info(project_tokens)")]
        assert "secret_hash" in columns, columns
        hashes = [row[0] for row in conn.execute("SELECT secret_hash FROM project_tokens WHERE secret_hash = ?",
                                                 (sha256_hex(secret),))]
        assert hashes == [obj["hash"]], hashes
        # No cell of any table holds the secret (or its random part).
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for row in conn.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    text = cell.decode("latin-1") if isinstance(cell, bytes) else str(cell)
                    assert secret[3:] not in text, f"table {table} holds the secret: {row!r}"
    finally:
        conn.close()

    # Nor do the raw bytes of the database, its WAL or its shared-memory index.
    raw_secret = base64.urlsafe_b64decode(secret[3:] + "=")
    files = _database_files(portal)
    assert any(p.name == portal.database_path.name for p in files), files
    # The scan sees the committed data: the hash is there (in the file or still in the WAL).
    assert any(obj["hash"].encode() in p.read_bytes() for p in files), files
    for path in files:
        data = path.read_bytes()
        assert secret.encode() not in data, path
        assert secret[3:].encode() not in data, path
        assert raw_secret not in data, path


def test_the_query_form_is_only_taken_by_the_project_tokens_family(portal, project_ids, root_token):
    """Seed 003's docs name `?token=`; the key-request and management families take the secret only
    in the Authorization header, so it does not end up in URLs there."""
    pid = project_ids["default"]
    obj = new_token(portal, root_token, pid, role="admin")
    assert list_tokens(portal, pid, obj["token"], auth_style="query")
    r = admin(portal, "GET", "/api/portal/requests", obj["token"], auth_style="query")
    assert r.status_code == 401 and r.json()["Status"] == "Error", r.text
    r = admin(portal, "GET", f"/api/v2/portals/{pid}", obj["token"], auth_style="query")
    assert r.status_code == 401 and r.headers["Content-Type"].startswith("application/problem+json"), r.text
    # The same secret in the header works in both.
    assert admin(portal, "GET", "/api/portal/requests", obj["token"], auth_style="bare").status_code == 200
    assert admin(portal, "GET", f"/api/v2/portals/{pid}", obj["token"]).status_code == 200


def test_secret_in_the_query_is_not_written_to_the_logs(portal, project_ids, root_token):
    obj = new_token(portal, root_token, project_ids["default"], role="admin")
    list_tokens(portal, project_ids["default"], obj["token"], auth_style="query")
    assert_error(admin(portal, "GET", tokens_path(project_ids["default"]), obj["token"] + "x",
                       auth_style="query"), 401)
    time.sleep(0.5)
    # The request was logged (without its query).
    assert tokens_path(project_ids["default"]) in portal.nginx_access_log.read_text(errors="replace")
    for log in (portal.nginx_access_log, portal.pool_log):
        assert obj["token"][3:] not in log.read_text(errors="replace"), f"the secret is in {log}"


# --- deletion and expiry -------------------------------------------------------------------------------

def test_delete_answers_true_and_the_token_fails_on_the_next_requests_in_every_worker(portal, project_ids,
                                                                                     root_token):
    pid = project_ids["default"]
    obj = new_token(portal, root_token, pid, role="admin")
    for _ in range(ROUNDS):  # both workers have seen it work
        list_tokens(portal, pid, obj["token"])
    r = admin(portal, "DELETE", tokens_path(pid, obj["id"]), root_token)
    assert r.status_code == 200, r.text
    assert r.headers.get("Content-Type", "").startswith("application/json"), dict(r.headers)
    assert r.json() is True, r.text
    assert_no_store(r)
    assert_unauthorized_everywhere(portal, pid, obj["token"])
    assert listed(portal, pid, root_token, obj["id"]) is None
    assert obj["id"] not in [row[0] for row in cli_tokens(portal)]
    # Deleting it again: the id is unknown now.
    assert_error(admin(portal, "DELETE", tokens_path(pid, obj["id"]), root_token), 404)


def test_an_admin_token_deletes_tokens_of_its_project_and_itself(portal, project_ids, root_token):
    pid = project_ids["default"]
    adm = new_token(portal, root_token, pid, role="admin")
    viewer = create(portal, pid, adm["token"], {"name": unique("viewer"), "role": "viewer"})
    # The viewer's secret authenticates (403: role too low, not 401).
    assert_error(admin(portal, "GET", tokens_path(pid), viewer["token"]), 403)
    r = admin(portal, "DELETE", tokens_path(pid, viewer["id"]), adm["token"])
    assert r.status_code == 200 and r.json() is True, r.text
    assert_unauthorized_everywhere(portal, pid, viewer["token"])
    r = admin(portal, "DELETE", tokens_path(pid, adm["id"]), adm["token"])
    assert r.status_code == 200 and r.json() is True, r.text
    assert_unauthorized_everywhere(portal, pid, adm["token"])


def test_token_fails_after_its_valid_date(portal, project_ids, root_token):
    pid = project_ids["default"]
    valid_date = int(time.time()) + 3
    obj = new_token(portal, root_token, pid, role="admin", valid_date=valid_date)
    assert obj["valid_date"] == valid_date
    for _ in range(4):
        list_tokens(portal, pid, obj["token"])
    time.sleep(max(0.0, valid_date - time.time()) + 1.5)
    assert_unauthorized_everywhere(portal, pid, obj["token"])


# --- roles and projects ----------------------------------------------------------------------------------

def test_viewer_cannot_list_or_create_tokens(portal, project_ids, root_token):
    pid = project_ids["default"]
    viewer = new_token(portal, root_token, pid, role="viewer")
    name = unique("from-viewer")
    assert_error(admin(portal, "POST", tokens_path(pid), viewer["token"], json={"name": name}), 403)
    assert_error(admin(portal, "GET", tokens_path(pid), viewer["token"]), 403)
    assert name not in [t["name"] for t in list_tokens(portal, pid, root_token)]


def test_editor_cannot_list_create_or_delete_tokens(portal, project_ids, root_token):
    pid = project_ids["default"]
    editor = new_token(portal, root_token, pid, role="editor")
    target = new_token(portal, root_token, pid, role="viewer")
    name = unique("from-editor")
    assert_error(admin(portal, "GET", tokens_path(pid), editor["token"]), 403)
    assert_error(admin(portal, "POST", tokens_path(pid), editor["token"], json={"name": name, "role": "admin"}), 403)
    assert_error(admin(portal, "DELETE", tokens_path(pid, target["id"]), editor["token"]), 403)
    assert_error(admin(portal, "DELETE", tokens_path(pid, editor["id"]), editor["token"]), 403)
    items = list_tokens(portal, pid, root_token)
    assert name not in [t["name"] for t in items]
    assert {target["id"], editor["id"]} <= {t["id"] for t in items}
    # The target still authenticates.
    assert_error(admin(portal, "GET", tokens_path(pid), target["token"]), 403)


def test_project_token_cannot_reach_another_project(portal, project_ids, root_token):
    home, other = project_ids["default"], project_ids["verify"]
    adm = new_token(portal, root_token, home, role="admin")
    theirs = new_token(portal, root_token, other, role="viewer")
    name = unique("cross")
    for style in ("bearer", "bare", "query"):
        assert_error(admin(portal, "GET", tokens_path(other), adm["token"], auth_style=style), 403)
    assert_error(admin(portal, "POST", tokens_path(other), adm["token"], json={"name": name}), 403)
    assert_error(admin(portal, "DELETE", tokens_path(other, theirs["id"]), adm["token"]), 403)
    items = list_tokens(portal, other, root_token)
    assert theirs["id"] in [t["id"] for t in items]
    assert name not in [t["name"] for t in items]
    # And the other way round.
    their_admin = new_token(portal, root_token, other, role="admin")
    assert_error(admin(portal, "GET", tokens_path(home), their_admin["token"]), 403)
    # Each still works on its own project.
    list_tokens(portal, home, adm["token"])
    list_tokens(portal, other, their_admin["token"])


def test_root_token_manages_every_portal(portal, project_ids, root_token, root_token_id):
    for key in ("default", "verify", "pending"):
        pid = project_ids[key]
        obj = create(portal, pid, root_token, {"name": unique(key), "role": "admin"})
        assert obj["project_id"] == pid and obj["issuer"] == root_token_id
        assert listed(portal, pid, root_token, obj["id"]) == without_secret(obj)
        r = admin(portal, "DELETE", tokens_path(pid, obj["id"]), root_token)
        assert r.status_code == 200 and r.json() is True, r.text


def test_unknown_project_is_404(portal, project_ids, root_token):
    for pid in ("no-such-project", uuid.uuid4().hex, "0"):
        assert_error(admin(portal, "GET", tokens_path(pid), root_token), 404)
        assert_error(admin(portal, "POST", tokens_path(pid), root_token, json={"name": "x"}), 404)
        assert_error(admin(portal, "DELETE", tokens_path(pid, "whatever"), root_token), 404)
    # A project token gets no more than a refusal there (403 or 404), never the data.
    adm = new_token(portal, root_token, project_ids["default"], role="admin")
    r = admin(portal, "GET", tokens_path("no-such-project"), adm["token"])
    assert r.status_code in (403, 404), f"{r.status_code} {r.text[:300]!r}"
    assert_error(r, r.status_code)


def test_unknown_token_id_or_another_projects_token_id_is_404_on_delete(portal, project_ids, root_token):
    home, other = project_ids["default"], project_ids["verify"]
    adm = new_token(portal, root_token, home, role="admin")
    theirs = new_token(portal, root_token, other, role="admin")
    for token in (root_token, adm["token"]):
        assert_error(admin(portal, "DELETE", tokens_path(home, "no-such-token"), token), 404)
        assert_error(admin(portal, "DELETE", tokens_path(home, uuid.uuid4().hex), token), 404)
        # A real token id, but of another project, under this project's path.
        assert_error(admin(portal, "DELETE", tokens_path(home, theirs["id"]), token), 404)
    assert listed(portal, other, root_token, theirs["id"]) == without_secret(theirs)
    list_tokens(portal, other, theirs["token"])  # still works


def test_issuer_is_the_creating_tokens_id(portal, project_ids, root_token, root_token_id):
    pid = project_ids["default"]
    first = create(portal, pid, root_token, {"name": unique("first"), "role": "admin"})
    second = create(portal, pid, first["token"], {"name": unique("second"), "role": "admin"})
    third = create(portal, pid, second["token"], {"name": unique("third")}, auth_style="bare")
    assert (first["issuer"], second["issuer"], third["issuer"]) == (root_token_id, first["id"], second["id"])
    by_id = {t["id"]: t for t in list_tokens(portal, pid, root_token)}
    assert [by_id[o["id"]]["issuer"] for o in (first, second, third)] == [root_token_id, first["id"], second["id"]]


def test_last_used_date_is_set_on_use_and_at_most_once_a_minute(portal, project_ids, root_token):
    pid = project_ids["default"]
    obj = new_token(portal, root_token, pid, role="admin")
    assert obj["last_used_date"] is None
    assert listed(portal, pid, root_token, obj["id"])["last_used_date"] is None
    before = int(time.time())
    list_tokens(portal, pid, obj["token"])
    after = int(time.time())
    first = listed(portal, pid, root_token, obj["id"])["last_used_date"]
    assert is_int(first) and before - 1 <= first <= after + 1, (before, first, after)
    assert first >= obj["issue_date"]
    time.sleep(2.1)
    for style in ("bearer", "bare", "query"):
        list_tokens(portal, pid, obj["token"], auth_style=style)
    assert listed(portal, pid, root_token, obj["id"])["last_used_date"] == first


def test_members_the_server_sets_cannot_be_chosen_by_the_client(portal, project_ids, root_token, root_token_id):
    pid = project_ids["default"]
    chosen = "pt_" + "A" * 43
    body = {"name": unique("chooser"), "token": chosen, "hash": sha256_hex(chosen), "id": "chosen-id",
            "issuer": "cli", "project_id": project_ids["verify"], "role_id": "admin", "issue_date": 0,
            "last_used_date": 5}
    r = admin(portal, "POST", tokens_path(pid), root_token, json=body)
    if r.status_code == 400:  # refusing unknown members is fine too
        assert_error(r, 400)
        return
    assert r.status_code == 200, r.text
    obj = r.json()
    assert_token_object(obj, with_secret=True)
    assert obj["token"] != chosen and obj["hash"] != sha256_hex(chosen) and obj["id"] != "chosen-id", obj
    assert (obj["issuer"], obj["project_id"], obj["role_id"], obj["last_used_date"]) == (
        root_token_id, pid, "viewer", None), obj
    assert obj["issue_date"] >= int(time.time()) - 60, obj
    assert_error(admin(portal, "GET", tokens_path(pid), chosen), 401)


# --- bad input -------------------------------------------------------------------------------------------

# (field(s) the error may name, body); NAME is replaced by a fresh unique name.
FIELD_CASES = [
    ({"name"}, {}),
    ({"name"}, {"name": ""}),
    ({"name"}, {"name": "   "}),
    ({"name"}, {"name": "n" * 256}),
    ({"name"}, {"name": "é" * 256}),
    ({"name"}, {"name": 5}),
    ({"name"}, {"name": ["a"]}),
    ({"role"}, {"name": "NAME", "role": "superuser"}),
    ({"role"}, {"name": "NAME", "role": "root"}),
    ({"role"}, {"name": "NAME", "role": ""}),
    ({"role"}, {"name": "NAME", "role": 1}),
    ({"type"}, {"name": "NAME", "type": "private"}),
    ({"type"}, {"name": "NAME", "type": ""}),
    ({"type"}, {"name": "NAME", "type": True}),
    ({"role", "type"}, {"name": "NAME", "role": "admin", "type": "restricted"}),
    ({"valid_date"}, {"name": "NAME", "valid_date": "2000-01-01T00:00:00Z"}),
    ({"valid_date"}, {"name": "NAME", "valid_date": 946684800}),
    ({"valid_date"}, {"name": "NAME", "valid_date": "946684800"}),
    ({"valid_date"}, {"name": "NAME", "valid_date": "NOW-5"}),
    ({"valid_date"}, {"name": "NAME", "valid_date": "tomorrow"}),
    ({"valid_date"}, {"name": "NAME", "valid_date": "2030-13-45T00:00:00Z"}),
    ({"valid_date"}, {"name": "NAME", "valid_date": ""}),
    ({"valid_date"}, {"name": "NAME", "valid_date": True}),
    ({"valid_date"}, {"name": "NAME", "valid_date": {}}),
    ({"valid_date"}, {"name": "NAME", "valid_date": []}),
    ({"brokers"}, {"name": "NAME", "brokers": "broker-a"}),
    ({"brokers"}, {"name": "NAME", "brokers": [1]}),
    ({"brokers"}, {"name": "NAME", "brokers": [None]}),
    ({"brokers"}, {"name": "NAME", "brokers": ["ok", 2]}),
    ({"brokers"}, {"name": "NAME", "brokers": {"a": "b"}}),
]
FIELD_IDS = [
    "name-missing", "name-empty", "name-blank", "name-256", "name-256-multibyte", "name-number", "name-array",
    "role-unknown", "role-root", "role-empty", "role-number", "type-unknown", "type-empty", "type-bool",
    "restricted-admin", "valid-past-rfc3339", "valid-past-epoch", "valid-past-epoch-string", "valid-just-past",
    "valid-words", "valid-bad-month", "valid-empty", "valid-bool", "valid-object", "valid-array",
    "brokers-string", "brokers-number", "brokers-null", "brokers-mixed", "brokers-object",
]


@pytest.mark.parametrize("fields, body", FIELD_CASES, ids=FIELD_IDS)
def test_field_problems_are_400_naming_the_field(portal, project_ids, root_token, fields, body):
    pid = project_ids["default"]
    name = unique("bad")
    body = {k: (name if v == "NAME" else v) for k, v in body.items()}
    if body.get("valid_date") == "NOW-5":
        body["valid_date"] = int(time.time()) - 5
    assert_field_error(admin(portal, "POST", tokens_path(pid), root_token, json=body), fields)
    # Nothing was written.
    if body.get("name") == name:
        assert name not in [t["name"] for t in list_tokens(portal, pid, root_token)]


@pytest.mark.parametrize("raw", [
    b'{"name": ', b'{"name":"x",}', b"not json", b"", b'{"name":"a","name":"b"}',
    b"[]", b'[{"name":"x"}]', b'"x"', b"1", b"null", b"true",
], ids=["truncated", "trailing-comma", "words", "empty", "duplicate-key",
        "array", "array-of-object", "string", "number", "null", "bool"])
def test_malformed_json_or_a_body_that_is_not_an_object_is_400(portal, project_ids, root_token, raw):
    count = len(list_tokens(portal, project_ids["pending"], root_token))
    assert_error(admin(portal, "POST", tokens_path(project_ids["pending"]), root_token, data=raw), 400)
    assert len(list_tokens(portal, project_ids["pending"], root_token)) == count


# --- authentication -------------------------------------------------------------------------------------

def test_requests_without_a_valid_credential_are_401(portal, project_ids, root_token):
    pid = project_ids["default"]
    obj = new_token(portal, root_token, pid, role="admin")
    secret = obj["token"]
    unknown = "pt_" + base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode().rstrip("=")
    assert SECRET_RE.fullmatch(unknown)
    for method, path, body in (("GET", tokens_path(pid), None), ("POST", tokens_path(pid), {"name": unique()}),
                               ("DELETE", tokens_path(pid, obj["id"]), None)):
        assert_error(admin(portal, method, path, None, json=body), 401)
        for style in ("bearer", "bare", "query"):
            assert_error(admin(portal, method, path, unknown, json=body, auth_style=style), 401)
    malformed = ["Bearer", "Bearer ", f"Bearer {secret}x", f"Bearer {secret[:-1]}", f"Bearer {secret} {secret}",
                 f"Basic {base64.b64encode(f'user:{secret}'.encode()).decode()}", f"Token {secret}",
                 f"Bearer {secret.upper()}", f"Bearer {secret[3:]}", f"Bearer {obj['hash']}", "Bearer pt_", "pt_"]
    for value in malformed:
        r = admin(portal, "GET", tokens_path(pid), None, headers={"Authorization": value})
        assert_error(r, 401)
    assert_error(admin(portal, "GET", tokens_path(pid), None, params={"token": ""}), 401)
    assert_error(admin(portal, "GET", tokens_path(pid), None, params={"token": obj["id"]}), 401)
    # The token was neither deleted nor used by any of that.
    after = listed(portal, pid, root_token, obj["id"])
    assert after == without_secret(obj), after


# --- the CLI ---------------------------------------------------------------------------------------------

def test_cli_create_list_and_revoke(portal, project_ids, root_token):
    pid = project_ids["default"]
    name = unique("cli")
    out = portal_cli(portal, "tokens", "create", "--portal", pid, "--role", "admin", "--name", name).stdout
    assert len(out.splitlines()) == 1 and SECRET_RE.fullmatch(out.strip()), repr(out)
    secret = out.strip()

    # It works at once, and the API shows it with issuer "cli".
    mine = [t for t in list_tokens(portal, pid, secret) if t["name"] == name]
    assert len(mine) == 1, mine
    token = mine[0]
    assert (token["project_id"], token["role_id"], token["issuer"], token["hash"], token["type"], token["brokers"],
            token["valid_date"]) == (pid, "admin", "cli", sha256_hex(secret), "unrestricted", [], None), token

    rows = cli_tokens(portal)
    assert [token["id"], pid, "admin", name] in rows, rows
    assert any(row[1] == "root" for row in rows), rows

    # A viewer made with the CLI authenticates too (403 on token management, not 401).
    viewer_name = unique("cli-viewer")
    viewer = portal_cli(portal, "tokens", "create", "--portal", pid, "--role", "viewer", "--name", viewer_name).stdout
    assert SECRET_RE.fullmatch(viewer.strip()), repr(viewer)
    assert_error(admin(portal, "GET", tokens_path(pid), viewer.strip()), 403)
    viewer_row = [row for row in cli_tokens(portal) if row[3] == viewer_name]
    assert len(viewer_row) == 1 and viewer_row[0][1:3] == [pid, "viewer"], viewer_row

    # Revoked with the CLI: refused by every worker on the next requests.
    proc = portal_cli(portal, "tokens", "revoke", token["id"])
    assert proc.returncode == 0
    assert_unauthorized_everywhere(portal, pid, secret)
    assert token["id"] not in [row[0] for row in cli_tokens(portal)]
    assert listed(portal, pid, root_token, token["id"]) is None

    proc = portal_cli(portal, "tokens", "revoke", "no-such-token", check=False)
    assert proc.returncode == 1, (proc.returncode, proc.stdout, proc.stderr)


def test_cli_root_token_is_listed_as_root(portal, root_token, root_token_id):
    rows = [row for row in cli_tokens(portal) if row[0] == root_token_id]
    assert len(rows) == 1 and rows[0][1] == "root", rows


# --- headers ---------------------------------------------------------------------------------------------

def test_every_reply_is_no_store(portal, project_ids, root_token):
    pid = project_ids["default"]
    viewer = new_token(portal, root_token, pid, role="viewer")
    replies = [
        admin(portal, "GET", tokens_path(pid), root_token),
        admin(portal, "POST", tokens_path(pid), root_token, json={"name": unique()}),
        admin(portal, "POST", tokens_path(pid), root_token, json={"name": ""}),
        admin(portal, "GET", tokens_path(pid), None),
        admin(portal, "GET", tokens_path(pid), viewer["token"]),
        admin(portal, "GET", tokens_path("no-such-project"), root_token),
        admin(portal, "DELETE", tokens_path(pid, viewer["id"]), root_token),
    ]
    assert [r.status_code for r in replies] == [200, 200, 400, 401, 403, 404, 200], [r.text for r in replies]
    for r in replies:
        assert_no_store(r)


def test_cli_list_stays_one_line_per_token_whatever_the_name(portal, project_ids, root_token):
    """A name may hold tabs and newlines through the API (or be refused): `tokens list` still prints
    exactly one id/project/role/name line per token, so no line can be forged."""
    pid = project_ids["default"]
    name = f"{unique('ctl')}\tname\nroot-{uuid.uuid4().hex[:6]}\troot\troot\tforged"
    r = admin(portal, "POST", tokens_path(pid), root_token, json={"name": name})
    if r.status_code == 400:
        assert_field_error(r, {"name"})
        return
    assert r.status_code == 200, r.text
    obj = r.json()
    try:
        out = portal_cli(portal, "tokens", "list").stdout
        lines = [line for line in out.splitlines() if line.strip()]
        assert all(len(line.split("\t")) == 4 for line in lines), out
        assert not any("forged" in line and not line.startswith(obj["id"] + "\t") for line in lines), out
        mine = [line for line in lines if line.startswith(obj["id"] + "\t")]
        assert len(mine) == 1, out
    finally:
        admin(portal, "DELETE", tokens_path(pid, obj["id"]), root_token)


def _fresh_project(portal) -> str:
    out = portal_cli(portal, "portals", "add", "--name", "Tokens Scratch",
                     "--domain", f"scratch-{uuid.uuid4().hex[:10]}.localhost").stdout
    return out.strip()


@pytest.mark.parametrize("valid_date", [253402300800, 10 ** 16, 2 ** 63 - 1, 1e300],
                         ids=["year-10000", "1e16", "int64-max", "1e300"])
def test_far_future_valid_dates_are_refused_or_work_never_a_5xx(portal, root_token, valid_date):
    """A valid_date past what the server can store or print is a 400 (valid_date), or it is kept and
    everything keeps working: the reply, the list, the token itself and `tokens list`. It runs in a
    project of its own and removes what it made, so a failure does not spill into other tests."""
    pid = _fresh_project(portal)
    try:
        r = admin(portal, "POST", tokens_path(pid), root_token,
                  json={"name": unique("far"), "role": "admin", "valid_date": valid_date})
        if r.status_code == 400:
            assert_field_error(r, {"valid_date"})
        else:
            assert r.status_code == 200, f"valid_date {valid_date!r}: {r.status_code} {r.text[:300]!r}"
            obj = r.json()
            assert_token_object(obj, with_secret=True)
            assert obj["valid_date"] == int(valid_date), obj
            assert listed(portal, pid, root_token, obj["id"]) == without_secret(obj)
            list_tokens(portal, pid, obj["token"])
        assert list_tokens(portal, pid, root_token) is not None
        cli_tokens(portal)
    finally:
        # Whatever got stored (even if the reply never came) goes, so the session stays usable.
        conn = sqlite3.connect(f"file:{portal.database_path}?mode=ro", uri=True)
        try:
            ids = [row[0] for row in conn.execute("SELECT id FROM project_tokens WHERE portal_id = ?", (pid,))]
        except sqlite3.Error:
            ids = []
        finally:
            conn.close()
        for token_id in ids:
            portal_cli(portal, "tokens", "revoke", token_id, check=False)
