"""The portal management API, part 2 (issue 9), end to end through nginx over HTTPS.

Covered, each against the contract of the issue:

1. authentication settings (`/portals/{id}/authentication-settings`), and their effect on the developer
   API: with `basic_auth_enabled: false` the portal refuses password login and sign-up;
2. IdP team group mappings (`/portals/{id}/identity-provider/team-group-mappings`);
3. identity providers (`/portals/{id}/identity-providers[/{id}]`), one enabled at a time;
4. appearance (`/portals/appearance-defaults`, `/portals/{id}/appearance[/logo|/catalog-cover]`), and its
   effect on the portal's pages (`/assets/theme.css`, `/assets/logo`, the home page's stylesheet link);
5. customization (`/portals/{id}/customization`, RFC 7396 merge patch);
6. custom pages (`/portals/{id}/pages[/{pageId}]`) and how the portal serves them as HTML (markdown rendered,
   raw HTML dropped, public/published, developer sessions);
7. audit-log destinations (`/audit-log-destinations[/{id}]`, our installation-wide extension);
8. the portal audit-log webhook (`/portals/{id}/audit-log-webhook[/status]`) and real deliveries to a
   receiver (`http.server` on 127.0.0.1) — batches, the Authorization header, a receiver that is down or
   answers 500, and catching up once it is back;
9. the audit-log replay job (`/portals/{id}/audit-log-replay-job`);
and bad input in general: every 400 is problem+json naming the field, nothing is half-written, and no
garbage body gets a 5xx.

Every reply of an operation the v2 file (`specs/konnect-portal-management-v2-2.2.0.openapi.yaml`) has is
validated against that operation's response schema (jsonschema Draft 4 over the file's `$ref`s, `nullable`
translated; see `Spec`). A status the file does not list for an operation (e.g. 404 on the authentication
settings, 409 on a taken login path) is validated against the file's shared response of that status
(`components/responses/<BadRequest|Unauthorized|Forbidden|NotFound|Conflict>`). The extensions that are not
in the v2 file (customization, pages, audit-log destinations) are checked by hand against their contract.

Each test makes its own portals (POST /api/v2/portals with the session's root token; a portal is served on
its `default_domain`, reached by sending that Host header), tokens, developers and receivers.

The helpers are copied from test_management_api.py on purpose (this file imports nothing from it)."""

from __future__ import annotations

import base64
import datetime
import json
import re
import struct
import threading
import time
import uuid
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import jsonschema
import pytest
import requests
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from conftest import HostDeveloper, Portal, admin, assert_message, new_email, session_cookie, set_cookie_headers

V2 = "/api/v2"
API = "/api/v1"

# --- the operations (paths as the v2 file writes them, under /api/v2) -------------------------------------

PORTALS = "/portals"
TEAMS = "/portals/{portalId}/teams"
TEAM = "/portals/{portalId}/teams/{teamId}"
AUTH_SETTINGS = "/portals/{portalId}/authentication-settings"
TEAM_MAPPINGS = "/portals/{portalId}/identity-provider/team-group-mappings"
IDPS = "/portals/{portalId}/identity-providers"
IDP = "/portals/{portalId}/identity-providers/{id}"
APPEARANCE_DEFAULTS = "/portals/appearance-defaults"
APPEARANCE = "/portals/{portalId}/appearance"
LOGO = "/portals/{portalId}/appearance/logo"
COVER = "/portals/{portalId}/appearance/catalog-cover"
WEBHOOK = "/portals/{portalId}/audit-log-webhook"
WEBHOOK_STATUS = "/portals/{portalId}/audit-log-webhook/status"
REPLAY = "/portals/{portalId}/audit-log-replay-job"
# Not in the v2 file (seed text and our extension): checked by hand.
CUSTOMIZATION = "/portals/{portalId}/customization"
PAGES = "/portals/{portalId}/pages"
PAGE = "/portals/{portalId}/pages/{pageId}"
DESTINATIONS = "/audit-log-destinations"
DESTINATION = "/audit-log-destinations/{destinationId}"

# --- the v2 file and its checker ---------------------------------------------------------------------------

SPEC_PATH = Path(__file__).resolve().parent / "specs" / "konnect-portal-management-v2-2.2.0.openapi.yaml"
SPEC_URI = "urn:konnect:portal-management:v2"
# The file's shared response of each error status, for statuses an operation does not list.
SHARED_ERROR_RESPONSES = {400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 409: "Conflict"}


def _openapi30_to_json_schema(node):
    """OpenAPI 3.0's `nullable: true` as JSON Schema: `type` gains "null" (and `enum` gains None); a nullable
    `$ref`/`allOf`/`oneOf`/`anyOf` becomes `anyOf: [null, itself]`. The rest are annotations jsonschema ignores."""
    if isinstance(node, list):
        return [_openapi30_to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _openapi30_to_json_schema(v) for k, v in node.items()}
    if node.pop("nullable", False) is True:
        if "type" in node:
            t = node["type"]
            node["type"] = [t, "null"] if isinstance(t, str) else [*t, "null"]
            if "enum" in node and None not in node["enum"]:
                node["enum"] = [*node["enum"], None]
        elif any(k in node for k in ("$ref", "allOf", "oneOf", "anyOf")):
            node = {"anyOf": [{"type": "null"}, node]}
    return node


UUID_RE = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
RFC3339_RE = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def parse_time(text: str) -> datetime.datetime:
    assert isinstance(text, str) and RFC3339_RE.fullmatch(text), f"not an RFC 3339 date-time: {text!r}"
    value = datetime.datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", text).replace("t", "T"))
    assert value.tzinfo is not None, text
    return value


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("uuid")
    def is_uuid(value):
        return not isinstance(value, str) or bool(UUID_RE.fullmatch(value))

    @checker.checks("date-time", raises=(ValueError, AssertionError))
    def is_date_time(value):
        if isinstance(value, str):
            parse_time(value)
        return True

    return checker


def _escape(template: str) -> str:
    """A path as one JSON-pointer token inside a URI fragment."""
    return quote(template.replace("~", "~0").replace("/", "~1"), safe="~")


class Spec:
    def __init__(self, path: Path):
        self.raw = yaml.safe_load(path.read_text())
        document = _openapi30_to_json_schema(self.raw)
        self.registry = Registry().with_resource(SPEC_URI, Resource.from_contents(document, default_specification=DRAFT4))
        self.format_checker = _format_checker()
        self._validators: dict[str, jsonschema.Draft4Validator] = {}

    def has(self, template: str) -> bool:
        return template in self.raw["paths"]

    def at(self, pointer: str):
        node = self.raw
        for part in pointer.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def response(self, method: str, template: str, status: int) -> tuple[dict, str]:
        """The documented response of the operation for `status` (the shared one of that status when the
        operation does not list it), after following `$ref`s, and its JSON pointer."""
        responses = self.raw["paths"][template][method.lower()]["responses"]
        if str(status) in responses:
            pointer, obj = "#/paths/" + _escape(template) + f"/{method.lower()}/responses/{status}", responses[str(status)]
        else:
            shared = SHARED_ERROR_RESPONSES.get(status)
            assert shared, f"{method} {template} answered {status}, which the v2 file does not document ({sorted(responses)})"
            pointer, obj = f"#/components/responses/{shared}", self.raw["components"]["responses"][shared]
        while "$ref" in obj:
            pointer = obj["$ref"]
            obj = self.at(pointer)
        return obj, pointer

    def errors(self, pointer: str, instance) -> list[str]:
        if pointer not in self._validators:
            self._validators[pointer] = jsonschema.Draft4Validator(
                {"$ref": SPEC_URI + pointer}, registry=self.registry, format_checker=self.format_checker)
        found = sorted(self._validators[pointer].iter_errors(instance), key=lambda e: list(map(str, e.path)))
        return [f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in found]

    def schema_errors(self, name: str, instance) -> list[str]:
        return self.errors(f"#/components/schemas/{name}", instance)


_SPEC: Spec | None = None


def spec() -> Spec:
    global _SPEC
    if _SPEC is None:
        _SPEC = Spec(SPEC_PATH)
    return _SPEC


def check_v2_reply(method: str, template: str, status: int, r: requests.Response):
    """The reply matches the v2 file's response for (method, template, status)."""
    documented, pointer = spec().response(method, template, status)
    where = f"{method} {template} {status}"
    content = documented.get("content")
    if not content:
        assert r.content == b"", f"{where}: the v2 file documents no body, got {r.content[:300]!r}"
        return
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip().lower()
    assert ctype in content, f"{where}: Content-Type {ctype!r} is not one the v2 file documents ({sorted(content)})"
    body = r.json()
    errors = spec().errors(f"{pointer}/content/{_escape(ctype)}/schema", body)
    assert not errors, f"{where}: the body does not match the v2 file's schema:\n  " + "\n  ".join(errors) + \
        f"\nbody: {json.dumps(body)[:1500]}"


def assert_problem(r: requests.Response, status: int) -> dict:
    """An error of the management API: problem+json {status, title, instance, detail}; a 400 has a non-empty
    invalid_parameters whose entries have a field and a reason."""
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype == "application/problem+json", f"Content-Type {ctype!r} for a {status}: {r.text[:300]!r}"
    body = r.json()
    assert body.get("status") == status, body
    for key in ("title", "instance", "detail"):
        assert isinstance(body.get(key), str) and body[key].strip(), f"no {key} in {body}"
    if status == 400:
        params = body.get("invalid_parameters")
        assert isinstance(params, list) and params, f"a 400 without invalid_parameters: {body}"
        for p in params:
            assert isinstance(p.get("field"), str) and p["field"] and isinstance(p.get("reason"), str) and p["reason"], body
    return body


def check_reply(method: str, template: str, status: int, r: requests.Response):
    assert r.headers.get("Cache-Control") == "no-store", f"{method} {template}: {dict(r.headers)}"
    if status >= 400:
        assert_problem(r, status)
    elif r.content:
        assert r.headers.get("Content-Type", "").startswith("application/json"), f"{method} {template}: {dict(r.headers)}"
    if spec().has(template):
        check_v2_reply(method, template, status, r)


def call(portal: Portal, method: str, template: str, token: str | None, status: int, *, ids: dict | None = None,
         raw: bool = False, **kw):
    """One management request to V2 + template (formatted with `ids`): asserts the status and the reply's
    shape (see check_reply); returns the JSON body (None when empty). With `raw` (binary replies), a success
    is not checked further and the response itself is returned."""
    path = V2 + template.format(**(ids or {}))
    r = admin(portal, method, path, token, **kw)
    sent = kw.get("json") if "json" in kw else kw.get("data")
    shown = sent[:100] if isinstance(sent, bytes) else json.dumps(sent)[:300]
    assert r.status_code == status, (f"{method} {path} {kw.get('params') or ''} {shown!r}: "
                                     f"expected {status}, got {r.status_code}: {r.text[:800]!r}")
    if raw and status < 400:
        return r
    check_reply(method, template, status, r)
    if raw:
        return r
    return r.json() if r.content else None


def invalid(body: dict) -> dict[str, dict]:
    return {p["field"]: p for p in body["invalid_parameters"]}


def assert_invalid(body: dict, field: str | tuple, rule: str | None = None) -> dict:
    """The 400 names `field`: an exact name, a tuple of accepted names, or "prefix*" (any field starting with
    prefix). With `rule`, that entry has that rule. Returns the entry."""
    assert body["status"] == 400, body
    named = invalid(body)
    if isinstance(field, tuple):
        hits = [f for f in field if f in named]
    elif field.endswith("*"):
        hits = [f for f in named if f.startswith(field[:-1])]
    else:
        hits = [field] if field in named else []
    assert hits, f"expected invalid_parameters to name {field!r}, got {sorted(named)}: {body}"
    entry = named[hits[0]]
    if rule is not None:
        assert entry.get("rule") == rule, f"{hits[0]}: expected rule {rule!r}, got {entry.get('rule')!r}: {body}"
    return entry


def assert_recent(text: str, slack: float = 600):
    delta = abs(parse_time(text).timestamp() - time.time())
    assert delta < slack, f"{text} is {delta:.0f} s away from now"


def rfc3339(when: datetime.datetime) -> str:
    return when.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def random_id() -> str:
    return str(uuid.uuid4())


def wait_until(check: Callable[[], object], timeout: float, describe: Callable[[], str], interval: float = 0.1):
    """Polls `check` until it returns something truthy (returned) or `timeout` seconds pass (AssertionError
    with describe())."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout} s: {describe()}")
        time.sleep(interval)


# --- portals, tokens, developers of a test's own -----------------------------------------------------------


class MP:
    """A portal made with the root token (developers approved at sign-up), with project tokens by role."""

    def __init__(self, portal: Portal, root: str):
        self.portal, self.root = portal, root
        self.body = call(portal, "POST", PORTALS, root, 201,
                         json={"name": f"Part2 {uuid.uuid4().hex[:12]}", "auto_approve_developers": True})
        self.id = self.body["id"]
        self.domain = self.body["default_domain"]
        self.host = {"Host": self.domain}
        self.tokens: dict[str, str] = {}
        self.token_ids: dict[str, str] = {}

    def token(self, role: str) -> str:
        if role not in self.tokens:
            r = admin(self.portal, "POST", f"/api/projects/{self.id}/tokens", self.root,
                      json={"name": f"p2-{role}-{uuid.uuid4().hex[:8]}", "role": role, "type": "unrestricted"})
            assert r.status_code in (200, 201), f"token for {self.id}: {r.status_code} {r.text[:300]!r}"
            self.tokens[role], self.token_ids[role] = r.json()["token"], r.json()["id"]
        return self.tokens[role]

    def new_token(self, role: str) -> tuple[str, str]:
        """Another project token of this portal: (secret, id)."""
        r = admin(self.portal, "POST", f"/api/projects/{self.id}/tokens", self.root,
                  json={"name": f"p2-{role}-{uuid.uuid4().hex[:8]}", "role": role, "type": "unrestricted"})
        assert r.status_code in (200, 201), f"token for {self.id}: {r.status_code} {r.text[:300]!r}"
        return r.json()["token"], r.json()["id"]

    def ids(self, **more) -> dict:
        return {"portalId": self.id, **more}

    def get(self, path: str, cookie: str | None = None, method: str = "GET") -> requests.Response:
        """A browser-style request to this portal's host (no token)."""
        headers = dict(self.host)
        if cookie:
            headers["Cookie"] = f"portal_session={cookie}"
        return self.portal.session.request(method, self.portal.url(path), headers=headers, timeout=15)


@pytest.fixture
def mp(portal, root_token) -> MP:
    return MP(portal, root_token)


@pytest.fixture
def other_mp(portal, root_token) -> MP:
    return MP(portal, root_token)


class Dev(HostDeveloper):
    """A developer of the portal on `host` (see HostDeveloper)."""

    def __init__(self, portal: Portal, host: dict, login: bool = True):
        super().__init__(portal, host, login=login, full_name="Part2 Dev")


def new_team(portal: Portal, mp: MP, name: str | None = None) -> dict:
    return call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": name or f"Team {uuid.uuid4().hex[:8]}"})


OIDC_CONFIG = {"issuer_url": "https://idp.example.com/oauth2/default", "client_id": "portal-client"}
DEFAULT_SCOPES = ["email", "openid", "profile"]
DEFAULT_CLAIMS = {"name": "name", "email": "email", "groups": "groups"}
SAML_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com">'
            '<md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>'
            '</md:EntityDescriptor>\n')


def new_idp(portal: Portal, mp: MP, **body) -> dict:
    body = {"type": "oidc", "config": dict(OIDC_CONFIG), **body}
    return call(portal, "POST", IDPS, mp.root, 201, ids=mp.ids(), json=body)


def new_page(portal: Portal, mp: MP, token: str | None = None, **body) -> dict:
    body = {"path": f"/page-{uuid.uuid4().hex[:8]}", "title": "A page", "content": "Some *content*.", **body}
    return call(portal, "POST", PAGES, token or mp.root, 201, ids=mp.ids(), json=body)


def new_destination(portal: Portal, root: str, endpoint: str = "http://127.0.0.1:9/never", **body) -> dict:
    body = {"name": f"dest-{uuid.uuid4().hex[:12]}", "endpoint": endpoint, **body}
    return call(portal, "POST", DESTINATIONS, root, 201, json=body)


# --- images ----------------------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def tiny_png(rgba: tuple = (7, 168, 141, 255), size: int | None = None) -> bytes:
    """A real 1x1 PNG; with `size`, padded to exactly `size` bytes by a tEXt chunk (still a valid PNG)."""
    header = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0))
    tail = _png_chunk(b"IDAT", zlib.compress(b"\x00" + bytes(rgba))) + _png_chunk(b"IEND", b"")
    if size is None:
        return header + tail
    pad = size - len(header) - len(tail) - 12 - len(b"Comment\x00")
    assert pad >= 0
    return header + _png_chunk(b"tEXt", b"Comment\x00" + b"x" * pad) + tail


TINY_GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
            b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")


def tiny_ico() -> bytes:
    """An ICO with one 1x1 PNG image in it."""
    png = tiny_png()
    return struct.pack("<HHH", 0, 1, 1) + struct.pack("<BBBBHHII", 1, 1, 0, 0, 1, 32, len(png), 22) + png


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


# === the v2 file's own examples pass the checker ==========================================================

PART2_V2_OPERATIONS = [
    ("GET", AUTH_SETTINGS), ("PATCH", AUTH_SETTINGS), ("GET", TEAM_MAPPINGS), ("PATCH", TEAM_MAPPINGS),
    ("GET", IDPS), ("POST", IDPS), ("GET", IDP), ("PATCH", IDP), ("DELETE", IDP),
    ("GET", APPEARANCE_DEFAULTS), ("GET", APPEARANCE), ("PATCH", APPEARANCE),
    ("GET", WEBHOOK), ("PATCH", WEBHOOK), ("DELETE", WEBHOOK), ("GET", WEBHOOK_STATUS), ("GET", REPLAY), ("PUT", REPLAY),
]


def test_the_checker_accepts_the_v2_files_own_examples_and_rejects_broken_ones():
    """Offline: the translated schemas (nullable, $ref, oneOf, formats) take the file's own examples of the
    part-2 operations, and reject a broken body: the checker is neither too strict nor blind."""
    checked = 0
    for method, template in PART2_V2_OPERATIONS:
        for status in spec().raw["paths"][template][method.lower()]["responses"]:
            documented, pointer = spec().response(method, template, int(status))
            for ctype, media in (documented.get("content") or {}).items():
                if not ctype.endswith("json"):
                    continue
                for example in (media.get("examples") or {}).values():
                    value = spec().at(example["$ref"])["value"] if "$ref" in example else example["value"]
                    errors = spec().errors(f"{pointer}/content/{_escape(ctype)}/schema", value)
                    assert not errors, f"{method} {template} {status} example: {errors}"
                    checked += 1
    assert checked >= 15, checked
    appearance = spec().response("GET", APPEARANCE, 200)[1] + "/content/application~1json/schema"
    assert not spec().errors(appearance, NEW_PORTAL_APPEARANCE)
    assert spec().errors(appearance, {**NEW_PORTAL_APPEARANCE, "theme_name": "neon"})
    assert spec().errors(appearance, {k: v for k, v in NEW_PORTAL_APPEARANCE.items() if k != "images"})
    idp = "#/components/schemas/IdentityProvider"
    good = {"id": random_id(), "type": "oidc", "enabled": False, "config": {**OIDC_CONFIG, "scopes": DEFAULT_SCOPES}}
    assert not spec().errors(idp, good)
    assert spec().errors(idp, {**good, "config": {**OIDC_CONFIG, "client_secret": "s"}}), "client_secret must not validate"


# === authorization across the portal-scoped operations ===================================================

# "replay-range": the last hour (body_for), a range the PUT accepts.
# (method, template, body, the least role that may do it; None: not part of the role matrix)
PORTAL_OPERATIONS = [
    ("GET", AUTH_SETTINGS, None, "viewer"),
    ("PATCH", AUTH_SETTINGS, {"konnect_mapping_enabled": True}, "editor"),
    ("GET", TEAM_MAPPINGS, None, "viewer"),
    ("PATCH", TEAM_MAPPINGS, {"data": []}, "editor"),
    ("GET", IDPS, None, "viewer"),
    ("POST", IDPS, "new-idp", "editor"),
    ("GET", IDP, None, "viewer"),
    ("PATCH", IDP, {"enabled": False}, "editor"),
    ("DELETE", IDP, None, "admin"),
    ("GET", APPEARANCE, None, "viewer"),
    ("PATCH", APPEARANCE, {"theme_name": "dark_mode"}, "editor"),
    ("GET", LOGO, None, None),
    ("GET", COVER, None, None),
    ("GET", CUSTOMIZATION, None, "viewer"),
    ("PUT", CUSTOMIZATION, {"a": 1}, "editor"),
    ("PATCH", CUSTOMIZATION, {"a": 2}, "editor"),
    ("GET", PAGES, None, "viewer"),
    ("POST", PAGES, "new-page", "editor"),
    ("GET", PAGE, None, "viewer"),
    ("PATCH", PAGE, {"title": "Renamed"}, "editor"),
    ("DELETE", PAGE, None, "admin"),
    ("GET", WEBHOOK, None, "viewer"),
    ("PATCH", WEBHOOK, {"enabled": False}, "admin"),
    ("DELETE", WEBHOOK, None, "admin"),
    ("GET", WEBHOOK_STATUS, None, "viewer"),
    ("GET", REPLAY, None, "viewer"),
    ("PUT", REPLAY, "replay-range", "admin"),
]
_OP_IDS = [f"{m} {t}" for m, t, _, _ in PORTAL_OPERATIONS]


@dataclass
class World:
    """A portal with an identity provider (which makes team mappings available), a page and a webhook that
    has a destination (disabled, so nothing is delivered)."""
    mp: MP
    idp: dict
    page: dict
    destination: dict

    def ids(self) -> dict:
        return self.mp.ids(id=self.idp["id"], pageId=self.page["id"])


def make_world(portal: Portal, root: str) -> World:
    w_mp = MP(portal, root)
    idp = new_idp(portal, w_mp)
    page = new_page(portal, w_mp)
    destination = new_destination(portal, root)
    call(portal, "PATCH", WEBHOOK, root, 200, ids=w_mp.ids(), json={"audit_log_destination_id": destination["id"]})
    return World(w_mp, idp, page, destination)


@pytest.fixture
def world(portal, root_token) -> World:
    return make_world(portal, root_token)


def body_for(spec_body):
    """The body to send for a PORTAL_OPERATIONS entry ("new-idp"/"new-page": a fresh one that cannot collide)."""
    if spec_body == "new-idp":
        return {"type": "oidc", "login_path": f"idp-{uuid.uuid4().hex[:8]}", "config": dict(OIDC_CONFIG)}
    if spec_body == "new-page":
        return {"path": f"/new-{uuid.uuid4().hex[:8]}", "title": "New", "content": "new"}
    if spec_body == "replay-range":
        now = utc_now()
        return {"start_at": rfc3339(now - datetime.timedelta(hours=1)), "end_at": rfc3339(now)}
    return spec_body


@pytest.mark.parametrize("method,template,body,role", PORTAL_OPERATIONS, ids=_OP_IDS)
def test_no_token_or_a_bad_token_is_401(portal, world, method, template, body, role):
    for token in (None, "pt_" + "A" * 43, "not a token"):
        r = admin(portal, method, V2 + template.format(**world.ids()), token, json=body_for(body))
        assert r.status_code == 401, f"{method} {template} with {token!r}: {r.status_code} {r.text[:300]!r}"
        check_reply(method, template, 401, r)


@pytest.mark.parametrize("method,template,body,role", PORTAL_OPERATIONS, ids=_OP_IDS)
def test_another_portals_token_is_404_and_changes_nothing(portal, root_token, world, other_mp, method, template, body,
                                                          role):
    for other_role in ("viewer", "editor", "admin"):
        call(portal, method, template, other_mp.token(other_role), 404, ids=world.ids(), json=body_for(body))
    # Nothing of the world moved.
    assert call(portal, "GET", PAGE, root_token, 200, ids=world.ids()) == world.page
    assert call(portal, "GET", IDP, root_token, 200, ids=world.ids()) == world.idp
    assert call(portal, "GET", WEBHOOK, root_token, 200, ids=world.ids())["audit_log_destination_id"] == world.destination["id"]


ROLES = ["viewer", "editor", "admin"]
_ROLE_CASES = [op for op in PORTAL_OPERATIONS if op[3] is not None]


@pytest.mark.parametrize("method,template,body,role", _ROLE_CASES, ids=[f"{m} {t}" for m, t, _, _ in _ROLE_CASES])
def test_roles(portal, root_token, world, method, template, body, role):
    """Roles below the operation's are 403 (and change nothing); the operation's own role succeeds."""
    least = ROLES.index(role)
    for below in ROLES[:least]:
        call(portal, method, template, world.mp.token(below), 403, ids=world.ids(), json=body_for(body))
    if method != "GET":
        assert call(portal, "GET", PAGE, root_token, 200, ids=world.ids()) == world.page
        assert call(portal, "GET", IDP, root_token, 200, ids=world.ids()) == world.idp
        assert call(portal, "GET", CUSTOMIZATION, root_token, 200, ids=world.ids()) == {}
        assert call(portal, "GET", APPEARANCE, root_token, 200, ids=world.ids())["theme_name"] == "mint_rocket"
    r = admin(portal, method, V2 + template.format(**world.ids()), world.mp.token(role), json=body_for(body))
    expected = 202 if (method, template) == ("PUT", REPLAY) else {"POST": 201, "DELETE": 204}.get(method, 200)
    assert r.status_code == expected, f"{method} {template} as {role}: {r.status_code} {r.text[:500]!r}"
    check_reply(method, template, expected, r)


# === 1. authentication settings ===========================================================================

DEFAULT_AUTH = {"basic_auth_enabled": True, "oidc_auth_enabled": False, "saml_auth_enabled": False,
                "oidc_team_mapping_enabled": False, "idp_mapping_enabled": False, "konnect_mapping_enabled": True}


def test_authentication_settings_defaults(portal, mp):
    for token in (mp.token("viewer"), mp.root):
        assert call(portal, "GET", AUTH_SETTINGS, token, 200, ids=mp.ids()) == DEFAULT_AUTH


def test_authentication_settings_patch_and_oidc_config(portal, mp):
    editor, secret = mp.token("editor"), f"oidc-secret-{uuid.uuid4().hex}"
    flags = {"oidc_team_mapping_enabled": True, "konnect_mapping_enabled": False, "saml_auth_enabled": True,
             "idp_mapping_enabled": True}
    updated = call(portal, "PATCH", AUTH_SETTINGS, editor, 200, ids=mp.ids(), json=flags)
    assert updated == {**DEFAULT_AUTH, **flags}
    assert call(portal, "GET", AUTH_SETTINGS, editor, 200, ids=mp.ids()) == updated

    # oidc_config shows only once both the issuer and the client id are set.
    issuer = "https://identity.example.com/v2"
    only_issuer = call(portal, "PATCH", AUTH_SETTINGS, editor, 200, ids=mp.ids(), json={"oidc_issuer": issuer})
    assert "oidc_config" not in only_issuer, only_issuer
    r = admin(portal, "PATCH", V2 + AUTH_SETTINGS.format(**mp.ids()), editor,
              json={"oidc_client_id": "x7id0o42lklas0blidl2", "oidc_client_secret": secret})
    assert r.status_code == 200, r.text
    check_reply("PATCH", AUTH_SETTINGS, 200, r)
    assert secret not in r.text, "the client secret is write-only"
    with_client = r.json()
    config = with_client["oidc_config"]
    assert config["issuer"] == issuer and config["client_id"] == "x7id0o42lklas0blidl2", config
    assert config["scopes"] == DEFAULT_SCOPES, config
    assert isinstance(config["claim_mappings"], dict) and set(config["claim_mappings"]) <= {"name", "email", "groups"}
    assert "oidc_client_secret" not in with_client and "client_secret" not in config, with_client
    assert {k: with_client[k] for k in DEFAULT_AUTH} == {**DEFAULT_AUTH, **flags}

    more = call(portal, "PATCH", AUTH_SETTINGS, editor, 200, ids=mp.ids(),
                json={"oidc_scopes": ["openid", "groups"], "oidc_claim_mappings": {"groups": "roles"},
                      "oidc_auth_enabled": True})
    assert more["oidc_config"]["scopes"] == ["openid", "groups"], more
    assert more["oidc_config"]["claim_mappings"]["groups"] == "roles", more
    assert more["oidc_auth_enabled"] is True
    r = admin(portal, "GET", V2 + AUTH_SETTINGS.format(**mp.ids()), mp.token("viewer"))
    assert r.status_code == 200 and r.json() == more, r.text
    assert secret not in r.text
    # An empty PATCH changes nothing.
    assert call(portal, "PATCH", AUTH_SETTINGS, editor, 200, ids=mp.ids(), json={}) == more


def test_oidc_can_be_enabled_together_with_its_issuer_and_client_id(portal, mp):
    body = {"oidc_auth_enabled": True, "oidc_issuer": "http://idp.example.test/realm", "oidc_client_id": "cid"}
    updated = call(portal, "PATCH", AUTH_SETTINGS, mp.root, 200, ids=mp.ids(), json=body)
    assert updated["oidc_auth_enabled"] is True
    assert updated["oidc_config"]["issuer"] == body["oidc_issuer"] and updated["oidc_config"]["client_id"] == "cid"


@pytest.mark.parametrize("body,field,rule", [
    ({"basic_auth_enabled": "yes"}, "basic_auth_enabled", "is_boolean"),
    ({"konnect_mapping_enabled": 1}, "konnect_mapping_enabled", "is_boolean"),
    ({"saml_auth_enabled": None}, "saml_auth_enabled", None),
    ({"oidc_scopes": "x"}, "oidc_scopes", "is_array"),
    ({"oidc_scopes": [1, 2]}, "oidc_scopes*", None),
    ({"oidc_issuer": "not a url"}, "oidc_issuer", None),
    ({"oidc_issuer": "ftp://idp.example.com/"}, "oidc_issuer", None),
    ({"oidc_issuer": 5}, "oidc_issuer", "is_string"),
    ({"oidc_client_id": 5}, "oidc_client_id", "is_string"),
    ({"oidc_claim_mappings": "name"}, "oidc_claim_mappings*", None),
    ({"oidc_claim_mappings": {"nickname": "nick"}}, "oidc_claim_mappings*", None),
    ({"oidc_claim_mappings": {"name": 5}}, "oidc_claim_mappings*", None),
    ({"bogus": True}, "bogus", "unknown_property"),
    ({"oidc_auth_enabled": True}, "oidc_auth_enabled", "dependent_fields"),
    ({"oidc_auth_enabled": True, "oidc_issuer": "https://idp.example.com"}, "oidc_auth_enabled", "dependent_fields"),
    ({"oidc_auth_enabled": True, "oidc_client_id": "cid"}, "oidc_auth_enabled", "dependent_fields"),
    ({"basic_auth_enabled": False, "oidc_scopes": "x"}, "oidc_scopes", "is_array"),
], ids=lambda v: json.dumps(v)[:50] if isinstance(v, dict) else str(v))
def test_authentication_settings_bad_input_is_400_and_changes_nothing(portal, mp, body, field, rule):
    problem = call(portal, "PATCH", AUTH_SETTINGS, mp.token("editor"), 400, ids=mp.ids(), json=body)
    assert_invalid(problem, field, rule)
    assert call(portal, "GET", AUTH_SETTINGS, mp.root, 200, ids=mp.ids()) == DEFAULT_AUTH


def test_a_failed_authentication_settings_patch_keeps_the_stored_values(portal, mp):
    stored = call(portal, "PATCH", AUTH_SETTINGS, mp.root, 200, ids=mp.ids(), json={
        "oidc_issuer": "https://idp.example.com", "oidc_client_id": "cid", "oidc_auth_enabled": True,
        "konnect_mapping_enabled": False})
    for bad in ({"oidc_issuer": "nope", "basic_auth_enabled": False},
                {"oidc_client_id": "other", "oidc_scopes": [None]},
                {"konnect_mapping_enabled": True, "unknown": 1}):
        call(portal, "PATCH", AUTH_SETTINGS, mp.root, 400, ids=mp.ids(), json=bad)
        assert call(portal, "GET", AUTH_SETTINGS, mp.root, 200, ids=mp.ids()) == stored, bad


def test_basic_auth_disabled_refuses_password_login_and_sign_up(portal, mp, other_mp):
    dev = Dev(portal, mp.host, login=False)
    other_dev = Dev(portal, other_mp.host, login=False)
    call(portal, "PATCH", AUTH_SETTINGS, mp.token("editor"), 200, ids=mp.ids(), json={"basic_auth_enabled": False})

    r = dev.login()
    assert_message(r, 403)
    assert set_cookie_headers(r) == [], f"a refused login sets no cookie: {set_cookie_headers(r)}"
    r = dev.sign_up(email=new_email())
    assert_message(r, 403)
    # Other portals are not affected.
    assert other_dev.login().status_code == 204

    back = call(portal, "PATCH", AUTH_SETTINGS, mp.token("editor"), 200, ids=mp.ids(), json={"basic_auth_enabled": True})
    assert back["basic_auth_enabled"] is True
    r = dev.login()
    assert r.status_code == 204, r.text
    assert session_cookie(r)
    r = dev.sign_up(email=new_email())
    assert r.status_code == 200, r.text


# === 2. team group mappings ===============================================================================


def mappings_of(body: dict) -> dict[str, list[str]]:
    return {m["team_id"]: sorted(m["groups"]) for m in body["data"]}


def test_team_group_mappings_need_an_identity_provider(portal, mp):
    team = new_team(portal, mp)
    call(portal, "GET", TEAM_MAPPINGS, mp.root, 400, ids=mp.ids())
    call(portal, "PATCH", TEAM_MAPPINGS, mp.root, 400, ids=mp.ids(), json={"data": [{"team_id": team["id"], "groups": ["A"]}]})
    new_idp(portal, mp)
    listed = call(portal, "GET", TEAM_MAPPINGS, mp.root, 200, ids=mp.ids())
    assert listed["data"] == [] and listed["meta"]["page"]["total"] == 0, "the refused PATCH wrote nothing"


def test_team_group_mappings_are_available_with_an_oidc_issuer_in_the_auth_settings(portal, mp):
    call(portal, "PATCH", AUTH_SETTINGS, mp.root, 200, ids=mp.ids(), json={"oidc_issuer": "https://idp.example.com"})
    listed = call(portal, "GET", TEAM_MAPPINGS, mp.token("viewer"), 200, ids=mp.ids())
    assert listed["data"] == [] and listed["meta"]["page"]["total"] == 0, listed


def test_team_group_mappings_replace_per_team_and_an_empty_list_removes(portal, mp):
    new_idp(portal, mp)
    a, b, c = new_team(portal, mp), new_team(portal, mp), new_team(portal, mp)
    editor = mp.token("editor")
    body = call(portal, "PATCH", TEAM_MAPPINGS, editor, 200, ids=mp.ids(), json={"data": [
        {"team_id": a["id"], "groups": ["Tech Leads", "API Engineers"]}, {"team_id": b["id"], "groups": ["Managers"]}]})
    assert mappings_of(body) == {a["id"]: ["API Engineers", "Tech Leads"], b["id"]: ["Managers"]}, body
    assert body["meta"]["page"]["total"] == 2
    assert call(portal, "GET", TEAM_MAPPINGS, mp.token("viewer"), 200, ids=mp.ids()) == body

    # A team's groups are replaced wholesale; teams not named keep theirs.
    body = call(portal, "PATCH", TEAM_MAPPINGS, editor, 200, ids=mp.ids(),
                json={"data": [{"team_id": a["id"], "groups": ["Directors"]}]})
    assert mappings_of(body) == {a["id"]: ["Directors"], b["id"]: ["Managers"]}, body

    # Paging.
    first = call(portal, "GET", TEAM_MAPPINGS, editor, 200, ids=mp.ids(), params={"page[size]": 1, "page[number]": 1})
    second = call(portal, "GET", TEAM_MAPPINGS, editor, 200, ids=mp.ids(), params={"page[size]": 1, "page[number]": 2})
    assert len(first["data"]) == 1 and len(second["data"]) == 1, (first, second)
    assert first["meta"]["page"] == {"number": 1, "size": 1, "total": 2}, first
    assert {first["data"][0]["team_id"], second["data"][0]["team_id"]} == {a["id"], b["id"]}

    # An empty group list removes the team's mappings: only teams with a group are listed.
    body = call(portal, "PATCH", TEAM_MAPPINGS, editor, 200, ids=mp.ids(), json={"data": [{"team_id": b["id"], "groups": []}]})
    assert mappings_of(body) == {a["id"]: ["Directors"]} and body["meta"]["page"]["total"] == 1, body
    assert c["id"] not in mappings_of(body)
    assert call(portal, "GET", TEAM_MAPPINGS, editor, 200, ids=mp.ids()) == body


@pytest.mark.parametrize("make_body,field", [
    (lambda a, other: {"data": [{"team_id": random_id(), "groups": ["X"]}]}, "*team_id"),
    (lambda a, other: {"data": [{"team_id": "not-a-uuid", "groups": ["X"]}]}, "*team_id"),
    (lambda a, other: {"data": [{"team_id": other, "groups": ["X"]}]}, "*team_id"),
    (lambda a, other: {"data": [{"team_id": a, "groups": ["New"]}, {"team_id": random_id(), "groups": ["X"]}]}, "*team_id"),
    (lambda a, other: {"data": [{"team_id": a, "groups": "New"}]}, "*groups"),
    (lambda a, other: {"data": {"team_id": a, "groups": ["New"]}}, "data"),
    (lambda a, other: {"data": "x"}, "data"),
], ids=["unknown team", "non-uuid team", "another portal's team", "one good one unknown", "groups not array",
        "data an object", "data a string"])
def test_team_group_mappings_bad_input_is_400_and_changes_nothing(portal, mp, other_mp, make_body, field):
    new_idp(portal, mp)
    team = new_team(portal, mp)
    before = call(portal, "PATCH", TEAM_MAPPINGS, mp.root, 200, ids=mp.ids(), json={"data": [{"team_id": team["id"], "groups": ["Old"]}]})
    other_team = new_team(portal, other_mp)
    problem = call(portal, "PATCH", TEAM_MAPPINGS, mp.root, 400, ids=mp.ids(), json=make_body(team["id"], other_team["id"]))
    if field.startswith("*"):
        assert any(field[1:] in f for f in invalid(problem)), f"expected a field naming {field[1:]}: {problem}"
    else:
        assert_invalid(problem, field)
    assert call(portal, "GET", TEAM_MAPPINGS, mp.root, 200, ids=mp.ids()) == before


# === 3. identity providers ================================================================================


def test_create_oidc_identity_provider_with_defaults(portal, mp):
    secret = f"idp-secret-{uuid.uuid4().hex}"
    r = admin(portal, "POST", V2 + IDPS.format(**mp.ids()), mp.token("editor"), json={
        "type": "oidc", "config": {**OIDC_CONFIG, "client_secret": secret}})
    assert r.status_code == 201, r.text
    check_reply("POST", IDPS, 201, r)
    assert secret not in r.text, "client_secret is write-only"
    idp = r.json()
    assert UUID_RE.fullmatch(idp["id"]), idp
    assert (idp["type"], idp["enabled"], idp["login_path"]) == ("oidc", False, "oidc"), idp
    assert idp["config"] == {**OIDC_CONFIG, "scopes": DEFAULT_SCOPES, "claim_mappings": DEFAULT_CLAIMS}, idp
    assert_recent(idp["created_at"])
    assert idp["updated_at"] == idp["created_at"], idp
    r = admin(portal, "GET", V2 + IDP.format(**mp.ids(id=idp["id"])), mp.token("viewer"))
    assert r.status_code == 200 and r.json() == idp, r.text
    assert secret not in r.text
    listed = call(portal, "GET", IDPS, mp.token("viewer"), 200, ids=mp.ids())
    assert listed == [idp]


def test_create_oidc_identity_provider_with_every_field(portal, mp):
    config = {**OIDC_CONFIG, "scopes": ["openid", "groups"], "claim_mappings": {"name": "n", "email": "mail", "groups": "roles"}}
    idp = new_idp(portal, mp, enabled=True, login_path="corp-sso-1", config=config)
    assert (idp["enabled"], idp["login_path"], idp["config"]) == (True, "corp-sso-1", config), idp


def test_create_saml_identity_providers(portal, mp):
    by_url = new_idp(portal, mp, type="saml", config={"idp_metadata_url": "https://mocksaml.com/api/saml/metadata"})
    assert (by_url["type"], by_url["login_path"], by_url["enabled"]) == ("saml", "saml", False), by_url
    assert by_url["config"]["idp_metadata_url"] == "https://mocksaml.com/api/saml/metadata", by_url
    assert "idp_metadata_xml" not in by_url["config"] or by_url["config"]["idp_metadata_xml"] is None, by_url
    by_xml = new_idp(portal, mp, type="saml", login_path="saml-xml", config={"idp_metadata_xml": SAML_XML})
    assert by_xml["config"]["idp_metadata_xml"] == SAML_XML, by_xml
    plain = ('<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.org">'
             '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>')
    new_idp(portal, mp, type="saml", login_path="saml-plain", config={"idp_metadata_xml": plain})
    assert [p["id"] for p in call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids())][:2] == [by_url["id"], by_xml["id"]]


def test_a_login_path_is_unique_per_portal(portal, mp, other_mp):
    new_idp(portal, mp)  # login_path "oidc"
    call(portal, "POST", IDPS, mp.root, 409, ids=mp.ids(), json={"type": "oidc", "config": OIDC_CONFIG})
    saml = new_idp(portal, mp, type="saml", login_path="sso", config={"idp_metadata_url": "https://idp.example.com/md"})
    call(portal, "POST", IDPS, mp.root, 409, ids=mp.ids(), json={"type": "oidc", "login_path": "sso", "config": OIDC_CONFIG})
    call(portal, "PATCH", IDP, mp.root, 409, ids=mp.ids(id=saml["id"]), json={"login_path": "oidc"})
    assert len(call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids())) == 2
    assert call(portal, "GET", IDP, mp.root, 200, ids=mp.ids(id=saml["id"]))["login_path"] == "sso"
    # Another portal may use the same login path.
    new_idp(portal, other_mp, login_path="sso")


@pytest.mark.parametrize("body,field,rule", [
    ({"config": OIDC_CONFIG}, "type", None),
    ({"type": "ldap", "config": OIDC_CONFIG}, "type", None),
    ({"type": "oidc"}, "config", None),
    ({"type": "oidc", "config": "x"}, "config", None),
    ({"type": "oidc", "config": {**OIDC_CONFIG, "issuer_url": "not a url"}}, "config.issuer_url", None),
    ({"type": "oidc", "config": {**OIDC_CONFIG, "issuer_url": "ftp://idp.example.com"}}, "config.issuer_url", None),
    ({"type": "oidc", "config": {"client_id": "cid"}}, "config.issuer_url", None),
    ({"type": "oidc", "config": {"issuer_url": OIDC_CONFIG["issuer_url"]}}, "config.client_id", None),
    ({"type": "oidc", "config": {**OIDC_CONFIG, "client_id": ""}}, "config.client_id", None),
    ({"type": "oidc", "config": {**OIDC_CONFIG, "scopes": "openid"}}, "config.scopes", None),
    ({"type": "oidc", "config": {**OIDC_CONFIG, "claim_mappings": {"nick": "n"}}}, "config.claim_mappings*", None),
    ({"type": "oidc", "config": {**OIDC_CONFIG, "color": "blue"}}, "config.color", "unknown_property"),
    ({"type": "oidc", "config": {**OIDC_CONFIG, "idp_metadata_url": "https://idp.example.com/md"}},
     "config.idp_metadata_url", "unknown_property"),
    ({"type": "saml", "config": {"idp_metadata_xml": "<EntityDescriptor>"}}, "config.idp_metadata_xml", None),
    ({"type": "saml", "config": {"idp_metadata_xml": "<Foo xmlns='urn:x'/>"}}, "config.idp_metadata_xml", None),
    ({"type": "saml", "config": {"idp_metadata_xml": "not xml at all"}}, "config.idp_metadata_xml", None),
    ({"type": "saml", "config": {"idp_metadata_url": "not a url"}}, "config.idp_metadata_url", None),
    ({"type": "saml", "config": {}}, "config*", None),
    ({"type": "saml", "config": {"idp_metadata_url": "https://idp.example.com/md", "idp_metadata_xml": SAML_XML}}, "config*", None),
    ({"type": "saml", "config": {**OIDC_CONFIG}}, "config*", None),
    ({"type": "oidc", "config": OIDC_CONFIG, "enabled": "yes"}, "enabled", "is_boolean"),
    ({"type": "oidc", "config": OIDC_CONFIG, "login_path": "Not Valid"}, "login_path", None),
    ({"type": "oidc", "config": OIDC_CONFIG, "login_path": "UPPER"}, "login_path", None),
    ({"type": "oidc", "config": OIDC_CONFIG, "login_path": "/oidc"}, "login_path", None),
    ({"type": "oidc", "config": OIDC_CONFIG, "login_path": ""}, "login_path", None),
    ({"type": "oidc", "config": OIDC_CONFIG, "login_path": "a" * 65}, "login_path", None),
    ({"type": "oidc", "config": OIDC_CONFIG, "extra": 1}, "extra", "unknown_property"),
], ids=lambda v: json.dumps(v)[:60] if isinstance(v, dict) else str(v))
def test_create_identity_provider_bad_input_is_400_and_writes_nothing(portal, mp, body, field, rule):
    problem = call(portal, "POST", IDPS, mp.token("editor"), 400, ids=mp.ids(), json=body)
    assert_invalid(problem, field, rule)
    assert call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids()) == []


def test_a_login_path_of_64_characters_is_fine(portal, mp):
    path = "a-" + "0123456789" * 6 + "xy"
    assert len(path) == 64
    assert new_idp(portal, mp, login_path=path)["login_path"] == path


def test_saml_metadata_with_an_external_entity_is_not_expanded(portal, mp):
    xml = ('<?xml version="1.0"?><!DOCTYPE md [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
           '<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&xxe;"/>')
    r = admin(portal, "POST", V2 + IDPS.format(**mp.ids()), mp.root, json={"type": "saml", "config": {"idp_metadata_xml": xml}})
    assert r.status_code in (201, 400), r.text
    assert "root:" not in r.text
    for idp in call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids()):
        assert "root:" not in json.dumps(idp)


def test_only_one_identity_provider_is_enabled_at_a_time(portal, mp):
    first = new_idp(portal, mp, enabled=True)
    saml = {"idp_metadata_url": "https://idp.example.com/md"}
    problem = call(portal, "POST", IDPS, mp.root, 400, ids=mp.ids(), json={"type": "saml", "enabled": True, "config": saml})
    assert_invalid(problem, "enabled")
    assert [p["id"] for p in call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids())] == [first["id"]]

    second = new_idp(portal, mp, type="saml", config=saml)
    assert second["enabled"] is False
    problem = call(portal, "PATCH", IDP, mp.root, 400, ids=mp.ids(id=second["id"]), json={"enabled": True, "login_path": "other"})
    assert_invalid(problem, "enabled")
    assert call(portal, "GET", IDP, mp.root, 200, ids=mp.ids(id=second["id"])) == second, "the refused PATCH wrote nothing"

    # Re-enabling the enabled one is fine; after disabling it the other may be enabled.
    assert call(portal, "PATCH", IDP, mp.root, 200, ids=mp.ids(id=first["id"]), json={"enabled": True})["enabled"] is True
    assert call(portal, "PATCH", IDP, mp.root, 200, ids=mp.ids(id=first["id"]), json={"enabled": False})["enabled"] is False
    assert call(portal, "PATCH", IDP, mp.root, 200, ids=mp.ids(id=second["id"]), json={"enabled": True})["enabled"] is True
    enabled = [p["id"] for p in call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids()) if p["enabled"]]
    assert enabled == [second["id"]]


def test_list_identity_providers_in_creation_order_and_filtered_by_type(portal, mp, other_mp):
    made = []
    for i, kind in enumerate(["oidc", "saml", "oidc", "saml"]):
        config = OIDC_CONFIG if kind == "oidc" else {"idp_metadata_url": "https://idp.example.com/md"}
        made.append(new_idp(portal, mp, type=kind, login_path=f"{kind}-{i}", config=config))
        time.sleep(0.01)
    new_idp(portal, other_mp)
    listed = call(portal, "GET", IDPS, mp.token("viewer"), 200, ids=mp.ids())
    assert [p["id"] for p in listed] == [p["id"] for p in made]
    assert listed == made
    for params in ({"filter[type][eq]": "saml"}, {"filter[type]": "saml"}):
        saml = call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids(), params=params)
        assert [p["id"] for p in saml] == [made[1]["id"], made[3]["id"]], params
    oidc = call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids(), params={"filter[type][eq]": "oidc"})
    assert [p["id"] for p in oidc] == [made[0]["id"], made[2]["id"]]


def test_update_identity_provider(portal, mp):
    idp = new_idp(portal, mp, config={**OIDC_CONFIG, "client_secret": "first-secret", "scopes": ["openid"]})
    editor = mp.token("editor")
    ids = mp.ids(id=idp["id"])
    time.sleep(0.01)
    moved = call(portal, "PATCH", IDP, editor, 200, ids=ids, json={"login_path": "sso-2"})
    assert moved["login_path"] == "sso-2" and moved["config"] == idp["config"] and moved["created_at"] == idp["created_at"]
    assert parse_time(moved["updated_at"]) >= parse_time(idp["updated_at"])

    # config is replaced whole: what is not given goes back to its default (the secret is kept, unseen).
    new_config = {"issuer_url": "https://login.example.org/v2", "client_id": "second"}
    r = admin(portal, "PATCH", V2 + IDP.format(**ids), editor, json={"config": new_config})
    assert r.status_code == 200, r.text
    check_reply("PATCH", IDP, 200, r)
    assert r.json()["config"] == {**new_config, "scopes": DEFAULT_SCOPES, "claim_mappings": DEFAULT_CLAIMS}, r.json()
    assert "first-secret" not in r.text
    assert call(portal, "GET", IDP, editor, 200, ids=ids) == r.json()

    before = r.json()
    for body, field, rule in [
        ({"type": "saml"}, "type", "unknown_property"),
        ({"config": {"idp_metadata_url": "https://idp.example.com/md"}}, "config*", None),
        ({"config": {"issuer_url": "nope", "client_id": "x"}}, "config.issuer_url", None),
        ({"config": {"issuer_url": "https://idp.example.com"}}, "config.client_id", None),
        ({"login_path": "Bad Path"}, "login_path", None),
        ({"enabled": "true"}, "enabled", "is_boolean"),
        ({"login_path": "fine", "config": {"client_id": "x"}}, "config.issuer_url", None),
    ]:
        assert_invalid(call(portal, "PATCH", IDP, editor, 400, ids=ids, json=body), field, rule)
        assert call(portal, "GET", IDP, editor, 200, ids=ids) == before, body


def test_a_saml_provider_is_patched_with_saml_config(portal, mp):
    idp = new_idp(portal, mp, type="saml", config={"idp_metadata_url": "https://idp.example.com/md"})
    ids = mp.ids(id=idp["id"])
    updated = call(portal, "PATCH", IDP, mp.root, 200, ids=ids, json={"config": {"idp_metadata_xml": SAML_XML}})
    assert updated["config"]["idp_metadata_xml"] == SAML_XML and updated["type"] == "saml"
    assert not updated["config"].get("idp_metadata_url"), updated
    assert_invalid(call(portal, "PATCH", IDP, mp.root, 400, ids=ids, json={"config": OIDC_CONFIG}), "config*")
    assert_invalid(call(portal, "PATCH", IDP, mp.root, 400, ids=ids, json={"config": {"idp_metadata_xml": "<EntityDescriptor>"}}),
                   "config.idp_metadata_xml")
    assert call(portal, "GET", IDP, mp.root, 200, ids=ids) == updated


def test_delete_identity_provider(portal, mp):
    idp = new_idp(portal, mp)
    ids = mp.ids(id=idp["id"])
    call(portal, "DELETE", IDP, mp.token("editor"), 403, ids=ids)
    assert call(portal, "GET", IDP, mp.root, 200, ids=ids) == idp
    assert call(portal, "DELETE", IDP, mp.token("admin"), 204, ids=ids) is None
    call(portal, "GET", IDP, mp.root, 404, ids=ids)
    call(portal, "PATCH", IDP, mp.root, 404, ids=ids, json={"enabled": False})
    call(portal, "DELETE", IDP, mp.root, 404, ids=ids)
    assert call(portal, "GET", IDPS, mp.root, 200, ids=mp.ids()) == []
    # Its login path is free again.
    new_idp(portal, mp)


def test_identity_provider_ids_must_be_uuids(portal, mp):
    for method in ("GET", "PATCH", "DELETE"):
        problem = call(portal, method, IDP, mp.root, 400, ids=mp.ids(id="not-a-uuid"),
                       json={"enabled": False} if method == "PATCH" else None)
        assert_invalid(problem, "id")
        call(portal, method, IDP, mp.root, 404, ids=mp.ids(id=random_id()),
             json={"enabled": False} if method == "PATCH" else None)


# === 4. appearance ========================================================================================

NEW_PORTAL_APPEARANCE = {"theme_name": "mint_rocket", "use_custom_fonts": False, "custom_theme": None,
                         "custom_fonts": None, "text": None,
                         "images": {"logo": None, "favicon": None, "catalog_cover": None}}
SECTION = ["header", "body", "hero", "accent", "tertiary", "stroke", "footer"]
TEXT = ["header", "hero", "headings", "primary", "secondary", "accent", "link", "footer"]
BUTTON = ["primary_fill", "primary_text"]


def custom_theme(**overrides) -> dict:
    """Every colour of a custom theme; overrides as {"section.header": "#123"}."""
    colors = {
        "section": {k: {"value": "#ffffff", "description": f"section {k}"} for k in SECTION},
        "text": {k: {"value": "rgba(0,0,0,0.8)"} for k in TEXT},
        "button": {k: {"value": "#1155cb"} for k in BUTTON},
    }
    for key, value in overrides.items():
        group, name = key.split(".")
        colors[group][name] = {"value": value}
    return {"colors": colors}


def appearance(portal: Portal, mp: MP) -> dict:
    return call(portal, "GET", APPEARANCE, mp.root, 200, ids=mp.ids())


def theme_css(mp: MP) -> str:
    r = mp.get("/assets/theme.css")
    assert r.status_code == 200, f"/assets/theme.css: {r.status_code} {r.text[:300]!r}"
    assert r.headers.get("Content-Type", "").startswith("text/css"), r.headers
    return r.text


def test_appearance_defaults_are_the_v2_files_example(portal, root_token, mp):
    expected = spec().at("#/components/examples/GetAppearanceDefaultsExample1")["value"]
    for token in (mp.token("viewer"), root_token):
        assert call(portal, "GET", APPEARANCE_DEFAULTS, token, 200) == expected
    call(portal, "GET", APPEARANCE_DEFAULTS, None, 401)
    call(portal, "GET", APPEARANCE_DEFAULTS, "pt_" + "B" * 43, 401)


def test_a_new_portals_appearance(portal, mp):
    assert call(portal, "GET", APPEARANCE, mp.token("viewer"), 200, ids=mp.ids()) == NEW_PORTAL_APPEARANCE
    call(portal, "GET", LOGO, mp.root, 404, ids=mp.ids())
    call(portal, "GET", COVER, mp.root, 404, ids=mp.ids())
    assert mp.get("/assets/logo").status_code == 404


def test_custom_theme_fonts_and_text(portal, mp):
    theme = custom_theme(**{"section.header": "#a1b2c3", "section.body": "#abc", "section.hero": "#a1b2c3d4",
                            "section.stroke": "rgb(10, 20, 30)", "text.link": "rgba(0,0,0,0.5)",
                            "text.hero": "hsl(120, 50%, 40%)", "text.footer": "hsla(120,50%,40%,0.3)"})
    body = {"theme_name": "custom", "custom_theme": theme, "use_custom_fonts": True,
            "custom_fonts": {"base": "Inter", "code": "IBM Plex Mono", "headings": "Slabo 27px"},
            "text": {"catalog": {"welcome_message": "Hello <devs>", "primary_header": "All our APIs"}}}
    updated = call(portal, "PATCH", APPEARANCE, mp.token("editor"), 200, ids=mp.ids(), json=body)
    assert updated == {**NEW_PORTAL_APPEARANCE, **body}, updated
    assert call(portal, "GET", APPEARANCE, mp.token("viewer"), 200, ids=mp.ids()) == updated

    # The pages use it: theme.css carries the colours as custom properties; the home page links it.
    # Backgrounds and borders are kept as given; text colours too unless they would be unreadable on
    # their background (then they are moved towards black or white: docs/decisions.md), as the
    # half-transparent link colour here is.
    css = theme_css(mp)
    compact = re.sub(r"\s+", "", css).lower()
    for value in ("#a1b2c3", "#abc", "rgb(10, 20, 30)"):
        assert re.search(r"--[\w-]+:" + re.escape(value.replace(" ", "")), compact), \
            f"{value} is not the value of a custom property in theme.css:\n{css[:3000]}"
    home = mp.get("/")
    assert home.status_code == 200 and home.headers["Content-Type"].startswith("text/html"), home.text[:300]
    assert re.search(r'href="/assets/theme\.css(\?[^"]*)?"', home.text), home.text[:2000]
    # Another portal's stylesheet does not have it.
    assert "#a1b2c3" not in theme_css(MP(portal, mp.root)).lower()

    # PATCH changes only what it names; null clears.
    again = call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"use_custom_fonts": False, "text": None})
    assert again == {**updated, "use_custom_fonts": False, "text": None}
    back = call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"theme_name": "dark_mode", "custom_theme": None})
    assert back["theme_name"] == "dark_mode" and back["custom_theme"] is None and back["custom_fonts"] == body["custom_fonts"]
    assert appearance(portal, mp) == back


def test_the_custom_theme_can_be_stored_before_it_is_chosen(portal, mp):
    stored = call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"custom_theme": custom_theme()})
    assert stored["theme_name"] == "mint_rocket" and stored["custom_theme"] == custom_theme()
    chosen = call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"theme_name": "custom"})
    assert chosen["theme_name"] == "custom" and chosen["custom_theme"] == custom_theme()


@pytest.mark.parametrize("colour", ["red;}body{background:red", "url(x)", "#12345", "#ggg", "expression(alert(1))",
                                    "rgb(1,2,3);}body{color:red", "", "#fff}", "rgb(1,2,3) url(x)"])
def test_a_colour_that_is_not_a_colour_is_400_and_changes_nothing(portal, mp, colour):
    before = appearance(portal, mp)
    problem = call(portal, "PATCH", APPEARANCE, mp.root, 400, ids=mp.ids(),
                   json={"theme_name": "custom", "custom_theme": custom_theme(**{"section.header": colour})})
    assert_invalid(problem, "custom_theme.colors.section.header.value")
    assert appearance(portal, mp) == before
    if colour:
        assert colour not in theme_css(mp), "the refused value reached the stylesheet"


@pytest.mark.parametrize("body,field", [
    ({"theme_name": "custom"}, "theme_name"),
    ({"theme_name": "neon"}, "theme_name"),
    ({"theme_name": 5}, "theme_name"),
    ({"custom_theme": {"colors": {"section": {}, "text": {}, "button": {}}}}, "custom_theme*"),
    ({"custom_theme": {"colors": {k: v for k, v in custom_theme()["colors"].items() if k != "button"}}}, "custom_theme*"),
    ({"custom_theme": custom_theme(**{"button.primary_text": "#fff"}) | {"extra": 1}}, "custom_theme*"),
    ({"custom_theme": "dark"}, "custom_theme"),
    ({"custom_fonts": {"base": "Comic Sans", "code": "Roboto", "headings": "Roboto"}}, "custom_fonts.base"),
    ({"custom_fonts": {"base": "Roboto", "code": "Roboto"}}, "custom_fonts*"),
    ({"use_custom_fonts": "yes"}, "use_custom_fonts"),
    ({"text": {"catalog": {"welcome_message": "w" * 513, "primary_header": "p"}}}, "text.catalog.welcome_message"),
    ({"text": {"catalog": {"welcome_message": "w", "primary_header": "p" * 513}}}, "text.catalog.primary_header"),
    ({"images": {"banner": None}}, "images*"),
    ({"images": {"logo": {"filename": "x.png"}}}, "images.logo*"),
    ({"layout": "wide"}, "layout"),
], ids=lambda v: json.dumps(v)[:60] if isinstance(v, dict) else str(v))
def test_appearance_bad_input_is_400_and_changes_nothing(portal, mp, body, field):
    before = appearance(portal, mp)
    problem = call(portal, "PATCH", APPEARANCE, mp.token("editor"), 400, ids=mp.ids(), json=body)
    assert_invalid(problem, field)
    assert appearance(portal, mp) == before


def test_text_of_512_characters_is_fine(portal, mp):
    text = {"catalog": {"welcome_message": "w" * 512, "primary_header": "p" * 512}}
    assert call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"text": text})["text"] == text


def test_a_failed_appearance_patch_writes_none_of_its_good_members(portal, mp):
    call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"theme_name": "dark_mode"})
    before = appearance(portal, mp)
    png = data_url("image/png", tiny_png())
    call(portal, "PATCH", APPEARANCE, mp.root, 400, ids=mp.ids(), json={
        "theme_name": "mint_rocket", "use_custom_fonts": True, "images": {"logo": {"data": png}},
        "custom_theme": custom_theme(**{"text.link": "url(javascript:alert(1))"})})
    assert appearance(portal, mp) == before
    call(portal, "GET", LOGO, mp.root, 404, ids=mp.ids())


def test_images_are_stored_served_and_removed(portal, mp):
    png = tiny_png()
    logo_url, ico_url, gif_url = data_url("image/png", png), data_url("image/x-icon", tiny_ico()), data_url("image/gif", TINY_GIF)
    updated = call(portal, "PATCH", APPEARANCE, mp.token("editor"), 200, ids=mp.ids(), json={"images": {
        "logo": {"data": logo_url, "filename": "logo.png"}, "favicon": {"data": ico_url}, "catalog_cover": {"data": gif_url}}})
    assert updated["images"]["logo"] == {"data": logo_url, "filename": "logo.png"}, updated["images"]
    assert updated["images"]["favicon"]["data"] == ico_url and updated["images"]["catalog_cover"]["data"] == gif_url
    assert appearance(portal, mp) == updated

    r = call(portal, "GET", LOGO, mp.token("viewer"), 200, ids=mp.ids(), raw=True)
    assert r.content == png and r.headers["Content-Type"].split(";")[0] == "image/png", r.headers
    r = call(portal, "GET", COVER, mp.token("viewer"), 200, ids=mp.ids(), raw=True)
    assert r.content == TINY_GIF and r.headers["Content-Type"].split(";")[0] == "image/gif", r.headers
    r = mp.get("/assets/logo")
    assert r.status_code == 200 and r.content == png, (r.status_code, r.content[:100])
    assert r.headers["Content-Type"].split(";")[0] == "image/png", r.headers

    # Replacing the logo serves the new bytes; null removes it and leaves the others.
    other = tiny_png((255, 0, 0, 255))
    call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"images": {"logo": {"data": data_url("image/png", other)}}})
    assert call(portal, "GET", LOGO, mp.root, 200, ids=mp.ids(), raw=True).content == other
    removed = call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"images": {"logo": None}})
    assert removed["images"]["logo"] is None and removed["images"]["catalog_cover"]["data"] == gif_url, removed["images"]
    call(portal, "GET", LOGO, mp.root, 404, ids=mp.ids())
    assert mp.get("/assets/logo").status_code == 404
    assert call(portal, "GET", COVER, mp.root, 200, ids=mp.ids(), raw=True).content == TINY_GIF


def test_an_image_of_512_kib_is_fine_and_one_byte_more_is_not(portal, mp):
    limit = 512 * 1024
    exact = tiny_png(size=limit)
    assert len(exact) == limit and exact.startswith(b"\x89PNG\r\n\x1a\n")
    call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"images": {"logo": {"data": data_url("image/png", exact)}}})
    assert call(portal, "GET", LOGO, mp.root, 200, ids=mp.ids(), raw=True).content == exact
    before = appearance(portal, mp)
    problem = call(portal, "PATCH", APPEARANCE, mp.root, 400, ids=mp.ids(),
                   json={"images": {"logo": {"data": data_url("image/png", tiny_png(size=limit + 1))}}})
    assert_invalid(problem, "images.logo.data")
    assert appearance(portal, mp) == before


def test_logo_and_catalog_cover_replies(portal, mp):
    """200 with the stored bytes, no-store, and the image's own type: PNG as image/png (the v2 file's), JPEG as
    the registered image/jpeg (the v2 file writes image/jpg; docs/decisions.md)."""
    png = tiny_png((1, 2, 3, 255))
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF\x00" + b"\x00" * 20 + b"\xff\xd9"
    call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"images": {
        "logo": {"data": data_url("image/png", png)}, "catalog_cover": {"data": data_url("image/jpeg", jpeg)}}})
    documented = set(spec().response("GET", LOGO, 200)[0]["content"])
    assert documented == {"image/png", "image/jpg"}, documented
    for template, body, ctype in ((LOGO, png, "image/png"), (COVER, jpeg, "image/jpeg")):
        for role in ("viewer", "editor", "admin"):
            r = call(portal, "GET", template, mp.token(role), 200, ids=mp.ids(), raw=True)
            assert r.content == body, (template, r.content[:40])
            assert r.headers["Content-Type"].split(";")[0] == ctype, r.headers
            assert r.headers.get("Cache-Control") == "no-store", r.headers


def test_an_image_data_url_without_the_base64_marker_is_base64_too(portal, mp):
    """The v2 file's ImageDataUri pattern makes ";base64" optional but allows only base64 after the comma (its
    example is data:image/png,YW5f...): such data is decoded as base64, and replies carry ";base64"."""
    png = tiny_png((9, 9, 9, 255))
    plain = "data:image/png," + base64.b64encode(png).decode()
    assert re.fullmatch(spec().at("#/components/schemas/ImageDataUri")["pattern"], plain)
    updated = call(portal, "PATCH", APPEARANCE, mp.root, 200, ids=mp.ids(), json={"images": {"logo": {"data": plain}}})
    assert updated["images"]["logo"]["data"] == data_url("image/png", png), updated["images"]
    assert call(portal, "GET", LOGO, mp.root, 200, ids=mp.ids(), raw=True).content == png
    # Percent-encoded data (RFC 2397 without base64) is outside the pattern: refused.
    problem = call(portal, "PATCH", APPEARANCE, mp.root, 400, ids=mp.ids(),
                   json={"images": {"logo": {"data": "data:image/png," + quote(png, safe="")}}})
    assert_invalid(problem, "images.logo.data")


@pytest.mark.parametrize("member,value", [
    ("logo", data_url("image/png", b"just some text, not a picture")),
    ("logo", data_url("image/jpeg", tiny_png())),
    ("logo", data_url("image/gif", tiny_png())),
    ("logo", data_url("image/png", TINY_GIF)),
    ("logo", "data:text/html;base64," + base64.b64encode(b"<script>alert(1)</script>").decode()),
    ("logo", "data:image/svg+xml;base64," + base64.b64encode(b"<svg onload='alert(1)'/>").decode()),
    ("logo", "data:image/png;base64,@@@not-base64@@@"),
    ("logo", "https://example.com/logo.png"),
    ("logo", ""),
    ("favicon", data_url("image/x-icon", b"\x00\x00\x02\x00" + b"\x00" * 20)),
    ("catalog_cover", data_url("image/jpeg", b"not a jpeg")),
], ids=lambda v: v if len(str(v)) < 40 else str(v)[:40])
def test_an_image_that_is_not_what_it_says_is_400(portal, mp, member, value):
    before = appearance(portal, mp)
    problem = call(portal, "PATCH", APPEARANCE, mp.root, 400, ids=mp.ids(), json={"images": {member: {"data": value}}})
    assert_invalid(problem, f"images.{member}.data")
    assert appearance(portal, mp) == before


# === 5. customization =====================================================================================


def customization(portal: Portal, mp: MP) -> dict:
    return call(portal, "GET", CUSTOMIZATION, mp.token("viewer"), 200, ids=mp.ids())


def test_customization_put_replaces_and_patch_merges(portal, mp, other_mp):
    editor = mp.token("editor")
    assert customization(portal, mp) == {}
    doc = {"a": 1, "nested": {"x": 1, "y": {"deep": True}}, "list": [1, 2], "s": "text"}
    assert call(portal, "PUT", CUSTOMIZATION, editor, 200, ids=mp.ids(), json=doc) == doc
    assert customization(portal, mp) == doc

    merged = call(portal, "PATCH", CUSTOMIZATION, editor, 200, ids=mp.ids(),
                  json={"a": None, "nested": {"y": {"deep": None, "new": 2}, "z": 3}, "b": "new", "list": [3]})
    expected = {"nested": {"x": 1, "y": {"new": 2}, "z": 3}, "list": [3], "s": "text", "b": "new"}
    assert merged == expected
    assert customization(portal, mp) == expected
    # A scalar replaces an object; an object replaces a scalar.
    assert call(portal, "PATCH", CUSTOMIZATION, editor, 200, ids=mp.ids(), json={"nested": "flat", "s": {"k": "v"}}) == \
        {"nested": "flat", "list": [3], "s": {"k": "v"}, "b": "new"}
    assert call(portal, "PATCH", CUSTOMIZATION, editor, 200, ids=mp.ids(), json={}) == customization(portal, mp)
    # PUT replaces wholesale.
    assert call(portal, "PUT", CUSTOMIZATION, editor, 200, ids=mp.ids(), json={"only": True}) == {"only": True}
    assert call(portal, "PUT", CUSTOMIZATION, editor, 200, ids=mp.ids(), json={}) == {}
    assert customization(portal, mp) == {}
    assert customization(portal, other_mp) == {}


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("raw", [b"[]", b'[{"a": 1}]', b'"a string"', b"42", b"null", b"{not json", b'{"a": 1',
                                 b"\xff\xfe{}"], ids=lambda v: repr(v)[:30])
def test_customization_that_is_not_a_json_object_is_400(portal, mp, method, raw):
    call(portal, "PUT", CUSTOMIZATION, mp.root, 200, ids=mp.ids(), json={"kept": 1})
    call(portal, method, CUSTOMIZATION, mp.root, 400, ids=mp.ids(), data=raw)
    assert customization(portal, mp) == {"kept": 1}


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_customization_over_64_kib_is_400(portal, mp, method):
    fine = {"blob": "a" * 60000}
    assert call(portal, "PUT", CUSTOMIZATION, mp.root, 200, ids=mp.ids(), json=fine) == fine
    call(portal, method, CUSTOMIZATION, mp.root, 400, ids=mp.ids(), json={"blob": "b" * 70000})
    assert customization(portal, mp) == fine


def test_customization_roles(portal, mp):
    call(portal, "PUT", CUSTOMIZATION, mp.root, 200, ids=mp.ids(), json={"v": 1})
    assert call(portal, "GET", CUSTOMIZATION, mp.token("viewer"), 200, ids=mp.ids()) == {"v": 1}
    call(portal, "PUT", CUSTOMIZATION, mp.token("viewer"), 403, ids=mp.ids(), json={"v": 2})
    call(portal, "PATCH", CUSTOMIZATION, mp.token("viewer"), 403, ids=mp.ids(), json={"v": 2})
    assert customization(portal, mp) == {"v": 1}
    assert call(portal, "PUT", CUSTOMIZATION, mp.token("editor"), 200, ids=mp.ids(), json={"v": 3}) == {"v": 3}


# === 6. pages: the API ====================================================================================

PAGE_KEYS = {"id", "path", "title", "content", "public", "published", "created_at", "updated_at"}


def assert_page_shape(page: dict):
    assert set(page) in (PAGE_KEYS, PAGE_KEYS | {"description"}), f"page members {sorted(page)}"
    assert UUID_RE.fullmatch(page["id"]), page
    assert isinstance(page["public"], bool) and isinstance(page["published"], bool), page
    parse_time(page["created_at"])
    parse_time(page["updated_at"])


def test_create_and_get_a_page(portal, mp):
    page = new_page(portal, mp, mp.token("editor"), path="/getting-started", title="Getting Started",
                    content="Welcome to the *Getting Started* page.")
    assert_page_shape(page)
    assert (page["path"], page["title"], page["content"]) == ("/getting-started", "Getting Started",
                                                              "Welcome to the *Getting Started* page.")
    assert (page["public"], page["published"]) == (False, False), page
    assert "description" not in page, page
    assert_recent(page["created_at"])
    assert page["updated_at"] == page["created_at"]
    assert call(portal, "GET", PAGE, mp.token("viewer"), 200, ids=mp.ids(pageId=page["id"])) == page

    full = new_page(portal, mp, path="/about", title="About", content="# About", public=True, published=True,
                    description="Who we are")
    assert_page_shape(full)
    assert (full["public"], full["published"], full["description"]) == (True, True, "Who we are"), full


def test_the_limits_themselves_are_fine(portal, mp):
    page = new_page(portal, mp, path="/" + "p" * 511, title="t" * 512, content="a" * 1_000_000, description="d" * 160)
    assert len(page["path"]) == 512 and len(page["title"]) == 512 and len(page["content"]) == 1_000_000
    assert page["description"] == "d" * 160


@pytest.mark.parametrize("body,field,rule", [
    ({"title": "t", "content": "c"}, "path", "required"),
    ({"path": "no-slash", "title": "t", "content": "c"}, "path", None),
    ({"path": "", "title": "t", "content": "c"}, "path", None),
    ({"path": "/a/../b", "title": "t", "content": "c"}, "path", None),
    ({"path": "/..", "title": "t", "content": "c"}, "path", None),
    ({"path": "/a?b=1", "title": "t", "content": "c"}, "path", None),
    ({"path": "/a#frag", "title": "t", "content": "c"}, "path", None),
    ({"path": "/a b", "title": "t", "content": "c"}, "path", None),
    ({"path": "/a\tb", "title": "t", "content": "c"}, "path", None),
    ({"path": "/a\nb", "title": "t", "content": "c"}, "path", None),
    ({"path": "/api/v1/developer", "title": "t", "content": "c"}, "path", None),
    ({"path": "/api/", "title": "t", "content": "c"}, "path", None),
    ({"path": "/assets/theme.css", "title": "t", "content": "c"}, "path", None),
    ({"path": "/health", "title": "t", "content": "c"}, "path", None),
    ({"path": "/" + "p" * 512, "title": "t", "content": "c"}, "path", "max_length"),
    ({"path": 5, "title": "t", "content": "c"}, "path", "is_string"),
    ({"path": "/ok", "content": "c"}, "title", "required"),
    ({"path": "/ok", "title": "t" * 513, "content": "c"}, "title", "max_length"),
    ({"path": "/ok", "title": "t"}, "content", "required"),
    ({"path": "/ok", "title": "t", "content": "a" * 1_000_001}, "content", "max_length"),
    ({"path": "/ok", "title": "t", "content": "c", "description": "d" * 161}, "description", "max_length"),
    ({"path": "/ok", "title": "t", "content": "c", "public": "yes"}, "public", "is_boolean"),
    ({"path": "/ok", "title": "t", "content": "c", "published": 1}, "published", "is_boolean"),
    ({"path": "/ok", "title": "t", "content": "c", "slug": "ok"}, "slug", "unknown_property"),
    ({"path": "/ok", "title": "t", "content": "c", "visibility": "public"}, "visibility", "unknown_property"),
], ids=lambda v: json.dumps(v)[:50] if isinstance(v, dict) else str(v))
def test_create_page_bad_input_is_400_and_writes_nothing(portal, mp, body, field, rule):
    problem = call(portal, "POST", PAGES, mp.token("editor"), 400, ids=mp.ids(), json=body)
    assert_invalid(problem, field, rule)
    listed = call(portal, "GET", PAGES, mp.root, 200, ids=mp.ids())
    assert listed["data"] == [] and listed["meta"]["page"]["total"] == 0, listed


# Paths the portal's own pages answer (Sources/Handlers/Pages: any method, parameters included): a page there
# would get 201 and never be served.
PORTAL_ROUTED_PATHS = [
    "/login", "/logout", "/register", "/catalog", "/catalog/any-version", "/dashboard", "/profile", "/profile/password",
    "/applications", "/applications/new", "/applications/some-id", "/applications/some-id/edit", "/credentials",
    "/credentials/key-auth", "/favicon.ico", "/account/verify", "/account/forgot-password", "/account/reset-password",
    "/appearance-scheme",
]


@pytest.mark.parametrize("path", PORTAL_ROUTED_PATHS)
def test_a_page_cannot_take_a_path_the_portal_answers(portal, mp, path):
    problem = call(portal, "POST", PAGES, mp.token("editor"), 400, ids=mp.ids(), json={"path": path, "title": "t", "content": "c"})
    assert "reserved by the portal" in assert_invalid(problem, "path")["reason"], problem
    page = new_page(portal, mp, path="/movable")
    problem = call(portal, "PATCH", PAGE, mp.token("editor"), 400, ids=mp.ids(pageId=page["id"]), json={"path": path})
    assert_invalid(problem, "path")
    listed = call(portal, "GET", PAGES, mp.root, 200, ids=mp.ids())
    assert [p["path"] for p in listed["data"]] == ["/movable"], listed


def test_pages_next_to_the_portals_own_paths_are_served(portal, mp):
    for path in ("/account", "/account/help", "/login/", "/catalogue", "/applications-guide"):
        new_page(portal, mp, path=path, title="Next door", content="NEXT-DOOR-TEXT", public=True, published=True)
        r = mp.get(path)
        assert_html(r, 200)
        assert "NEXT-DOOR-TEXT" in r.text, (path, r.text[:500])
    assert "NEXT-DOOR-TEXT" not in mp.get("/login").text


def test_a_page_of_a_million_non_ascii_characters_is_accepted_and_one_more_is_not(portal, mp):
    """Through nginx and the worker: each "é" goes as a \\u00e9 escape (requests' JSON), 6 MB in all, over the
    1 MiB limit of other paths; /api/v2 takes up to 8 MiB."""
    content = "é" * 1_000_000
    assert len(json.dumps({"content": content})) > 6_000_000
    page = new_page(portal, mp, path="/big", content=content)
    assert page["content"] == content
    problem = call(portal, "POST", PAGES, mp.root, 400, ids=mp.ids(), json={"path": "/bigger", "title": "t", "content": content + "é"})
    assert_invalid(problem, "content", "max_length")
    # Over 8 MiB: nginx refuses it before the worker reads it.
    r = portal.raw("POST", V2 + PAGES.format(**mp.ids()), {"Authorization": f"Bearer {mp.root}", "Content-Type": "application/json"},
                   b'{"content":"' + b"a" * (8 * 1024 * 1024) + b'"}', timeout=30)
    assert r.status == 413, (r.status, r.body[:300])
    # In the family's format, like the worker's own 413.
    assert r.headers["content-type"] == "application/problem+json", r.headers
    problem = json.loads(r.body)
    assert problem["status"] == 413 and problem["title"] == "Payload Too Large" and problem["instance"].startswith("portal:trace:"), problem
    assert [p["path"] for p in call(portal, "GET", PAGES, mp.root, 200, ids=mp.ids())["data"]] == ["/big"]


def test_a_path_is_unique_in_its_portal_only(portal, mp, other_mp):
    first = new_page(portal, mp, path="/docs")
    assert_invalid(call(portal, "POST", PAGES, mp.root, 400, ids=mp.ids(), json={"path": "/docs", "title": "t", "content": "c"}),
                   "path")
    second = new_page(portal, mp, path="/docs/")  # a trailing slash makes another path
    assert_invalid(call(portal, "PATCH", PAGE, mp.root, 400, ids=mp.ids(pageId=second["id"]), json={"path": "/docs"}), "path")
    assert call(portal, "GET", PAGE, mp.root, 200, ids=mp.ids(pageId=second["id"])) == second
    assert new_page(portal, other_mp, path="/docs")["path"] == "/docs"
    assert call(portal, "GET", PAGES, mp.root, 200, ids=mp.ids())["meta"]["page"]["total"] == 2
    assert call(portal, "GET", PAGE, mp.root, 200, ids=mp.ids(pageId=first["id"])) == first


def test_update_a_page(portal, mp):
    page = new_page(portal, mp, description="old")
    ids = mp.ids(pageId=page["id"])
    time.sleep(0.01)
    updated = call(portal, "PATCH", PAGE, mp.token("editor"), 200, ids=ids, json={"title": "New title", "public": True})
    assert updated == {**page, "title": "New title", "public": True, "updated_at": updated["updated_at"]}, updated
    assert parse_time(updated["updated_at"]) >= parse_time(page["updated_at"])
    updated = call(portal, "PATCH", PAGE, mp.token("editor"), 200, ids=ids,
                   json={"path": "/moved", "content": "# Moved", "published": True, "description": "new"})
    assert (updated["path"], updated["content"], updated["published"], updated["description"]) == ("/moved", "# Moved", True, "new")
    assert call(portal, "GET", PAGE, mp.root, 200, ids=ids) == updated
    for body, field, rule in [({"path": "relative"}, "path", None), ({"title": "t" * 513}, "title", "max_length"),
                              ({"title": "ok", "public": "no"}, "public", "is_boolean"),
                              ({"path": "/assets/x", "title": "ok"}, "path", None),
                              ({"id": random_id()}, "id", "unknown_property"),
                              ({"description": "d" * 161}, "description", "max_length")]:
        assert_invalid(call(portal, "PATCH", PAGE, mp.root, 400, ids=ids, json=body), field, rule)
        assert call(portal, "GET", PAGE, mp.root, 200, ids=ids) == updated, body


def test_delete_a_page(portal, mp):
    page = new_page(portal, mp)
    ids = mp.ids(pageId=page["id"])
    call(portal, "DELETE", PAGE, mp.token("editor"), 403, ids=ids)
    assert call(portal, "GET", PAGE, mp.root, 200, ids=ids) == page
    assert call(portal, "DELETE", PAGE, mp.token("admin"), 204, ids=ids) is None
    call(portal, "GET", PAGE, mp.root, 404, ids=ids)
    call(portal, "PATCH", PAGE, mp.root, 404, ids=ids, json={"title": "x"})
    call(portal, "DELETE", PAGE, mp.root, 404, ids=ids)
    # Its path is free again.
    new_page(portal, mp, path=page["path"])


def test_page_ids_must_be_uuids(portal, mp):
    for method in ("GET", "PATCH", "DELETE"):
        body = {"title": "x"} if method == "PATCH" else None
        assert_invalid(call(portal, method, PAGE, mp.root, 400, ids=mp.ids(pageId="nope"), json=body), "pageId")
        call(portal, method, PAGE, mp.root, 404, ids=mp.ids(pageId=random_id()), json=body)


@pytest.fixture
def five_pages(portal, mp) -> list[dict]:
    specs = [("/c", "Charlie guide", True, True), ("/a", "Alpha guide", False, True), ("/e", "Echo", True, False),
             ("/b", "Bravo guide", False, False), ("/d", "Delta", True, True)]
    made = []
    for path, title, public, published in specs:
        made.append(new_page(portal, mp, path=path, title=title, public=public, published=published))
        time.sleep(0.005)
    return made


def list_pages(portal: Portal, mp: MP, **params) -> dict:
    return call(portal, "GET", PAGES, mp.token("viewer"), 200, ids=mp.ids(), params=params)


def test_list_pages_pages_through_all(portal, mp, five_pages):
    everything = list_pages(portal, mp)
    assert everything["meta"]["page"] == {"number": 1, "size": 10, "total": 5}, everything["meta"]
    assert sorted(p["id"] for p in everything["data"]) == sorted(p["id"] for p in five_pages)
    for page in everything["data"]:
        assert_page_shape(page)
    seen = []
    for number in (1, 2, 3):
        body = list_pages(portal, mp, **{"page[size]": 2, "page[number]": number, "sort": "path"})
        assert body["meta"]["page"] == {"number": number, "size": 2, "total": 5}, body["meta"]
        seen += [p["path"] for p in body["data"]]
    assert seen == ["/a", "/b", "/c", "/d", "/e"]
    assert list_pages(portal, mp, **{"page[size]": 2, "page[number]": 4})["data"] == []


def test_list_pages_sorts(portal, mp, five_pages):
    assert [p["path"] for p in list_pages(portal, mp, sort="path")["data"]] == ["/a", "/b", "/c", "/d", "/e"]
    assert [p["path"] for p in list_pages(portal, mp, sort="-path")["data"]] == ["/e", "/d", "/c", "/b", "/a"]
    assert [p["title"] for p in list_pages(portal, mp, sort="title")["data"]] == \
        ["Alpha guide", "Bravo guide", "Charlie guide", "Delta", "Echo"]
    publics = [p["public"] for p in list_pages(portal, mp, sort="public,path")["data"]]
    assert publics == sorted(publics), publics
    publics = [p["public"] for p in list_pages(portal, mp, sort="-public,path")["data"]]
    assert publics == sorted(publics, reverse=True), publics
    for attribute in ("created_at", "updated_at"):
        times = [parse_time(p[attribute]) for p in list_pages(portal, mp, sort=attribute)["data"]]
        assert times == sorted(times), attribute
        times = [parse_time(p[attribute]) for p in list_pages(portal, mp, sort="-" + attribute)["data"]]
        assert times == sorted(times, reverse=True), attribute
    for bad in ("content", "bogus", "-description"):
        assert_invalid(call(portal, "GET", PAGES, mp.root, 400, ids=mp.ids(), params={"sort": bad}), "sort")


def test_list_pages_filters(portal, mp, five_pages):
    def paths(**params):
        return sorted(p["path"] for p in list_pages(portal, mp, **params)["data"])

    assert paths(**{"filter[path][eq]": "/c"}) == ["/c"]
    assert paths(**{"filter[path][eq]": "/zz"}) == []
    assert paths(**{"filter[title][contains]": "guide"}) == ["/a", "/b", "/c"]
    # Boolean filters take a bare value (the v2 file's BooleanFieldFilter), like every management list.
    assert paths(**{"filter[public]": "true"}) == ["/c", "/d", "/e"]
    assert paths(**{"filter[public]": "false"}) == ["/a", "/b"]
    assert paths(**{"filter[published]": "true"}) == ["/a", "/c", "/d"]
    assert paths(**{"filter[published]": "false", "filter[public]": "true"}) == ["/e"]
    body = list_pages(portal, mp, **{"filter[title][contains]": "guide", "page[size]": 1})
    assert body["meta"]["page"]["total"] == 3 and len(body["data"]) == 1


# === 6. pages: how the portal serves them ==================================================================


def assert_html(r: requests.Response, status: int):
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:300]!r}"
    assert r.headers.get("Content-Type", "").startswith("text/html"), r.headers


MARKDOWN = """# Hello Markdown

Some **bold** text and `code`.

| Name | Value |
|------|-------|
| a    | 1     |
"""


def test_a_published_public_page_is_served_as_rendered_html(portal, mp, other_mp):
    page = new_page(portal, mp, path="/guide", title="Hello Page", content=MARKDOWN, public=True, published=True)
    r = mp.get("/guide")
    assert_html(r, 200)
    html = r.text
    assert re.search(r"<h1[^>]*>\s*Hello Markdown\s*</h1>", html), html[:3000]
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html, html[:3000]
    assert "<table>" in html or "<table " in html, html[:3000]
    assert re.search(r"<title>[^<]*Hello Page[^<]*</title>", html), html[:1000]
    # HEAD answers like GET, without the body.
    head = mp.get("/guide", method="HEAD")
    assert head.status_code == 200 and head.content == b"", (head.status_code, head.content[:100])
    assert head.headers.get("Content-Type", "").startswith("text/html")
    # The page belongs to its portal only; a trailing slash is another path.
    assert_html(other_mp.get("/guide"), 404)
    assert_html(mp.get("/guide/"), 404)

    # A change shows at once; a deleted page is gone.
    call(portal, "PATCH", PAGE, mp.root, 200, ids=mp.ids(pageId=page["id"]), json={"content": "Changed *now*"})
    r = mp.get("/guide")
    assert_html(r, 200)
    assert "<em>now</em>" in r.text and "Hello Markdown" not in r.text
    call(portal, "DELETE", PAGE, mp.root, 204, ids=mp.ids(pageId=page["id"]))
    assert_html(mp.get("/guide"), 404)


def test_a_trailing_slash_is_a_different_page(portal, mp):
    new_page(portal, mp, path="/docs", title="Docs", content="DOCS-WITHOUT-SLASH", public=True, published=True)
    new_page(portal, mp, path="/docs/", title="Docs index", content="DOCS-WITH-SLASH", public=True, published=True)
    plain, slash = mp.get("/docs"), mp.get("/docs/")
    assert_html(plain, 200)
    assert_html(slash, 200)
    assert "DOCS-WITHOUT-SLASH" in plain.text and "DOCS-WITH-SLASH" not in plain.text
    assert "DOCS-WITH-SLASH" in slash.text and "DOCS-WITHOUT-SLASH" not in slash.text


def test_raw_html_and_javascript_links_are_not_emitted(portal, mp):
    content = ("# Safe\n\n<script>alert(1)</script>\n\nText <img src=x onerror=alert(1)> here.\n\n"
               "[x](javascript:alert(1)) and [y](JaVaScRiPt:alert(2))\n\n<a href=\"javascript:alert(3)\">z</a>\n\n"
               "<div onmouseover=\"alert(4)\">hover</div>\n")
    new_page(portal, mp, path="/xss", title="Hi <script>alert(5)</script>", content=content, public=True, published=True)
    r = mp.get("/xss")
    assert_html(r, 200)
    lowered = r.text.lower()
    for needle in ("<script", "onerror", "javascript:", "onmouseover"):
        assert needle not in lowered, f"{needle!r} in the page:\n{r.text[:3000]}"
    assert re.search(r"<h1[^>]*>\s*Safe\s*</h1>", r.text), r.text[:2000]


def test_unpublished_and_non_public_pages(portal, mp, other_mp):
    new_page(portal, mp, path="/draft", title="Draft", content="DRAFT-CONTENT", public=True, published=False)
    r = mp.get("/draft")
    assert_html(r, 404)
    assert "DRAFT-CONTENT" not in r.text

    page = new_page(portal, mp, path="/members", title="Members", content="MEMBERS-ONLY-CONTENT", published=True)
    r = mp.get("/members")
    assert_html(r, 401)
    assert "MEMBERS-ONLY-CONTENT" not in r.text
    dev = Dev(portal, mp.host)
    r = mp.get("/members", cookie=dev.cookie)
    assert_html(r, 200)
    assert "MEMBERS-ONLY-CONTENT" in r.text
    # A session of another portal's developer is no session here; a made-up cookie neither.
    stranger = Dev(portal, other_mp.host)
    for cookie in (stranger.cookie, "A" * 43):
        r = mp.get("/members", cookie=cookie)
        assert_html(r, 401)
        assert "MEMBERS-ONLY-CONTENT" not in r.text
    # Made public, anyone sees it; unpublished, nobody.
    call(portal, "PATCH", PAGE, mp.root, 200, ids=mp.ids(pageId=page["id"]), json={"public": True})
    assert "MEMBERS-ONLY-CONTENT" in mp.get("/members").text
    call(portal, "PATCH", PAGE, mp.root, 200, ids=mp.ids(pageId=page["id"]), json={"published": False})
    assert_html(mp.get("/members", cookie=dev.cookie), 404)


def test_a_page_at_the_root_replaces_the_home_page(portal, mp):
    default_home = mp.get("/")
    assert_html(default_home, 200)
    new_page(portal, mp, path="/", title="Home", content="# Custom Home\n\nCUSTOM-HOME-TEXT", public=True, published=True)
    r = mp.get("/")
    assert_html(r, 200)
    assert "CUSTOM-HOME-TEXT" in r.text and re.search(r"<h1[^>]*>\s*Custom Home\s*</h1>", r.text), r.text[:2000]
    assert "Get started with the developer API" not in r.text


# === 7. audit-log destinations ============================================================================

# No `skip_ssl_verification`: certificates are always checked against the system's trust store
# (docs/decisions.md); the member is refused as unknown.
DESTINATION_KEYS = {"id", "name", "endpoint", "log_format", "authorization_set", "created_at", "updated_at"}


def all_destinations(portal: Portal, token: str) -> list[dict]:
    found, number = [], 1
    while True:
        body = call(portal, "GET", DESTINATIONS, token, 200, params={"page[size]": 100, "page[number]": number})
        assert set(body["meta"]["page"]) >= {"number", "size", "total"}, body["meta"]
        found += body["data"]
        if len(found) >= body["meta"]["page"]["total"] or not body["data"]:
            return found
        number += 1


def test_create_read_update_and_delete_a_destination(portal, root_token, mp):
    name, secret = f"dest-{uuid.uuid4().hex[:12]}", f"Bearer dest-secret-{uuid.uuid4().hex}"
    r = admin(portal, "POST", V2 + DESTINATIONS, root_token,
              json={"name": name, "endpoint": "https://audit.example.com/hook", "authorization": secret})
    assert r.status_code == 201, r.text
    check_reply("POST", DESTINATIONS, 201, r)
    assert secret not in r.text and "dest-secret" not in r.text, "authorization is write-only"
    created = r.json()
    assert set(created) >= DESTINATION_KEYS, f"members {sorted(created)}, expected at least {sorted(DESTINATION_KEYS)}"
    assert "authorization" not in created, created
    assert UUID_RE.fullmatch(created["id"])
    assert (created["name"], created["endpoint"], created["log_format"], created["authorization_set"]) == \
        (name, "https://audit.example.com/hook", "json", True), created
    assert_recent(created["created_at"])
    ids = {"destinationId": created["id"]}

    # Any valid token reads; the list is paged.
    for token in (root_token, mp.token("viewer")):
        r = admin(portal, "GET", V2 + DESTINATION.format(**ids), token)
        assert r.status_code == 200 and r.json() == created, r.text
        assert "dest-secret" not in r.text
    listed = all_destinations(portal, mp.token("viewer"))
    assert created in listed
    assert "dest-secret" not in json.dumps(listed)

    updated = call(portal, "PATCH", DESTINATION, root_token, 200, ids=ids,
                   json={"name": name + "-2", "authorization": "Bearer other"})
    assert updated == {**created, "name": name + "-2", "updated_at": updated["updated_at"]}
    assert call(portal, "GET", DESTINATION, root_token, 200, ids=ids) == updated

    assert call(portal, "DELETE", DESTINATION, root_token, 204, ids=ids) is None
    call(portal, "GET", DESTINATION, root_token, 404, ids=ids)
    call(portal, "DELETE", DESTINATION, root_token, 404, ids=ids)
    assert created["id"] not in [d["id"] for d in all_destinations(portal, root_token)]


def test_destination_writes_need_the_root_token(portal, root_token, mp):
    dest = new_destination(portal, root_token)
    ids = {"destinationId": dest["id"]}
    for role in ("viewer", "editor", "admin"):
        token = mp.token(role)
        call(portal, "POST", DESTINATIONS, token, 403, json={"name": f"n-{uuid.uuid4().hex[:8]}", "endpoint": "https://x.example"})
        call(portal, "PATCH", DESTINATION, token, 403, ids=ids, json={"name": "taken-over"})
        call(portal, "DELETE", DESTINATION, token, 403, ids=ids)
    assert call(portal, "GET", DESTINATION, root_token, 200, ids=ids) == dest
    for token in (None, "pt_" + "C" * 43):
        call(portal, "GET", DESTINATIONS, token, 401)
        call(portal, "POST", DESTINATIONS, token, 401, json={"name": "x", "endpoint": "https://x.example"})
        call(portal, "GET", DESTINATION, token, 401, ids=ids)


@pytest.mark.parametrize("body,field,rule", [
    ({"endpoint": "https://x.example"}, "name", "required"),
    ({"name": "", "endpoint": "https://x.example"}, "name", None),
    ({"name": "n" * 256, "endpoint": "https://x.example"}, "name", None),
    ({"name": 5, "endpoint": "https://x.example"}, "name", "is_string"),
    ({"name": "ok"}, "endpoint", "required"),
    ({"name": "ok", "endpoint": "ftp://x.example/hook"}, "endpoint", None),
    ({"name": "ok", "endpoint": "not a url"}, "endpoint", None),
    ({"name": "ok", "endpoint": "javascript:alert(1)"}, "endpoint", None),
    ({"name": "ok", "endpoint": "https://x.example", "log_format": "cef"}, "log_format", None),
    ({"name": "ok", "endpoint": "https://x.example", "skip_ssl_verification": True}, "skip_ssl_verification", "unknown_property"),
    ({"name": "ok", "endpoint": "https://x.example", "authorization": 5}, "authorization", "is_string"),
    ({"name": "ok", "endpoint": "https://x.example", "color": "red"}, "color", "unknown_property"),
], ids=lambda v: json.dumps(v)[:50] if isinstance(v, dict) else str(v))
def test_create_destination_bad_input_is_400_and_writes_nothing(portal, root_token, body, field, rule):
    if body.get("name") == "ok":
        body = {**body, "name": f"bad-{uuid.uuid4().hex[:12]}"}
    problem = call(portal, "POST", DESTINATIONS, root_token, 400, json=body)
    assert_invalid(problem, field, rule)
    if isinstance(body.get("name"), str) and body["name"]:
        assert body["name"] not in [d["name"] for d in all_destinations(portal, root_token)]


def test_destination_names_are_unique_and_bad_updates_change_nothing(portal, root_token):
    a, b = new_destination(portal, root_token), new_destination(portal, root_token)
    call(portal, "POST", DESTINATIONS, root_token, 409, json={"name": a["name"], "endpoint": "https://x.example"})
    ids = {"destinationId": b["id"]}
    call(portal, "PATCH", DESTINATION, root_token, 409, ids=ids, json={"name": a["name"]})
    for body, field in [({"endpoint": "ftp://x"}, "endpoint"), ({"endpoint": "not a url"}, "endpoint"),
                        ({"name": "fine-name", "log_format": "xml"}, "log_format"), ({"id": random_id()}, "id")]:
        assert_invalid(call(portal, "PATCH", DESTINATION, root_token, 400, ids=ids, json=body), field)
    assert call(portal, "GET", DESTINATION, root_token, 200, ids=ids) == b


# === 8. the audit-log webhook: configuration ==============================================================


def webhook(portal: Portal, mp: MP) -> dict:
    return call(portal, "GET", WEBHOOK, mp.token("viewer"), 200, ids=mp.ids())


def webhook_status(portal: Portal, mp: MP) -> dict:
    return call(portal, "GET", WEBHOOK_STATUS, mp.token("viewer"), 200, ids=mp.ids())


def test_webhook_configuration(portal, root_token, mp):
    assert webhook(portal, mp) == {"enabled": False}
    assert webhook_status(portal, mp) == {"webhook_enabled": False, "webhook_status": "inactive"}
    dest = new_destination(portal, root_token)
    admin_token = mp.token("admin")

    call(portal, "PATCH", WEBHOOK, mp.token("editor"), 403, ids=mp.ids(), json={"audit_log_destination_id": dest["id"]})
    assert webhook(portal, mp) == {"enabled": False}
    configured = call(portal, "PATCH", WEBHOOK, admin_token, 200, ids=mp.ids(), json={"audit_log_destination_id": dest["id"]})
    assert configured == {"enabled": False, "audit_log_destination_id": dest["id"]}
    assert webhook(portal, mp) == configured
    enabled = call(portal, "PATCH", WEBHOOK, admin_token, 200, ids=mp.ids(), json={"enabled": True})
    assert enabled == {"enabled": True, "audit_log_destination_id": dest["id"]}
    status = webhook_status(portal, mp)
    assert status["webhook_enabled"] is True, status

    # A destination in use cannot be deleted.
    call(portal, "DELETE", DESTINATION, root_token, 409, ids={"destinationId": dest["id"]})
    call(portal, "DELETE", WEBHOOK, mp.token("editor"), 403, ids=mp.ids())
    assert webhook(portal, mp) == enabled
    assert call(portal, "DELETE", WEBHOOK, admin_token, 204, ids=mp.ids()) is None
    assert webhook(portal, mp) == {"enabled": False}
    assert webhook_status(portal, mp)["webhook_enabled"] is False
    assert call(portal, "DELETE", DESTINATION, root_token, 204, ids={"destinationId": dest["id"]}) is None


@pytest.mark.parametrize("body,field,rule", [
    ({"enabled": True}, "enabled", None),
    ({"audit_log_destination_id": "not-a-uuid"}, "audit_log_destination_id", None),
    ({"audit_log_destination_id": "RANDOM"}, "audit_log_destination_id", None),
    ({"audit_log_destination_id": 5}, "audit_log_destination_id", None),
    ({"enabled": "yes"}, "enabled", "is_boolean"),
    ({"endpoint": "https://x.example"}, "endpoint", "unknown_property"),
], ids=lambda v: json.dumps(v)[:50] if isinstance(v, dict) else str(v))
def test_webhook_bad_input_is_400_and_changes_nothing(portal, mp, body, field, rule):
    if body.get("audit_log_destination_id") == "RANDOM":
        body = {"audit_log_destination_id": random_id()}
    problem = call(portal, "PATCH", WEBHOOK, mp.root, 400, ids=mp.ids(), json=body)
    assert_invalid(problem, field, rule)
    assert webhook(portal, mp) == {"enabled": False}


def test_a_webhook_pointing_at_a_deleted_destination_is_refused(portal, root_token, mp):
    dest = new_destination(portal, root_token)
    call(portal, "DELETE", DESTINATION, root_token, 204, ids={"destinationId": dest["id"]})
    problem = call(portal, "PATCH", WEBHOOK, mp.root, 400, ids=mp.ids(), json={"audit_log_destination_id": dest["id"], "enabled": True})
    assert_invalid(problem, "audit_log_destination_id")
    assert webhook(portal, mp) == {"enabled": False}


# === 8. the audit-log webhook: deliveries =================================================================


class Receiver:
    """An HTTP server on 127.0.0.1 that records every request (path, headers, body, the status it answered)
    and answers `status`. It can be stopped and started again on the same port."""

    def __init__(self):
        self.lock = threading.Lock()
        self.requests: list[dict] = []
        self.status = 200
        self.port = 0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self):
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = b""
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            self.rfile.readline()
                            break
                        body += self.rfile.read(size)
                        self.rfile.readline()
                else:
                    body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with owner.lock:
                    status = owner.status
                    owner.requests.append({"method": "POST", "path": self.path, "headers": self.headers, "body": body,
                                           "status": status})
                payload = b"ok" if status < 300 else b"receiver failure"
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def snapshot(self) -> list[dict]:
        with self.lock:
            return list(self.requests)

    def entries(self, only_status: int | None = 200, since: int = 0) -> list[dict]:
        """The entries of the deliveries answered `only_status` (None: all), from request number `since` on."""
        found = []
        for req in self.snapshot()[since:]:
            if only_status is None or req["status"] == only_status:
                body = json.loads(req["body"])
                assert isinstance(body, list), f"a delivery is a JSON array: {req['body'][:300]!r}"
                found += body
        return found


@pytest.fixture
def receiver():
    r = Receiver()
    r.start()
    yield r
    r.stop()


HOOK_AUTH = "Bearer hook-secret"


@pytest.fixture
def hooked(portal, root_token, mp, receiver):
    """mp's webhook enabled with a destination pointing at `receiver` (Authorization "Bearer hook-secret").
    Teardown disables it, so no delivery is attempted once the receiver is gone."""
    dest = new_destination(portal, root_token, endpoint=receiver.url, authorization=HOOK_AUTH)
    config = call(portal, "PATCH", WEBHOOK, mp.token("admin"), 200, ids=mp.ids(),
                  json={"audit_log_destination_id": dest["id"], "enabled": True})
    assert config == {"enabled": True, "audit_log_destination_id": dest["id"]}
    yield dest
    admin(portal, "PATCH", V2 + WEBHOOK.format(**mp.ids()), root_token, json={"enabled": False})


ENTRY_KEYS = {"id", "portal_id", "timestamp", "action", "target_type", "target_id", "outcome", "token_id", "client_address"}


def assert_entry(entry: dict, mp: MP):
    assert set(entry) >= ENTRY_KEYS, f"entry members {sorted(entry)}"
    assert isinstance(entry["id"], int) and not isinstance(entry["id"], bool), entry
    assert entry["portal_id"] == mp.id, f"an entry of another portal was delivered: {entry}"
    assert_recent(entry["timestamp"])
    assert entry["outcome"] in ("success", "forbidden"), entry
    for key in ("action", "target_type", "target_id", "token_id", "client_address"):
        assert isinstance(entry[key], str) and entry[key], entry


def wait_for_entries(receiver: Receiver, want: Callable[[list[dict]], bool], what: str, timeout: float = 20,
                     only_status: int | None = 200) -> list[dict]:
    wait_until(lambda: want(receiver.entries(only_status)), timeout,
               lambda: f"{what}; received {json.dumps(receiver.entries(None))[:3000]}")
    return receiver.entries(only_status)


def has(entries: list[dict], action: str, target_id: str) -> bool:
    return any(e["action"] == action and e["target_id"] == target_id for e in entries)


def test_audit_entries_are_delivered_to_the_destination(portal, mp, hooked, receiver):
    editor = mp.token("editor")
    mp.token("viewer")
    team = new_team(portal, mp)  # with the root token
    call(portal, "PATCH", TEAM, editor, 200, ids=mp.ids(teamId=team["id"]), json={"description": "updated"})
    page = new_page(portal, mp, editor)
    call(portal, "POST", TEAMS, mp.token("viewer"), 403, ids=mp.ids(), json={"name": "refused"})

    entries = wait_for_entries(receiver, lambda es: has(es, "team.create", team["id"]) and has(es, "team.update", team["id"])
                               and any(e["target_id"] == page["id"] for e in es)
                               and any(e["outcome"] == "forbidden" for e in es), "the four writes' entries")
    for e in entries:
        assert_entry(e, mp)
    update = next(e for e in entries if e["action"] == "team.update")
    assert (update["target_type"], update["outcome"], update["token_id"]) == ("team", "success", mp.token_ids["editor"]), update
    page_entry = next(e for e in entries if e["target_id"] == page["id"])
    assert "page" in page_entry["action"] and page_entry["action"].endswith(".create"), page_entry
    assert page_entry["token_id"] == mp.token_ids["editor"] and page_entry["outcome"] == "success"
    refused = next(e for e in entries if e["outcome"] == "forbidden")
    assert refused["token_id"] == mp.token_ids["viewer"], refused

    for req in receiver.snapshot():
        assert req["path"] == "/hook", req["path"]
        assert req["headers"].get("Content-Type", "").split(";")[0].strip() == "application/json", dict(req["headers"])
        assert req["headers"].get("Authorization") == HOOK_AUTH, dict(req["headers"])
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), f"an entry was delivered twice after a 2xx: {ids}"

    status = webhook_status(portal, mp)
    assert (status["webhook_enabled"], status["webhook_status"], status.get("last_response_code")) == (True, "active", 200), status
    assert_recent(status["last_attempt_at"])


def test_every_successful_write_of_part_2_is_audited_once(portal, mp, hooked, receiver):
    """Each successful write through the part-2 endpoints adds exactly one success entry (reads and refused
    writes add none), with the token that made it."""
    editor, editor_id = mp.new_token("editor")
    deleter, deleter_id = mp.new_token("admin")
    team = new_team(portal, mp)
    writes = [
        ("PATCH", AUTH_SETTINGS, {}, {"konnect_mapping_enabled": False}),
        ("POST", IDPS, {}, {"type": "oidc", "config": OIDC_CONFIG}),
        ("PATCH", APPEARANCE, {}, {"theme_name": "dark_mode"}),
        ("PUT", CUSTOMIZATION, {}, {"a": 1}),
        ("PATCH", CUSTOMIZATION, {}, {"b": 2}),
        ("POST", PAGES, {}, {"path": "/audited", "title": "Audited", "content": "x"}),
    ]
    made = {}
    for method, template, extra, body in writes:
        made[template] = call(portal, method, template, editor, 201 if method == "POST" else 200, ids=mp.ids(**extra), json=body)
    idp_id, page_id = made[IDPS]["id"], made[PAGES]["id"]
    call(portal, "PATCH", IDP, editor, 200, ids=mp.ids(id=idp_id), json={"login_path": "audited"})
    call(portal, "PATCH", PAGE, editor, 200, ids=mp.ids(pageId=page_id), json={"title": "Audited again"})
    call(portal, "PATCH", TEAM_MAPPINGS, editor, 200, ids=mp.ids(), json={"data": [{"team_id": team["id"], "groups": ["g"]}]})
    # Reads and refused writes are no successes.
    call(portal, "GET", PAGE, editor, 200, ids=mp.ids(pageId=page_id))
    call(portal, "PATCH", PAGE, editor, 400, ids=mp.ids(pageId=page_id), json={"title": "t" * 513})
    call(portal, "PATCH", APPEARANCE, editor, 400, ids=mp.ids(), json={"theme_name": "neon"})
    call(portal, "DELETE", PAGE, editor, 403, ids=mp.ids(pageId=page_id))
    call(portal, "DELETE", PAGE, deleter, 204, ids=mp.ids(pageId=page_id))
    call(portal, "DELETE", IDP, deleter, 204, ids=mp.ids(id=idp_id))

    def successes(token_id):
        return [e for e in receiver.entries() if e["token_id"] == token_id and e["outcome"] == "success"]

    wait_until(lambda: len(successes(editor_id)) >= 9 and len(successes(deleter_id)) >= 2, 20,
               lambda: f"entries of the writes: {json.dumps(receiver.entries())[:3000]}")
    time.sleep(0.5)  # anything extra would have been in the same batches
    by_editor, by_deleter = successes(editor_id), successes(deleter_id)
    assert len(by_editor) == 9, f"9 successful writes by the editor, entries: {by_editor}"
    assert len(by_deleter) == 2, f"2 deletes, entries: {by_deleter}"
    assert sum(1 for e in by_editor if e["target_id"] == idp_id) == 2, by_editor
    assert sum(1 for e in by_editor if e["target_id"] == page_id) == 2, by_editor
    assert {e["target_id"] for e in by_deleter} == {idp_id, page_id}, by_deleter
    assert all(e["action"].endswith(".delete") for e in by_deleter), by_deleter
    refused = [e for e in receiver.entries() if e["token_id"] == editor_id and e["outcome"] == "forbidden"]
    assert len(refused) == 1, refused
    for e in receiver.entries():
        assert_entry(e, mp)


def test_only_entries_written_while_enabled_are_delivered(portal, mp, hooked, receiver):
    first = new_team(portal, mp, "Before the pause")
    wait_for_entries(receiver, lambda es: has(es, "team.create", first["id"]), "the first team")
    call(portal, "PATCH", WEBHOOK, mp.token("admin"), 200, ids=mp.ids(), json={"enabled": False})
    paused = new_team(portal, mp, "During the pause")
    call(portal, "PATCH", WEBHOOK, mp.token("admin"), 200, ids=mp.ids(), json={"enabled": True})
    after = new_team(portal, mp, "After the pause")
    entries = wait_for_entries(receiver, lambda es: has(es, "team.create", after["id"]), "the team made after re-enabling")
    assert not any(e["target_id"] == paused["id"] for e in entries), "an entry written while disabled was delivered"
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), ids


def test_a_receiver_that_is_down_gets_the_missed_entries_when_it_is_back(portal, mp, hooked, receiver):
    first = new_team(portal, mp)
    wait_for_entries(receiver, lambda es: has(es, "team.create", first["id"]), "the first team")
    receiver.stop()
    missed = [new_team(portal, mp) for _ in range(3)]

    def failed():
        s = webhook_status(portal, mp)
        return s if s.get("last_response_message") and "last_response_code" not in s else None

    status = wait_until(failed, 15, lambda: f"status after the receiver went away: {webhook_status(portal, mp)}")
    assert status["webhook_enabled"] is True and status["webhook_status"] == "inactive", status
    assert_recent(status["last_attempt_at"])

    receiver.start()  # same port
    entries = wait_for_entries(receiver, lambda es: all(has(es, "team.create", t["id"]) for t in missed),
                               "the entries written while the receiver was down", timeout=30)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), f"an entry was delivered twice after a 2xx: {ids}"
    status = wait_until(lambda: (lambda s: s if s.get("last_response_code") == 200 else None)(webhook_status(portal, mp)), 10,
                        lambda: f"status after catching up: {webhook_status(portal, mp)}")
    assert status["webhook_status"] == "active", status
    assert "last_response_message" not in status or isinstance(status["last_response_message"], str)


def test_a_receiver_answering_500_is_retried_until_it_answers_200(portal, mp, hooked, receiver):
    first = new_team(portal, mp)
    wait_for_entries(receiver, lambda es: has(es, "team.create", first["id"]), "the first team")
    receiver.status = 500
    failing = [new_team(portal, mp) for _ in range(2)]

    def failed():
        s = webhook_status(portal, mp)
        return s if s.get("last_response_code") == 500 else None

    status = wait_until(failed, 15, lambda: f"status with a receiver answering 500: {webhook_status(portal, mp)}")
    assert status["webhook_enabled"] is True and status["webhook_status"] == "inactive", status
    assert_recent(status["last_attempt_at"])
    # The refused attempts carried the entries (retried while the receiver keeps answering 500).
    wait_for_entries(receiver, lambda es: all(has(es, "team.create", t["id"]) for t in failing),
                     "the new entries in attempts answered 500", timeout=15, only_status=500)
    assert not any(has(receiver.entries(200), "team.create", t["id"]) for t in failing)

    receiver.status = 200
    entries = wait_for_entries(receiver, lambda es: all(has(es, "team.create", t["id"]) for t in failing),
                               "the entries refused with 500, accepted now", timeout=30)
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), f"an entry was accepted twice: {ids}"
    status = wait_until(lambda: (lambda s: s if s.get("last_response_code") == 200 else None)(webhook_status(portal, mp)), 10,
                        lambda: f"status after recovering: {webhook_status(portal, mp)}")
    assert status["webhook_status"] == "active", status


def test_a_webhook_delivers_only_its_own_portals_entries(portal, root_token, mp, other_mp, hooked, receiver):
    other_team = new_team(portal, other_mp)
    mine = new_team(portal, mp)
    entries = wait_for_entries(receiver, lambda es: has(es, "team.create", mine["id"]), "this portal's team")
    assert not any(e["target_id"] == other_team["id"] for e in entries)
    for e in entries:
        assert e["portal_id"] == mp.id, e


# === 9. the replay job ====================================================================================


def replay(portal: Portal, mp: MP) -> dict:
    return call(portal, "GET", REPLAY, mp.token("viewer"), 200, ids=mp.ids())


def test_replay_job_is_unconfigured_at_first_and_needs_a_destination(portal, mp):
    assert replay(portal, mp) == {"status": "unconfigured"}
    now = utc_now()
    problem = call(portal, "PUT", REPLAY, mp.root, 400, ids=mp.ids(),
                   json={"start_at": rfc3339(now - datetime.timedelta(hours=1)), "end_at": rfc3339(now)})
    assert invalid(problem)
    assert replay(portal, mp) == {"status": "unconfigured"}


def _replay_body(case: str) -> tuple[dict, tuple]:
    now = utc_now()
    day, hour = datetime.timedelta(days=1), datetime.timedelta(hours=1)
    cases = {
        "start older than 7 days": ({"start_at": rfc3339(now - 8 * day), "end_at": rfc3339(now)}, ("start_at",)),
        "end more than a minute ahead": ({"start_at": rfc3339(now - hour), "end_at": rfc3339(now + 10 * datetime.timedelta(minutes=1))},
                                         ("end_at",)),
        "end older than 7 days": ({"start_at": rfc3339(now - 7 * day - 2 * hour), "end_at": rfc3339(now - 7 * day - hour)},
                                  ("end_at",)),
        "reversed": ({"start_at": rfc3339(now - hour), "end_at": rfc3339(now - 2 * hour)}, ("start_at", "end_at")),
        "no start": ({"end_at": rfc3339(now)}, ("start_at",)),
        "no end": ({"start_at": rfc3339(now - hour)}, ("end_at",)),
        "start not RFC 3339": ({"start_at": "yesterday", "end_at": rfc3339(now)}, ("start_at",)),
        "start without zone": ({"start_at": (now - hour).strftime("%Y-%m-%dT%H:%M:%S"), "end_at": rfc3339(now)}, ("start_at",)),
        "end impossible date": ({"start_at": rfc3339(now - hour), "end_at": "2024-02-30T10:00:00Z"}, ("end_at",)),
        "start a number": ({"start_at": 1700000000, "end_at": rfc3339(now)}, ("start_at",)),
    }
    return cases[case]


@pytest.mark.parametrize("case", ["start older than 7 days", "end more than a minute ahead", "end older than 7 days",
                                  "reversed", "no start", "no end", "start not RFC 3339", "start without zone",
                                  "end impossible date", "start a number"])
def test_replay_job_bad_input_is_400_and_changes_nothing(portal, mp, hooked, case):
    body, fields = _replay_body(case)
    problem = call(portal, "PUT", REPLAY, mp.root, 400, ids=mp.ids(), json=body)
    named = invalid(problem)
    assert any(f in named for f in fields), f"{case}: expected invalid_parameters to name one of {fields}: {problem}"
    assert replay(portal, mp) == {"status": "unconfigured"}


def test_a_second_replay_while_one_is_unfinished_is_409(portal, root_token, mp):
    """The receiver is down (a closed port), so the first replay stays unfinished (until it gives up after
    15 minutes without progress, see the Swift tests) and a second is refused."""
    dest = new_destination(portal, root_token, endpoint="http://127.0.0.1:9/down")
    call(portal, "PATCH", WEBHOOK, mp.token("admin"), 200, ids=mp.ids(), json={"audit_log_destination_id": dest["id"]})
    now = utc_now()
    # The range ends 30 s ahead (a minute of skew is allowed), so this portal's entries so far are in it.
    body = {"start_at": rfc3339(now - datetime.timedelta(hours=1)), "end_at": rfc3339(now + datetime.timedelta(seconds=30))}
    for role in ("viewer", "editor"):
        call(portal, "PUT", REPLAY, mp.token(role), 403, ids=mp.ids(), json=body)
    assert replay(portal, mp) == {"status": "unconfigured"}
    job = call(portal, "PUT", REPLAY, mp.token("admin"), 202, ids=mp.ids(), json=body)
    assert job["status"] in ("accepted", "running"), job
    conflict = call(portal, "PUT", REPLAY, mp.token("admin"), 409, ids=mp.ids(), json=body)
    assert "running" in conflict["detail"], conflict
    assert replay(portal, mp)["status"] in ("accepted", "running")


def test_replay_resends_the_entries_of_the_range(portal, mp, hooked, receiver):
    a = new_team(portal, mp, "Before the range")
    wait_for_entries(receiver, lambda es: has(es, "team.create", a["id"]), "team A")
    time.sleep(1.1)
    start = utc_now().replace(microsecond=0)
    b = new_team(portal, mp, "In the range")
    call(portal, "PATCH", TEAM, mp.root, 200, ids=mp.ids(teamId=b["id"]), json={"description": "in range"})
    wait_for_entries(receiver, lambda es: has(es, "team.update", b["id"]), "team B's entries")
    time.sleep(1.1)
    end = utc_now().replace(microsecond=0)
    time.sleep(1.0)
    c = new_team(portal, mp, "After the range")
    first_round = wait_for_entries(receiver, lambda es: has(es, "team.create", c["id"]), "team C")
    b_ids = {e["id"] for e in first_round if e["target_id"] == b["id"]}
    assert len(b_ids) == 2, first_round
    before = len(receiver.snapshot())

    job = call(portal, "PUT", REPLAY, mp.token("admin"), 202, ids=mp.ids(), json={"start_at": rfc3339(start), "end_at": rfc3339(end)})
    assert job["status"] in ("accepted", "pending", "running", "completed"), job
    assert parse_time(job["start_at"]) == start and parse_time(job["end_at"]) == end, job
    assert_recent(job["updated_at"])

    wait_until(lambda: {e["id"] for e in receiver.entries(since=before)} >= b_ids, 30,
               lambda: f"replay of {b_ids}; received since: {receiver.entries(None, since=before)}")
    done = wait_until(lambda: (lambda j: j if j["status"] == "completed" else None)(replay(portal, mp)), 30,
                      lambda: f"replay job: {replay(portal, mp)}")
    assert parse_time(done["start_at"]) == start and parse_time(done["end_at"]) == end, done
    # Entries sent a second time are the replay (new ids after `before` are ordinary deliveries, such as the
    # PUT's own entry): all of the range, none outside it.
    delivered_before = {e["id"] for e in first_round}
    resent = [e for e in receiver.entries(since=before) if e["id"] in delivered_before]
    assert {e["id"] for e in resent} >= b_ids
    for e in resent:
        assert_entry(e, mp)
        assert start <= parse_time(e["timestamp"]) <= end, f"replayed an entry outside [{start}, {end}]: {e}"
    assert not any(e["target_id"] in (a["id"], c["id"]) for e in resent), resent
    for e in receiver.entries(since=before):
        if e["id"] not in delivered_before:
            assert parse_time(e["timestamp"]) > end, f"an entry of the range that was never delivered before: {e}"


# === bad input in general: never a 5xx ====================================================================

GARBAGE = [
    b"{not json", b"[]", b'"a string"', b"null", b"12345678901234567890123456789012345678901234567890", b"1e999999",
    b"[" * 1000 + b"]" * 1000, b"\xff\xfe\x00{}", b'{"a": 1e999999, "enabled": 123456789012345678901234567890}',
    b'{"a":' * 1000 + b"1" + b"}" * 1000, b'{"name": "\\ud800", "path": "\\u0000"}',
]
# (method, template); customization takes any JSON object, so an object of garbage may be a 200 there.
WRITES = [
    ("PATCH", AUTH_SETTINGS), ("PATCH", TEAM_MAPPINGS), ("POST", IDPS), ("PATCH", IDP), ("PATCH", APPEARANCE),
    ("PUT", CUSTOMIZATION), ("PATCH", CUSTOMIZATION), ("POST", PAGES), ("PATCH", PAGE), ("POST", DESTINATIONS),
    ("PATCH", DESTINATION), ("PATCH", WEBHOOK), ("PUT", REPLAY),
]


@pytest.mark.parametrize("method,template", WRITES, ids=[f"{m} {t}" for m, t in WRITES])
def test_garbage_bodies_are_4xx_never_5xx(portal, root_token, world, method, template):
    ids = {**world.ids(), "destinationId": world.destination["id"]}
    path = V2 + template.format(**ids)
    for raw in GARBAGE:
        r = admin(portal, method, path, root_token, data=raw)
        is_object = raw.lstrip().startswith(b"{")
        if template == CUSTOMIZATION and is_object:
            assert r.status_code < 500, f"{method} {template} {raw[:60]!r}: {r.status_code} {r.text[:300]!r}"
            g = admin(portal, "GET", path, root_token)
            assert g.status_code == 200 and isinstance(g.json(), dict), (g.status_code, g.text[:300])
        else:
            assert 400 <= r.status_code < 500, f"{method} {template} {raw[:60]!r}: {r.status_code} {r.text[:300]!r}"
            if r.status_code == 400:
                assert_problem(r, 400)
    # Reads still work and nothing moved.
    assert call(portal, "GET", PAGE, root_token, 200, ids=ids) == world.page
    assert call(portal, "GET", IDP, root_token, 200, ids=ids) == world.idp
    assert call(portal, "GET", AUTH_SETTINGS, root_token, 200, ids=ids) == DEFAULT_AUTH
    assert call(portal, "GET", APPEARANCE, root_token, 200, ids=ids) == NEW_PORTAL_APPEARANCE
    assert call(portal, "GET", DESTINATION, root_token, 200, ids=ids) == world.destination
    assert call(portal, "GET", REPLAY, root_token, 200, ids=ids) == {"status": "unconfigured"}
