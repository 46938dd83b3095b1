"""The portal management API (seed 001, issue 8, part 1), the rest of it, end to end through nginx over
HTTPS: teams (CRUD, membership, assigned roles, a developer's teams, portal roles) and RBAC as developers see
it in the developer API (seed 000); the API products extension with OpenAPI uploads; portal products and
portal product versions (attach, update, replace, notify, unlist); application auth strategies and a
basic-auth key-request approval (seed 002); the portal configuration; verify-domain.

Every reply of an operation the v2 file (`specs/konnect-portal-management-v2-2.2.0.openapi.yaml`) has is
checked against that operation's response schema with test_management_api's `assert_matches_spec`
(through `call`). Statuses the file forgot for an operation are checked against the file's own shared
response of that status (MY_SPEC_GAPS). The extensions that are in neither file (configuration,
application-auth-strategies, api-products) are checked by hand against their documented shapes
(docs/decisions.md, "Management API").

Each test makes its own portals (POST /api/v2/portals with the session's root token; a portal is served on
its default domain, reached by sending that Host), products, developers and tokens."""

from __future__ import annotations

import datetime
import json
import os
import re
import time
import uuid

import pytest
import requests

from conftest import HostDeveloper, Portal, admin, catalog_add_version, new_email, portal_cli
# The other part-1 file's checker of the v2 file (jsonschema over the file's $refs, nullable translated).
from test_management_api import _escape, assert_matches_spec, audit_rows, db_rows, spec

V2 = "/api/v2"
API = "/api/v1"
PASSWORD = "correct horse battery"

# The v2 file's paths (under /api/v2).
PORTALS = "/portals"
PORTAL = "/portals/{portalId}"
TEAMS = "/portals/{portalId}/teams"
TEAM = "/portals/{portalId}/teams/{teamId}"
TEAM_DEVELOPERS = "/portals/{portalId}/teams/{teamId}/developers"
TEAM_DEVELOPER = "/portals/{portalId}/teams/{teamId}/developers/{developerId}"
TEAM_ROLES = "/portals/{portalId}/teams/{teamId}/assigned-roles"
TEAM_ROLE = "/portals/{portalId}/teams/{teamId}/assigned-roles/{roleId}"
DEVELOPER_TEAMS = "/portals/{portalId}/developers/{developerId}/teams"
PORTAL_ROLES = "/portal-roles"
PORTAL_PRODUCTS = "/portals/{portalId}/products"
PORTAL_VERSIONS = "/portals/{portalId}/product-versions"
PORTAL_VERSION = "/portals/{portalId}/product-versions/{productVersionId}"
VERIFY_DOMAIN = "/portals/{portalId}/verify-domain"
# Extensions, in neither spec file.
CONFIGURATION = "/portals/{portalId}/configuration"
STRATEGIES = "/application-auth-strategies"
STRATEGY = "/application-auth-strategies/{strategyId}"
PRODUCTS = "/api-products"
PRODUCT = "/api-products/{productId}"
PRODUCT_VERSIONS = "/api-products/{productId}/product-versions"
PRODUCT_VERSION = "/api-products/{productId}/product-versions/{versionId}"
SPECIFICATION = "/api-products/{productId}/product-versions/{versionId}/specifications"

# Statuses the contract produces that the v2 file does not list for the operation: checked against the file's
# shared response of that status (components/responses/<name>), never skipped.
MY_SPEC_GAPS: dict[tuple[str, str, int], str] = {
    # Team names are unique per portal (docs/decisions.md), but create/update team list no 409.
    ("POST", TEAMS, 409): "Conflict",
    ("PATCH", TEAM, 409): "Conflict",
    # Update team documents no 400 although its body has types and `additionalProperties`-style checks.
    ("PATCH", TEAM, 400): "BadRequest",
    # A version listed already: create-portal-product-version documents no 409.
    ("POST", PORTAL_VERSIONS, 409): "Conflict",
}
# These lists document no 400, yet a `sort` or `filter` they do not declare, a filter value of the wrong type
# and a bad page size are refused with 400 naming the parameter, as on the lists that document it.
for _template in (TEAMS, TEAM_DEVELOPERS, TEAM_ROLES, DEVELOPER_TEAMS):
    MY_SPEC_GAPS[("GET", _template, 400)] = "BadRequest"

RFC3339_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def check_spec(method: str, template: str, status: int, r: requests.Response):
    """The v2 file's schema for (method, template, status); MY_SPEC_GAPS for statuses it forgot."""
    gap = MY_SPEC_GAPS.get((method, template, status))
    if gap is None:
        assert_matches_spec(method, template, status, r)
        return
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype == "application/problem+json", f"{method} {template} {status}: Content-Type {ctype!r}"
    pointer = f"#/components/responses/{gap}/content/{_escape(ctype)}/schema"
    errors = spec().errors(pointer, r.json())
    assert not errors, f"{method} {template} {status}: not the v2 file's {gap}:\n  " + "\n  ".join(errors) + \
        f"\nbody: {r.text[:1500]}"


def in_v2_file(template: str) -> bool:
    return template in spec().raw["paths"]


def call(portal: Portal, method: str, template: str, token: str | None, status: int, *, ids: dict | None = None,
         schema: bool = True, **kw):
    """One request to V2 + template (formatted with `ids`): asserts the status, `Cache-Control: no-store` and,
    for operations of the v2 file (unless `schema` is False), the file's schema; returns the JSON body (None
    when empty). Errors of the extensions are checked to be problem+json in the documented shape."""
    path = V2 + template.format(**(ids or {}))
    r = admin(portal, method, path, token, **kw)
    assert r.status_code == status, (f"{method} {path} {kw.get('json') or kw.get('data') or ''}: expected {status}, "
                                     f"got {r.status_code}: {r.text[:800]!r}")
    assert r.headers.get("Cache-Control") == "no-store", (method, path, dict(r.headers))
    if schema and in_v2_file(template):
        check_spec(method, template, status, r)
    elif status >= 400:
        assert_problem(r, status)
    elif r.content:
        assert r.headers.get("Content-Type", "").startswith("application/json"), (method, path, dict(r.headers))
    return r.json() if r.content else None


def assert_problem(r: requests.Response, status: int) -> dict:
    """docs/decisions.md's error: problem+json with status, title, type, instance, detail; every 400 with
    invalid_parameters naming field, source and reason."""
    ctype = r.headers.get("Content-Type", "").split(";")[0].strip()
    assert ctype == "application/problem+json", f"Content-Type {ctype!r}: {r.text[:300]!r}"
    body = r.json()
    assert body["status"] == status, body
    assert body["title"] and body["detail"] and body["instance"].startswith("portal:trace:"), body
    assert body["type"] == f"https://httpstatuses.com/{status}", body
    if status == 400:
        assert body["invalid_parameters"], body
        for p in body["invalid_parameters"]:
            assert p["field"] and p["reason"] and p["source"] in ("body", "query", "path"), body
    return body


def invalid(body: dict) -> dict[str, dict]:
    return {p["field"]: p for p in body["invalid_parameters"]}


def assert_invalid(body: dict, field: str, rule: str | None = None) -> dict:
    assert body["status"] == 400, body
    named = invalid(body)
    assert field in named, f"expected invalid_parameters to name {field!r}: {body}"
    if rule is not None:
        assert named[field].get("rule") == rule, f"{field}: expected rule {rule!r}: {body}"
    return named[field]


def assert_recent(text: str, slack: float = 600):
    assert RFC3339_RE.fullmatch(text), text
    when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert abs(when.timestamp() - time.time()) < slack, text


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:12]}"


def random_id() -> str:
    return str(uuid.uuid4())


def wait_for_subject(portal: Portal, to: str, subject_has: str, timeout: float = 15) -> list:
    deadline = time.monotonic() + timeout
    while True:
        found = [m for m in portal.mails(to) if subject_has.lower() in m.get("Subject", "").lower()]
        if found or time.monotonic() > deadline:
            assert found, f"no mail to {to} with {subject_has!r}; got {[m.get('Subject') for m in portal.mails(to)]}"
            return found
        time.sleep(0.1)


# --- portals, tokens, developers, catalog of a test's own --------------------------------------------------


class MP:
    """A portal made with the root token, with project tokens by role made on demand."""

    def __init__(self, portal: Portal, root: str, **fields):
        self.portal, self.root = portal, root
        self.body = call(portal, "POST", PORTALS, root, 201, json={"name": unique("Catalog"), **fields})
        self.id = self.body["id"]
        self.domain = self.body["default_domain"]
        self.host = {"Host": self.domain}
        self._tokens: dict[str, str] = {}

    def token(self, role: str) -> str:
        if role not in self._tokens:
            r = admin(self.portal, "POST", f"/api/projects/{self.id}/tokens", self.root,
                      json={"name": f"cat-{role}-{uuid.uuid4().hex[:8]}", "role": role})
            assert r.status_code == 200, f"token: {r.status_code} {r.text[:300]!r}"
            self._tokens[role] = r.json()["token"]
        return self._tokens[role]

    def ids(self, **more) -> dict:
        return {"portalId": self.id, **more}

    def patch(self, **fields) -> dict:
        return call(self.portal, "PATCH", PORTAL, self.root, 200, ids=self.ids(), json=fields)


@pytest.fixture
def mp(portal, root_token) -> MP:
    return MP(portal, root_token, auto_approve_developers=True)


@pytest.fixture
def other_mp(portal, root_token) -> MP:
    return MP(portal, root_token, auto_approve_developers=True)


class Dev(HostDeveloper):
    """A developer of the portal on `host` (see HostDeveloper), with what the catalog's tests ask of it."""

    def __init__(self, portal: Portal, host: dict, full_name: str = "Catalog Dev", login: bool = True):
        super().__init__(portal, host, login=login, full_name=full_name)

    def services(self) -> list[str]:
        """The ids of GET /api/v1/application_services."""
        r = self.req("GET", "/application_services?size=1000")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["data"]), body
        return sorted(item["id"] for item in body["data"])

    def post_instance(self, app_id: str, version_id: str) -> requests.Response:
        """POST an application instance (registration), whatever the answer."""
        return self.req("POST", f"/applications/{app_id}/application_instances", data={"service.id": version_id})


def new_product(portal: Portal, token: str, portal_id: str | None = None, name: str | None = None, **more) -> dict:
    body = {"name": name or unique("Product"), **more}
    if portal_id is not None:
        body["portal_id"] = portal_id
    return call(portal, "POST", PRODUCTS, token, 201, json=body)


def new_version(portal: Portal, token: str, product_id: str, name: str = "v1", **more) -> dict:
    return call(portal, "POST", PRODUCT_VERSIONS, token, 201, ids={"productId": product_id},
                json={"name": name, **more})


def settings(**overrides) -> dict:
    """Every setting of a portal product version: published, open for registration, needing approval."""
    return {"publish_status": "published", "application_registration_enabled": True,
            "auto_approve_registration": False, "deprecated": False, "auth_strategy_ids": [], **overrides}


def attach(portal: Portal, token: str, portal_id: str, version_id: str, schema: bool = True, **overrides) -> dict:
    return call(portal, "POST", PORTAL_VERSIONS, token, 201, ids={"portalId": portal_id}, schema=schema,
                json={"product_version_id": version_id, **settings(**overrides)})


def listed_version(portal: Portal, mp: MP, **overrides) -> tuple[dict, dict]:
    """A new product of `mp` with a version attached to it: (product, portal product version)."""
    product = new_product(portal, mp.root, mp.id)
    version = new_version(portal, mp.root, product["id"])
    return product, attach(portal, mp.root, mp.id, version["id"], **overrides)


def new_strategy(portal: Portal, root: str, strategy_type: str, configs: dict, name: str | None = None) -> dict:
    return call(portal, "POST", STRATEGIES, root, 201, json={
        "name": name or f"strategy-{uuid.uuid4().hex[:10]}", "display_name": "Test strategy",
        "strategy_type": strategy_type, "configs": configs})


# === portal roles ==========================================================================================


def test_portal_roles_are_the_v2_files_two_roles_on_services(portal, root_token, mp):
    for token in (root_token, mp.token("viewer")):
        body = call(portal, "GET", PORTAL_ROLES, token, 200)
        roles = body["services"]["roles"]
        assert body["services"]["name"] == "Services"
        assert roles["apiviewer"]["name"] == "API Viewer" and roles["apiconsumer"]["name"] == "API Consumer", body
    call(portal, "GET", PORTAL_ROLES, None, 401)
    call(portal, "GET", PORTAL_ROLES, "pt_not_a_token", 401)


# === teams =================================================================================================


def test_team_crud(portal, mp):
    editor, admin_token, viewer = mp.token("editor"), mp.token("admin"), mp.token("viewer")
    created = call(portal, "POST", TEAMS, editor, 201, ids=mp.ids(),
                   json={"name": "IDM - Developers", "description": "The IDM team."})
    assert UUID_RE.fullmatch(created["id"]), created
    assert created["name"] == "IDM - Developers" and created["description"] == "The IDM team.", created
    assert_recent(created["created_at"])
    assert created["updated_at"] == created["created_at"], created
    ids = mp.ids(teamId=created["id"])

    assert call(portal, "GET", TEAM, viewer, 200, ids=ids) == created
    listed = call(portal, "GET", TEAMS, viewer, 200, ids=mp.ids())
    assert [t["id"] for t in listed["data"]] == [created["id"]] and listed["meta"]["page"]["total"] == 1, listed

    time.sleep(0.01)
    updated = call(portal, "PATCH", TEAM, editor, 200, ids=ids, json={"name": "Partners"})
    assert updated["name"] == "Partners" and updated["description"] == "The IDM team.", updated
    assert updated["updated_at"] >= created["updated_at"] and updated["created_at"] == created["created_at"], updated
    updated = call(portal, "PATCH", TEAM, editor, 200, ids=ids, json={"description": "Partner APIs"})
    assert updated["name"] == "Partners" and updated["description"] == "Partner APIs", updated
    assert call(portal, "GET", TEAM, viewer, 200, ids=ids) == updated

    # Viewers read, editors write, admins delete.
    call(portal, "POST", TEAMS, viewer, 403, ids=mp.ids(), json={"name": "Nope"})
    call(portal, "DELETE", TEAM, editor, 403, ids=ids)
    assert call(portal, "DELETE", TEAM, admin_token, 204, ids=ids) is None
    call(portal, "GET", TEAM, viewer, 404, ids=ids)
    call(portal, "DELETE", TEAM, admin_token, 404, ids=ids)
    assert call(portal, "GET", TEAMS, viewer, 200, ids=mp.ids())["data"] == []


def test_a_team_name_is_unique_in_its_portal(portal, mp, other_mp):
    a = call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": "Partners"})
    b = call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": "Internal"})
    call(portal, "POST", TEAMS, mp.root, 409, ids=mp.ids(), json={"name": "Partners"})
    call(portal, "PATCH", TEAM, mp.root, 409, ids=mp.ids(teamId=b["id"]), json={"name": "Partners"})
    # Another portal may have a team of that name.
    call(portal, "POST", TEAMS, other_mp.root, 201, ids=other_mp.ids(), json={"name": "Partners"})
    names = sorted(t["name"] for t in call(portal, "GET", TEAMS, mp.root, 200, ids=mp.ids())["data"])
    assert names == ["Internal", "Partners"]
    # Renaming a team to its own name is no conflict.
    call(portal, "PATCH", TEAM, mp.root, 200, ids=mp.ids(teamId=a["id"]), json={"name": "Partners"})


def test_list_teams_filters_and_pages(portal, mp):
    for name in ("Alpha team", "Beta team", "Gamma"):
        call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": name})
    page = call(portal, "GET", TEAMS, mp.root, 200, ids=mp.ids(), params={"filter[name][contains]": "TEAM"})
    assert sorted(t["name"] for t in page["data"]) == ["Alpha team", "Beta team"], page
    page = call(portal, "GET", TEAMS, mp.root, 200, ids=mp.ids(), params={"filter[name][eq]": "Gamma"})
    assert [t["name"] for t in page["data"]] == ["Gamma"] and page["meta"]["page"]["total"] == 1, page
    first = call(portal, "GET", TEAMS, mp.root, 200, ids=mp.ids(), params={"page[size]": "2", "page[number]": "1"})
    second = call(portal, "GET", TEAMS, mp.root, 200, ids=mp.ids(), params={"page[size]": "2", "page[number]": "2"})
    assert len(first["data"]) == 2 and len(second["data"]) == 1, (first, second)
    assert first["meta"]["page"] == {"number": 1, "size": 2, "total": 3}, first
    assert {t["id"] for t in first["data"]}.isdisjoint({t["id"] for t in second["data"]})


@pytest.mark.parametrize("body,field,rule", [
    ({}, "name", "required"),
    ({"name": 5}, "name", "is_string"),
    ({"name": ""}, "name", "min_length"),
    ({"name": "x" * 251}, "name", "max_length"),
    ({"name": "ok", "description": "d" * 251}, "description", "max_length"),
    ({"name": "ok", "members": []}, "members", "unknown_property"),
])
def test_create_team_bad_input_is_400(portal, mp, body, field, rule):
    problem = call(portal, "POST", TEAMS, mp.root, 400, ids=mp.ids(), json=body)
    assert_invalid(problem, field, rule)
    assert call(portal, "GET", TEAMS, mp.root, 200, ids=mp.ids())["data"] == []


def test_update_team_bad_input_is_400_and_changes_nothing(portal, mp):
    team = call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": "Stable"})
    ids = mp.ids(teamId=team["id"])
    assert_invalid(call(portal, "PATCH", TEAM, mp.root, 400, ids=ids, json={"name": 1}), "name", "is_string")
    assert_invalid(call(portal, "PATCH", TEAM, mp.root, 400, ids=ids, json={"name": "New", "id": random_id()}),
                   "id", "unknown_property")
    assert call(portal, "GET", TEAM, mp.root, 200, ids=ids) == team


def test_teams_of_another_portal_are_404(portal, mp, other_mp):
    team = call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": "Mine"})
    # Through the other portal's path, with the root token: absent.
    call(portal, "GET", TEAM, mp.root, 404, ids=other_mp.ids(teamId=team["id"]))
    # With another portal's project token: its portal is absent.
    call(portal, "GET", TEAM, other_mp.token("admin"), 404, ids=mp.ids(teamId=team["id"]))
    call(portal, "GET", TEAMS, other_mp.token("admin"), 404, ids=mp.ids())
    call(portal, "GET", TEAM, mp.root, 404, ids=mp.ids(teamId=random_id()))


def test_team_membership(portal, mp, other_mp):
    editor, viewer = mp.token("editor"), mp.token("viewer")
    team = call(portal, "POST", TEAMS, editor, 201, ids=mp.ids(), json={"name": "Members"})
    ids = mp.ids(teamId=team["id"])
    ann = Dev(portal, mp.host, full_name="Ann Member", login=False)
    bob = Dev(portal, mp.host, full_name="Bob Member", login=False)
    stranger = Dev(portal, other_mp.host, login=False)

    assert call(portal, "POST", TEAM_DEVELOPERS, editor, 201, ids=ids, json={"id": ann.id}) is None
    assert call(portal, "POST", TEAM_DEVELOPERS, editor, 201, ids=ids, json={"id": bob.id.upper()}) is None
    call(portal, "POST", TEAM_DEVELOPERS, editor, 409, ids=ids, json={"id": ann.id})
    call(portal, "POST", TEAM_DEVELOPERS, viewer, 403, ids=ids, json={"id": ann.id})
    # Unknown developers and another portal's are 404.
    call(portal, "POST", TEAM_DEVELOPERS, editor, 404, ids=ids, json={"id": random_id()})
    call(portal, "POST", TEAM_DEVELOPERS, editor, 404, ids=ids, json={"id": stranger.id})
    assert_invalid(call(portal, "POST", TEAM_DEVELOPERS, editor, 400, ids=ids, json={"id": "not-a-uuid"}), "id", "is_uuid")
    assert_invalid(call(portal, "POST", TEAM_DEVELOPERS, editor, 400, ids=ids, json={}), "id", "required")

    members = call(portal, "GET", TEAM_DEVELOPERS, viewer, 200, ids=ids)
    assert members["meta"]["page"]["total"] == 2, members
    by_id = {m["id"]: m for m in members["data"]}
    assert set(by_id) == {ann.id, bob.id}, members
    assert by_id[ann.id]["email"] == ann.email and by_id[ann.id]["full_name"] == "Ann Member", members
    assert by_id[ann.id]["active"] is True, members
    only_ann = call(portal, "GET", TEAM_DEVELOPERS, viewer, 200, ids=ids, params={"filter[email][eq]": ann.email})
    assert [m["id"] for m in only_ann["data"]] == [ann.id], only_ann
    only_bob = call(portal, "GET", TEAM_DEVELOPERS, viewer, 200, ids=ids, params={"filter[full_name][contains]": "bob"})
    assert [m["id"] for m in only_bob["data"]] == [bob.id], only_bob

    # A developer's teams.
    other_team = call(portal, "POST", TEAMS, editor, 201, ids=mp.ids(), json={"name": "Second"})
    call(portal, "POST", TEAM_DEVELOPERS, editor, 201, ids=mp.ids(teamId=other_team["id"]), json={"id": ann.id})
    ann_teams = call(portal, "GET", DEVELOPER_TEAMS, viewer, 200, ids=mp.ids(developerId=ann.id))
    assert sorted(t["name"] for t in ann_teams["data"]) == ["Members", "Second"], ann_teams
    assert ann_teams["meta"]["page"]["total"] == 2, ann_teams
    bob_teams = call(portal, "GET", DEVELOPER_TEAMS, viewer, 200, ids=mp.ids(developerId=bob.id))
    assert [t["id"] for t in bob_teams["data"]] == [team["id"]], bob_teams
    call(portal, "GET", DEVELOPER_TEAMS, viewer, 404, ids=mp.ids(developerId=random_id()))
    call(portal, "GET", DEVELOPER_TEAMS, mp.root, 404, ids=mp.ids(developerId=stranger.id))

    # Removing a member.
    assert call(portal, "DELETE", TEAM_DEVELOPER, editor, 204, ids=mp.ids(teamId=team["id"], developerId=bob.id)) is None
    call(portal, "DELETE", TEAM_DEVELOPER, editor, 404, ids=mp.ids(teamId=team["id"], developerId=bob.id))
    members = call(portal, "GET", TEAM_DEVELOPERS, viewer, 200, ids=ids)
    assert [m["id"] for m in members["data"]] == [ann.id], members
    assert call(portal, "GET", DEVELOPER_TEAMS, viewer, 200, ids=mp.ids(developerId=bob.id))["data"] == []
    # He may join again.
    call(portal, "POST", TEAM_DEVELOPERS, editor, 201, ids=ids, json={"id": bob.id})

    # Deleting the team leaves its members' accounts alone.
    call(portal, "DELETE", TEAM, mp.token("admin"), 204, ids=ids)
    assert [t["name"] for t in call(portal, "GET", DEVELOPER_TEAMS, viewer, 200,
                                    ids=mp.ids(developerId=ann.id))["data"]] == ["Second"]
    assert call(portal, "GET", DEVELOPER_TEAMS, viewer, 200, ids=mp.ids(developerId=bob.id))["data"] == []
    assert admin(portal, "GET", f"{V2}/portals/{mp.id}/developers/{bob.id}", viewer).status_code == 200


def test_a_member_whose_account_is_not_approved_is_inactive(portal, root_token):
    pending = MP(portal, root_token, auto_approve_developers=False)
    dev = Dev(portal, pending.host, login=False)
    team = call(portal, "POST", TEAMS, root_token, 201, ids=pending.ids(), json={"name": "Waiting"})
    call(portal, "POST", TEAM_DEVELOPERS, root_token, 201, ids=pending.ids(teamId=team["id"]), json={"id": dev.id})
    members = call(portal, "GET", TEAM_DEVELOPERS, root_token, 200, ids=pending.ids(teamId=team["id"]))
    assert [(m["id"], m["active"]) for m in members["data"]] == [(dev.id, False)], members


def test_assigned_roles(portal, mp):
    editor, viewer = mp.token("editor"), mp.token("viewer")
    team = call(portal, "POST", TEAMS, editor, 201, ids=mp.ids(), json={"name": "Roles"})
    ids = mp.ids(teamId=team["id"])
    product = new_product(portal, editor)
    assert product["portal_ids"] == [mp.id], product

    viewer_role = call(portal, "POST", TEAM_ROLES, editor, 201, ids=ids, json={
        "role_name": "API Viewer", "entity_id": product["id"], "entity_type_name": "Services"})
    assert UUID_RE.fullmatch(viewer_role["id"]), viewer_role
    assert viewer_role == {"id": viewer_role["id"], "role_name": "API Viewer", "entity_id": product["id"],
                           "entity_type_name": "Services", "entity_region": "*"}, viewer_role
    consumer_role = call(portal, "POST", TEAM_ROLES, editor, 201, ids=ids, json={
        "role_name": "API Consumer", "entity_id": product["id"], "entity_type_name": "Services", "entity_region": "eu"})
    assert consumer_role["entity_region"] == "eu" and consumer_role["role_name"] == "API Consumer", consumer_role

    # The same role on the same product again is a conflict, whatever the region.
    call(portal, "POST", TEAM_ROLES, editor, 409, ids=ids, json={
        "role_name": "API Viewer", "entity_id": product["id"], "entity_type_name": "Services"})
    call(portal, "POST", TEAM_ROLES, editor, 409, ids=ids, json={
        "role_name": "API Consumer", "entity_id": product["id"], "entity_type_name": "Services", "entity_region": "us"})
    call(portal, "POST", TEAM_ROLES, viewer, 403, ids=ids, json={
        "role_name": "API Viewer", "entity_id": product["id"], "entity_type_name": "Services"})

    listed = call(portal, "GET", TEAM_ROLES, viewer, 200, ids=ids)
    assert sorted(r["id"] for r in listed["data"]) == sorted([viewer_role["id"], consumer_role["id"]]), listed
    assert listed["meta"]["page"]["total"] == 2, listed
    assert {r["id"]: r for r in listed["data"]}[consumer_role["id"]] == consumer_role

    assert call(portal, "DELETE", TEAM_ROLE, editor, 204, ids=mp.ids(teamId=team["id"], roleId=viewer_role["id"])) is None
    call(portal, "DELETE", TEAM_ROLE, editor, 404, ids=mp.ids(teamId=team["id"], roleId=viewer_role["id"]))
    call(portal, "DELETE", TEAM_ROLE, editor, 404, ids=mp.ids(teamId=team["id"], roleId=random_id()))
    assert [r["id"] for r in call(portal, "GET", TEAM_ROLES, viewer, 200, ids=ids)["data"]] == [consumer_role["id"]]
    # Removed, it may be assigned again.
    call(portal, "POST", TEAM_ROLES, editor, 201, ids=ids, json={
        "role_name": "API Viewer", "entity_id": product["id"], "entity_type_name": "Services"})
    # Another team's role id through this team is 404.
    other_team = call(portal, "POST", TEAMS, editor, 201, ids=mp.ids(), json={"name": "Other roles"})
    call(portal, "DELETE", TEAM_ROLE, editor, 404, ids=mp.ids(teamId=other_team["id"], roleId=consumer_role["id"]))
    assert call(portal, "GET", TEAM_ROLES, viewer, 200, ids=mp.ids(teamId=other_team["id"]))["data"] == []


def test_assigning_a_role_needs_a_known_role_on_a_product_of_the_portal(portal, mp, other_mp):
    team = call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": "Strict"})
    ids = mp.ids(teamId=team["id"])
    product = new_product(portal, mp.root, mp.id)
    version = new_version(portal, mp.root, product["id"])
    foreign = new_product(portal, mp.root, other_mp.id)

    def post(body):
        return call(portal, "POST", TEAM_ROLES, mp.root, 400, ids=ids, json=body)

    good = {"role_name": "API Viewer", "entity_id": product["id"], "entity_type_name": "Services"}
    assert_invalid(post({**good, "role_name": "API Admin"}), "role_name", "enum")
    assert_invalid(post({**good, "role_name": "api viewer"}), "role_name", "enum")
    assert_invalid(post({**good, "role_name": 5}), "role_name")
    assert_invalid(post({k: v for k, v in good.items() if k != "role_name"}), "role_name", "required")
    # An entity that is no API product of this portal.
    assert_invalid(post({**good, "entity_id": foreign["id"]}), "entity_id", "missing_reference")
    assert_invalid(post({**good, "entity_id": random_id()}), "entity_id", "missing_reference")
    assert_invalid(post({**good, "entity_id": version["id"]}), "entity_id", "missing_reference")
    assert_invalid(post({**good, "entity_id": team["id"]}), "entity_id", "missing_reference")
    assert_invalid(post({**good, "entity_id": "nope"}), "entity_id", "is_uuid")
    assert_invalid(post({k: v for k, v in good.items() if k != "entity_id"}), "entity_id", "required")
    assert_invalid(post({**good, "entity_type_name": "Products"}), "entity_type_name", "enum")
    assert_invalid(post({**good, "entity_region": "mars"}), "entity_region", "enum")
    assert_invalid(post({**good, "extra": True}), "extra", "unknown_property")
    assert call(portal, "GET", TEAM_ROLES, mp.root, 200, ids=ids)["data"] == []


# === RBAC as the developer sees it ============================================================================


def test_rbac_limits_what_a_developer_sees_and_registers_to(portal, mp):
    root = mp.root
    product_a, version_a = listed_version(portal, mp)
    product_b, version_b = listed_version(portal, mp)
    a, b = version_a["id"], version_b["id"]
    member = Dev(portal, mp.host, full_name="Team Member")
    outsider = Dev(portal, mp.host, full_name="Outsider")
    app = member.create_app()
    outsider_app = outsider.create_app()

    # Without RBAC every developer sees every open version.
    assert member.services() == sorted([a, b]) and outsider.services() == sorted([a, b])

    assert mp.patch(rbac_enabled=True)["rbac_enabled"] is True
    assert member.services() == [] and outsider.services() == []
    r = member.post_instance(app["id"], a)
    assert r.status_code == 400 and "service.id" in r.json()["fields"], r.text

    team = call(portal, "POST", TEAMS, root, 201, ids=mp.ids(), json={"name": "Consumers of A"})
    tids = mp.ids(teamId=team["id"])
    call(portal, "POST", TEAM_DEVELOPERS, root, 201, ids=tids, json={"id": member.id})
    # A team without roles grants nothing.
    assert member.services() == []

    viewer_role = call(portal, "POST", TEAM_ROLES, root, 201, ids=tids, json={
        "role_name": "API Viewer", "entity_id": product_a["id"], "entity_type_name": "Services"})
    assert member.services() == [a] and outsider.services() == []
    # Viewing is not consuming: no registration.
    r = member.post_instance(app["id"], a)
    assert r.status_code == 400 and "service.id" in r.json()["fields"], r.text

    call(portal, "POST", TEAM_ROLES, root, 201, ids=tids, json={
        "role_name": "API Consumer", "entity_id": product_a["id"], "entity_type_name": "Services"})
    # The consumer role alone shows the product too.
    call(portal, "DELETE", TEAM_ROLE, root, 204, ids=mp.ids(teamId=team["id"], roleId=viewer_role["id"]))
    assert member.services() == [a]
    r = member.post_instance(app["id"], a)
    assert r.status_code == 201 and r.json()["status"] == 1, r.text
    r = member.post_instance(app["id"], b)
    assert r.status_code == 400 and "service.id" in r.json()["fields"], r.text
    r = outsider.post_instance(outsider_app["id"], a)
    assert r.status_code == 400, r.text

    # Leaving the team takes the access away; so does deleting the team.
    call(portal, "DELETE", TEAM_DEVELOPER, root, 204, ids=mp.ids(teamId=team["id"], developerId=member.id))
    assert member.services() == []
    call(portal, "POST", TEAM_DEVELOPERS, root, 201, ids=tids, json={"id": member.id})
    assert member.services() == [a]
    call(portal, "DELETE", TEAM, root, 204, ids=tids)
    assert member.services() == []
    second = member.create_app(name="Second App")
    r = member.post_instance(second["id"], a)
    assert r.status_code == 400, r.text

    # RBAC off again: everything open is visible.
    mp.patch(rbac_enabled=False)
    assert outsider.services() == sorted([a, b])


# === API products (extension) =================================================================================


def assert_api_product(body: dict, **expected):
    assert set(body) == {"id", "name", "description", "portal_ids", "version_count", "created_at", "updated_at",
                         "labels"}, body
    assert UUID_RE.fullmatch(body["id"]) and isinstance(body["version_count"], int), body
    assert RFC3339_RE.fullmatch(body["created_at"]) and RFC3339_RE.fullmatch(body["updated_at"]), body
    for k, v in expected.items():
        assert body[k] == v, (k, body)


def assert_api_version(body: dict, **expected):
    assert set(body) == {"id", "product_id", "name", "description", "portal_id", "listed_in_portal",
                         "has_specification", "created_at", "updated_at"}, body
    assert UUID_RE.fullmatch(body["id"]), body
    assert RFC3339_RE.fullmatch(body["created_at"]) and RFC3339_RE.fullmatch(body["updated_at"]), body
    for k, v in expected.items():
        assert body[k] == v, (k, body)


def test_api_products_crud(portal, mp, other_mp, root_token):
    editor = mp.token("editor")
    # A project token's product goes to its own portal.
    product = new_product(portal, editor, name="Payments", description="Money in, money out",
                          labels={"team": "billing"})
    assert_api_product(product, name="Payments", description="Money in, money out", portal_ids=[mp.id],
                       version_count=0, labels={"team": "billing"})
    assert_recent(product["created_at"])
    pid = {"productId": product["id"]}
    # A root token names the portal.
    rooted = new_product(portal, root_token, other_mp.id, name="Payments")
    assert rooted["portal_ids"] == [other_mp.id]
    assert_invalid(call(portal, "POST", PRODUCTS, root_token, 400, json={"name": "No portal"}), "portal_id", "required")
    # Names are unique per portal.
    call(portal, "POST", PRODUCTS, editor, 409, json={"name": "Payments"})
    call(portal, "POST", PRODUCTS, root_token, 409, json={"name": "Payments", "portal_id": mp.id})
    # A project token cannot put a product into another portal.
    call(portal, "POST", PRODUCTS, editor, 404, json={"name": "Elsewhere", "portal_id": other_mp.id})
    call(portal, "POST", PRODUCTS, mp.token("viewer"), 403, json={"name": "Viewer's"})
    assert_invalid(call(portal, "POST", PRODUCTS, editor, 400, json={}), "name", "required")
    assert_invalid(call(portal, "POST", PRODUCTS, editor, 400, json={"name": "x", "colour": "red"}),
                   "colour", "unknown_property")

    assert call(portal, "GET", PRODUCT, mp.token("viewer"), 200, ids=pid) == product
    # Lists: a project token sees its portal's products, the root token every portal's.
    mine = call(portal, "GET", PRODUCTS, mp.token("viewer"), 200)
    assert [p["id"] for p in mine["data"]] == [product["id"]] and mine["meta"]["page"]["total"] == 1, mine
    everything = call(portal, "GET", PRODUCTS, root_token, 200, params={"page[size]": "100"})
    assert everything["meta"]["page"]["total"] >= 2, everything
    # Another portal's token does not find it.
    call(portal, "GET", PRODUCT, other_mp.token("admin"), 404, ids=pid)

    updated = call(portal, "PATCH", PRODUCT, editor, 200, ids=pid, json={"name": "Payments API", "labels": None})
    assert_api_product(updated, name="Payments API", description="Money in, money out", labels={})
    call(portal, "PATCH", PRODUCT, editor, 200, ids=pid, json={"description": None})
    assert call(portal, "GET", PRODUCT, editor, 200, ids=pid)["description"] is None

    version = new_version(portal, editor, product["id"], "v1", description="First")
    assert call(portal, "GET", PRODUCT, editor, 200, ids=pid)["version_count"] == 1

    call(portal, "DELETE", PRODUCT, editor, 403, ids=pid)
    assert call(portal, "DELETE", PRODUCT, mp.token("admin"), 204, ids=pid) is None
    call(portal, "GET", PRODUCT, editor, 404, ids=pid)
    call(portal, "GET", PRODUCT_VERSION, editor, 404, ids={**pid, "versionId": version["id"]})
    call(portal, "GET", PRODUCT, root_token, 404, ids={"productId": random_id()})


def test_api_product_versions(portal, mp, other_mp):
    editor = mp.token("editor")
    product = new_product(portal, editor)
    pid = {"productId": product["id"]}
    v1 = new_version(portal, editor, product["id"], "v1", description="First")
    assert_api_version(v1, product_id=product["id"], name="v1", description="First", portal_id=mp.id,
                       listed_in_portal=False, has_specification=False)
    v2 = new_version(portal, editor, product["id"], "v2")
    assert v2["description"] is None, v2
    call(portal, "POST", PRODUCT_VERSIONS, editor, 409, ids=pid, json={"name": "v1"})
    # Another product may have a v1.
    new_version(portal, editor, new_product(portal, editor)["id"], "v1")
    assert_invalid(call(portal, "POST", PRODUCT_VERSIONS, editor, 400, ids=pid, json={}), "name", "required")

    listed = call(portal, "GET", PRODUCT_VERSIONS, mp.token("viewer"), 200, ids=pid)
    assert sorted(v["id"] for v in listed["data"]) == sorted([v1["id"], v2["id"]]), listed
    vids = {**pid, "versionId": v1["id"]}
    assert call(portal, "GET", PRODUCT_VERSION, mp.token("viewer"), 200, ids=vids) == v1
    renamed = call(portal, "PATCH", PRODUCT_VERSION, editor, 200, ids=vids, json={"name": "v1.1"})
    assert renamed["name"] == "v1.1" and renamed["description"] == "First", renamed
    call(portal, "PATCH", PRODUCT_VERSION, editor, 409, ids=vids, json={"name": "v2"})
    # A version of another product through this product's path is 404.
    stranger = new_version(portal, other_mp.root, new_product(portal, other_mp.root, other_mp.id)["id"])
    call(portal, "GET", PRODUCT_VERSION, mp.root, 404, ids={**pid, "versionId": stranger["id"]})

    # New versions are not in the portal until attached: neither in its product versions nor its products,
    # nor in the developer API.
    assert call(portal, "GET", PORTAL_VERSIONS, editor, 200, ids=mp.ids())["data"] == []
    assert call(portal, "GET", PORTAL_PRODUCTS, editor, 200, ids=mp.ids())["data"] == []
    dev = Dev(portal, mp.host)
    assert dev.services() == []

    call(portal, "DELETE", PRODUCT_VERSION, editor, 403, ids=vids)
    call(portal, "DELETE", PRODUCT_VERSION, mp.token("admin"), 204, ids=vids)
    call(portal, "GET", PRODUCT_VERSION, editor, 404, ids=vids)
    assert [v["id"] for v in call(portal, "GET", PRODUCT_VERSIONS, editor, 200, ids=pid)["data"]] == [v2["id"]]


def approved_key(portal: Portal, mp: MP, dev: Dev, version_id: str) -> str:
    """A registration of a new application of `dev` to the (key-auth) version, approved as a key request: the key."""
    app = dev.create_app(name=f"Keyed {uuid.uuid4().hex[:6]}")
    r = dev.post_instance(app["id"], version_id)
    assert r.status_code == 201, r.text
    approved = admin(portal, "PUT", f"/api/portal/requests/approve/{r.json()['id']}", mp.token("editor"))
    assert approved.status_code == 200 and approved.json()["RawKey"], approved.text
    return approved.json()["RawKey"]


def developer_keys(dev: Dev) -> list[str]:
    r = dev.req("GET", "/credentials/key-auth?size=1000")
    assert r.status_code == 200, r.text
    return sorted(item["key"] for item in r.json()["data"])


def test_deleting_an_api_product_or_version_removes_the_keys_their_registrations_were_issued(portal, mp):
    """docs/decisions.md: deleting a registration removes the key a key-request approval issued; deleting a
    version or a product deletes its registrations, so their keys go too."""
    dev = Dev(portal, mp.host)
    product_a, listed_a = listed_version(portal, mp)
    product_b, listed_b = listed_version(portal, mp)
    key_a = approved_key(portal, mp, dev, listed_a["id"])
    key_b = approved_key(portal, mp, dev, listed_b["id"])
    assert developer_keys(dev) == sorted([key_a, key_b])

    call(portal, "DELETE", PRODUCT_VERSION, mp.root, 204, ids={"productId": product_a["id"], "versionId": listed_a["id"]})
    assert developer_keys(dev) == [key_b]
    call(portal, "DELETE", PRODUCT, mp.root, 204, ids={"productId": product_b["id"]})
    assert developer_keys(dev) == [], "the key issued for a registration to a deleted product survives it"


OPENAPI_YAML = """\
openapi: 3.0.3
info:
  title: Payments
  version: 1.2.0
paths:
  /payments:
    get:
      responses:
        '200':
          description: ok
    post:
      responses:
        '201':
          description: created
  /payments/{id}:
    delete:
      responses:
        '204':
          description: gone
"""

OPENAPI_JSON = json.dumps({
    "openapi": "3.1.0", "info": {"title": "Orders", "version": "2"},
    "paths": {"/orders": {"get": {"responses": {"200": {"description": "ok"}}}}},
})

SWAGGER_YAML = """\
swagger: "2.0"
info:
  title: Legacy
  version: "0.9"
paths:
  /things:
    get:
      responses:
        200:
          description: ok
"""

ANCHORS_YAML = """\
openapi: 3.0.3
info:
  title: Bomb
  version: "1"
x-a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
x-c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]
paths: {}
"""

ALIAS_ONLY_YAML = """\
openapi: 3.0.3
info: &info
  title: Alias
  version: "1"
x-copy: *info
paths: {}
"""


def test_specifications_are_validated_and_stored(portal, mp):
    editor = mp.token("editor")
    product = new_product(portal, editor)
    version = new_version(portal, editor, product["id"])
    ids = {"productId": product["id"], "versionId": version["id"]}
    call(portal, "GET", SPECIFICATION, editor, 404, ids=ids)

    stored = call(portal, "PUT", SPECIFICATION, editor, 200, ids=ids, json={"content": OPENAPI_YAML})
    assert stored == {"product_version_id": version["id"], "title": "Payments", "version": "1.2.0",
                      "openapi_version": "3.0.3", "operation_count": 3, "content": OPENAPI_YAML}, stored
    assert call(portal, "GET", SPECIFICATION, mp.token("viewer"), 200, ids=ids) == stored
    assert call(portal, "GET", PRODUCT_VERSION, editor, 200, ids=ids)["has_specification"] is True

    as_json = call(portal, "PUT", SPECIFICATION, editor, 200, ids=ids, json={"content": OPENAPI_JSON})
    assert (as_json["title"], as_json["version"], as_json["openapi_version"], as_json["operation_count"]) == \
        ("Orders", "2", "3.1.0", 1), as_json
    swagger = call(portal, "PUT", SPECIFICATION, editor, 200, ids=ids, json={"content": SWAGGER_YAML})
    assert (swagger["title"], swagger["version"], swagger["openapi_version"], swagger["operation_count"]) == \
        ("Legacy", "0.9", "2.0", 1), swagger
    call(portal, "PUT", SPECIFICATION, mp.token("viewer"), 403, ids=ids, json={"content": OPENAPI_YAML})
    # What is stored is still the last good document.
    assert call(portal, "GET", SPECIFICATION, editor, 200, ids=ids)["content"] == SWAGGER_YAML


@pytest.mark.parametrize("content", [
    "",
    "just a string",
    "- a\n- list\n",
    "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: [\n",
    "{\"openapi\": \"3.0.0\", ",
    "openapi: 4.0.0\ninfo: {title: x, version: '1'}\npaths: {}\n",
    "swagger: '1.2'\ninfo: {title: x, version: '1'}\npaths: {}\n",
    "info: {title: x, version: '1'}\npaths: {}\n",
    "openapi: 3.0.3\ninfo: {version: '1'}\npaths: {}\n",
    "openapi: 3.0.3\ninfo: {title: x}\npaths: {}\n",
    "openapi: 3.0.3\ninfo: {title: x, version: '1'}\n",
    "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths:\n  things: {}\n",
    ANCHORS_YAML,
    ALIAS_ONLY_YAML,
], ids=["empty", "scalar", "list", "broken-yaml", "broken-json", "openapi-4", "swagger-1.2", "no-version-field",
        "no-title", "no-info-version", "no-paths", "path-without-slash", "anchor-bomb", "alias"])
def test_invalid_specifications_are_400_and_not_stored(portal, mp, content):
    product = new_product(portal, mp.root, mp.id)
    version = new_version(portal, mp.root, product["id"])
    ids = {"productId": product["id"], "versionId": version["id"]}
    call(portal, "PUT", SPECIFICATION, mp.root, 200, ids=ids, json={"content": OPENAPI_YAML})
    problem = call(portal, "PUT", SPECIFICATION, mp.root, 400, ids=ids, json={"content": content})
    assert_invalid(problem, "content")
    assert call(portal, "GET", SPECIFICATION, mp.root, 200, ids=ids)["content"] == OPENAPI_YAML


def test_a_specification_body_needs_content(portal, mp):
    product = new_product(portal, mp.root, mp.id)
    version = new_version(portal, mp.root, product["id"])
    ids = {"productId": product["id"], "versionId": version["id"]}
    assert_invalid(call(portal, "PUT", SPECIFICATION, mp.root, 400, ids=ids, json={}), "content", "required")
    assert_invalid(call(portal, "PUT", SPECIFICATION, mp.root, 400, ids=ids, json={"content": {"openapi": "3.0.0"}}),
                   "content", "is_string")
    assert_invalid(call(portal, "PUT", SPECIFICATION, mp.root, 400, ids=ids,
                        json={"content": OPENAPI_YAML, "format": "yaml"}), "format", "unknown_property")
    call(portal, "GET", SPECIFICATION, mp.root, 404, ids=ids)


# === portal products and portal product versions =================================================================


def test_attach_a_version_to_the_portal(portal, mp):
    editor = mp.token("editor")
    product = new_product(portal, editor)
    version = new_version(portal, editor, product["id"], "v1")
    dev = Dev(portal, mp.host)
    assert dev.services() == []

    listed = attach(portal, editor, mp.id, version["id"], auto_approve_registration=True)
    assert listed["id"] == version["id"] == listed["product_version_id"], listed
    assert (listed["publish_status"], listed["application_registration_enabled"], listed["auto_approve_registration"],
            listed["deprecated"], listed["auth_strategies"]) == ("published", True, True, False, []), listed
    vids = mp.ids(productVersionId=version["id"])
    assert call(portal, "GET", PORTAL_VERSION, mp.token("viewer"), 200, ids=vids) == listed
    page = call(portal, "GET", PORTAL_VERSIONS, mp.token("viewer"), 200, ids=mp.ids())
    assert page["data"] == [listed] and page["meta"]["page"]["total"] == 1, page
    products = call(portal, "GET", PORTAL_PRODUCTS, mp.token("viewer"), 200, ids=mp.ids())
    assert [p["id"] for p in products["data"]] == [product["id"]], products
    assert call(portal, "GET", PRODUCT_VERSION, editor, 200,
                ids={"productId": product["id"], "versionId": version["id"]})["listed_in_portal"] is True
    # The developer API sees it now, auto-approving.
    services = dev.req("GET", "/application_services").json()["data"]
    assert [s["id"] for s in services] == [version["id"]], services
    assert services[0]["app_registration_config"]["auto_approve"] is True, services

    # Listed already.
    call(portal, "POST", PORTAL_VERSIONS, editor, 409, ids=mp.ids(),
         json={"product_version_id": version["id"], **settings()})
    call(portal, "POST", PORTAL_VERSIONS, mp.token("viewer"), 403, ids=mp.ids(),
         json={"product_version_id": version["id"], **settings()})


def test_attach_refuses_another_portals_or_an_unknown_version_and_missing_settings(portal, mp, other_mp):
    foreign = new_version(portal, other_mp.root, new_product(portal, other_mp.root, other_mp.id)["id"])
    for vid in (foreign["id"], random_id()):
        problem = call(portal, "POST", PORTAL_VERSIONS, mp.root, 400, ids=mp.ids(),
                       json={"product_version_id": vid, **settings()})
        assert_invalid(problem, "product_version_id", "missing_reference")
    assert call(portal, "GET", PORTAL_VERSIONS, mp.root, 200, ids=mp.ids())["data"] == []

    own = new_version(portal, mp.root, new_product(portal, mp.root, mp.id)["id"])
    for missing in ("publish_status", "application_registration_enabled", "auto_approve_registration", "deprecated",
                    "auth_strategy_ids"):
        body = {"product_version_id": own["id"], **settings()}
        del body[missing]
        problem = call(portal, "POST", PORTAL_VERSIONS, mp.root, 400, ids=mp.ids(), json=body)
        assert_invalid(problem, missing, "required")
    assert_invalid(call(portal, "POST", PORTAL_VERSIONS, mp.root, 400, ids=mp.ids(), json=settings()),
                   "product_version_id", "required")
    assert_invalid(call(portal, "POST", PORTAL_VERSIONS, mp.root, 400, ids=mp.ids(),
                        json={"product_version_id": own["id"], **settings(publish_status="draft")}),
                   "publish_status", "enum")
    assert_invalid(call(portal, "POST", PORTAL_VERSIONS, mp.root, 400, ids=mp.ids(),
                        json={"product_version_id": own["id"], **settings(auth_strategy_ids=[random_id(), random_id()])}),
                   "auth_strategy_ids", "max_items")
    assert_invalid(call(portal, "POST", PORTAL_VERSIONS, mp.root, 400, ids=mp.ids(),
                        json={"product_version_id": own["id"], **settings(auth_strategy_ids=[random_id()])}),
                   "auth_strategy_ids", "missing_reference")
    assert_invalid(call(portal, "POST", PORTAL_VERSIONS, mp.root, 400, ids=mp.ids(),
                        json={"product_version_id": own["id"], **settings(), "notify_developers": True}),
                   "notify_developers", "unknown_property")
    assert call(portal, "GET", PORTAL_VERSIONS, mp.root, 200, ids=mp.ids())["data"] == []
    # The other portal's token cannot reach this portal at all.
    call(portal, "POST", PORTAL_VERSIONS, other_mp.token("admin"), 404, ids=mp.ids(),
         json={"product_version_id": foreign["id"], **settings()})


def test_update_and_replace_a_portal_product_version(portal, mp):
    editor = mp.token("editor")
    product, listed = listed_version(portal, mp)
    vids = mp.ids(productVersionId=listed["id"])
    dev = Dev(portal, mp.host)
    assert dev.services() == [listed["id"]]

    patched = call(portal, "PATCH", PORTAL_VERSION, editor, 200, ids=vids, json={"deprecated": True})
    assert patched["deprecated"] is True and patched["publish_status"] == "published", patched
    assert patched["application_registration_enabled"] is True and patched["auto_approve_registration"] is False
    patched = call(portal, "PATCH", PORTAL_VERSION, editor, 200, ids=vids, json={"application_registration_enabled": False})
    assert patched["application_registration_enabled"] is False and patched["deprecated"] is True, patched
    assert dev.services() == []
    assert call(portal, "GET", PORTAL_VERSION, editor, 200, ids=vids) == patched
    patched = call(portal, "PATCH", PORTAL_VERSION, editor, 200, ids=vids, json={})
    assert {k: v for k, v in patched.items() if k != "updated_at"} == \
        {k: v for k, v in call(portal, "GET", PORTAL_VERSION, editor, 200, ids=vids).items() if k != "updated_at"}
    assert_invalid(call(portal, "PATCH", PORTAL_VERSION, editor, 400, ids=vids, json={"deprecated": "yes"}),
                   "deprecated", "is_boolean")
    assert_invalid(call(portal, "PATCH", PORTAL_VERSION, editor, 400, ids=vids,
                        json={"product_version_id": listed["id"]}), "product_version_id", "unknown_property")

    # PUT needs every setting.
    for missing in ("publish_status", "application_registration_enabled", "auto_approve_registration", "deprecated",
                    "auth_strategy_ids"):
        body = settings()
        del body[missing]
        assert_invalid(call(portal, "PUT", PORTAL_VERSION, editor, 400, ids=vids, json=body), missing, "required")
    assert call(portal, "GET", PORTAL_VERSION, editor, 200, ids=vids)["application_registration_enabled"] is False
    replaced = call(portal, "PUT", PORTAL_VERSION, editor, 200, ids=vids,
                    json=settings(auto_approve_registration=True))
    assert (replaced["publish_status"], replaced["application_registration_enabled"], replaced["auto_approve_registration"],
            replaced["deprecated"]) == ("published", True, True, False), replaced
    assert dev.services() == [listed["id"]]
    unpublished = call(portal, "PUT", PORTAL_VERSION, editor, 200, ids=vids, json=settings(publish_status="unpublished"))
    assert unpublished["publish_status"] == "unpublished", unpublished
    assert dev.services() == []
    call(portal, "PATCH", PORTAL_VERSION, mp.token("viewer"), 403, ids=vids, json={"deprecated": False})
    call(portal, "PATCH", PORTAL_VERSION, editor, 404, ids=mp.ids(productVersionId=random_id()), json={})
    # An API-product version that is not attached is not a portal product version.
    loose = new_version(portal, editor, product["id"], "v9")
    call(portal, "GET", PORTAL_VERSION, editor, 404, ids=mp.ids(productVersionId=loose["id"]))
    call(portal, "PATCH", PORTAL_VERSION, editor, 404, ids=mp.ids(productVersionId=loose["id"]), json={})


def test_notify_developers_mails_developers_with_registrations(portal, mp):
    editor = mp.token("editor")
    _, listed = listed_version(portal, mp)
    _, other = listed_version(portal, mp)
    vids = mp.ids(productVersionId=listed["id"])
    registered = Dev(portal, mp.host)
    app = registered.create_app()
    assert registered.post_instance(app["id"], listed["id"]).status_code == 201
    elsewhere = Dev(portal, mp.host)
    other_app = elsewhere.create_app()
    assert elsewhere.post_instance(other_app["id"], other["id"]).status_code == 201
    bystander = Dev(portal, mp.host)

    # Without notify_developers, no mail.
    call(portal, "PATCH", PORTAL_VERSION, editor, 200, ids=vids, json={"deprecated": True})
    call(portal, "PATCH", PORTAL_VERSION, editor, 200, ids=vids, json={"deprecated": True, "notify_developers": True})
    mails = wait_for_subject(portal, registered.email, "Changes to")
    assert len(mails) == 1, [m.get("Subject") for m in mails]
    call(portal, "PUT", PORTAL_VERSION, editor, 200, ids=vids, json=settings(notify_developers=True))
    deadline = time.monotonic() + 15
    while len(wait_for_subject(portal, registered.email, "Changes to")) < 2:
        assert time.monotonic() < deadline, "no second notification"
        time.sleep(0.1)
    time.sleep(1)
    for dev in (elsewhere, bystander):
        assert not [m for m in portal.mails(dev.email) if "changes to" in m.get("Subject", "").lower()], dev.email
    assert_invalid(call(portal, "PATCH", PORTAL_VERSION, editor, 400, ids=vids, json={"notify_developers": "yes"}),
                   "notify_developers", "is_boolean")


def test_delete_unlists_a_version(portal, mp):
    editor, admin_token = mp.token("editor"), mp.token("admin")
    product, listed = listed_version(portal, mp)
    vids = mp.ids(productVersionId=listed["id"])
    dev = Dev(portal, mp.host)
    app = dev.create_app()
    instance = dev.post_instance(app["id"], listed["id"]).json()
    assert dev.services() == [listed["id"]]

    call(portal, "DELETE", PORTAL_VERSION, editor, 403, ids=vids)
    assert call(portal, "DELETE", PORTAL_VERSION, admin_token, 204, ids=vids) is None
    call(portal, "GET", PORTAL_VERSION, editor, 404, ids=vids)
    call(portal, "DELETE", PORTAL_VERSION, admin_token, 404, ids=vids)
    assert call(portal, "GET", PORTAL_VERSIONS, editor, 200, ids=mp.ids())["data"] == []
    assert call(portal, "GET", PORTAL_PRODUCTS, editor, 200, ids=mp.ids())["data"] == []
    # Gone from the developer API; the registration stays.
    assert dev.services() == []
    r = dev.req("GET", f"/applications/{app['id']}/application_instances/{instance['id']}")
    assert r.status_code == 200, r.text
    second = dev.create_app(name="Late")
    assert dev.post_instance(second["id"], listed["id"]).status_code == 400
    # The API product's version is still there, unlisted, and may be attached again.
    version = call(portal, "GET", PRODUCT_VERSION, editor, 200, ids={"productId": product["id"], "versionId": listed["id"]})
    assert version["listed_in_portal"] is False, version
    again = attach(portal, editor, mp.id, listed["id"])
    assert again["publish_status"] == "published" and again["application_registration_enabled"] is True, again
    assert dev.services() == [listed["id"]]


def test_portal_products_list_only_products_with_a_listed_version(portal, mp):
    shown, _ = listed_version(portal, mp)
    hidden = new_product(portal, mp.root, mp.id)
    new_version(portal, mp.root, hidden["id"])
    page = call(portal, "GET", PORTAL_PRODUCTS, mp.token("viewer"), 200, ids=mp.ids())
    assert [p["id"] for p in page["data"]] == [shown["id"]] and page["meta"]["page"]["total"] == 1, page
    assert page["data"][0]["portal_ids"] == [mp.id] and page["data"][0]["name"] == shown["name"], page


def test_a_portal_products_version_count_counts_its_published_versions_in_the_portal(portal, mp):
    """The v2 file's PublishedAPIProduct.version_count: "The number of published product versions attached to
    this API product" — not versions left out of the portal or unpublished in it."""
    product, _ = listed_version(portal, mp)
    new_version(portal, mp.root, product["id"], "v2-unlisted")
    unpublished = new_version(portal, mp.root, product["id"], "v3-unpublished")
    attach(portal, mp.root, mp.id, unpublished["id"], publish_status="unpublished")
    page = call(portal, "GET", PORTAL_PRODUCTS, mp.root, 200, ids=mp.ids())
    assert [(p["id"], p["version_count"]) for p in page["data"]] == [(product["id"], 1)], page


# === application auth strategies (extension) =====================================================================


def assert_strategy(body: dict, **expected):
    assert set(body) == {"id", "name", "display_name", "strategy_type", "configs", "labels", "created_at",
                         "updated_at"}, body
    assert UUID_RE.fullmatch(body["id"]), body
    assert RFC3339_RE.fullmatch(body["created_at"]) and RFC3339_RE.fullmatch(body["updated_at"]), body
    for k, v in expected.items():
        assert body[k] == v, (k, body)


def all_strategies(portal: Portal, token: str) -> list[dict]:
    body = call(portal, "GET", STRATEGIES, token, 200, params={"page[size]": "100"})
    assert body["meta"]["page"]["total"] == len(body["data"]), body
    return body["data"]


def test_the_built_in_key_auth_strategy(portal, root_token, mp):
    builtin = [s for s in all_strategies(portal, mp.token("viewer")) if s["name"] == "key-auth"]
    assert len(builtin) == 1, builtin
    assert_strategy(builtin[0], strategy_type="key_auth", configs={"key_auth": {"key_names": ["apikey"]}})
    assert call(portal, "GET", STRATEGY, root_token, 200, ids={"strategyId": builtin[0]["id"]}) == builtin[0]
    # New API-product versions use it until attached with other strategies.
    product = new_product(portal, mp.root, mp.id)
    version = new_version(portal, mp.root, product["id"])
    listed = call(portal, "POST", PORTAL_VERSIONS, mp.root, 201, ids=mp.ids(), json={
        "product_version_id": version["id"], **settings(auth_strategy_ids=[builtin[0]["id"]])})
    assert listed["auth_strategies"] == [{"id": builtin[0]["id"], "name": "key-auth", "credential_type": "key_auth",
                                          "key_names": ["apikey"]}], listed
    call(portal, "DELETE", STRATEGY, root_token, 409, ids={"strategyId": builtin[0]["id"]})


def test_create_update_and_delete_auth_strategies(portal, root_token, mp):
    key = new_strategy(portal, root_token, "key_auth", {"key_auth": {"key_names": ["X-Api-Key", "apikey"]}})
    assert_strategy(key, strategy_type="key_auth", display_name="Test strategy",
                    configs={"key_auth": {"key_names": ["X-Api-Key", "apikey"]}}, labels={})
    assert_recent(key["created_at"])
    oidc = new_strategy(portal, root_token, "openid_connect", {"openid_connect": {
        "issuer": "https://idp.example.com/realms/dev", "scopes": ["openid", "payments"],
        "auth_methods": ["client_credentials", "bearer"], "credential_claim": ["client_id"]}})
    assert_strategy(oidc, strategy_type="openid_connect")
    assert oidc["configs"]["openid_connect"]["issuer"] == "https://idp.example.com/realms/dev", oidc
    assert oidc["configs"]["openid_connect"]["scopes"] == ["openid", "payments"], oidc
    assert oidc["configs"]["openid_connect"]["auth_methods"] == ["client_credentials", "bearer"], oidc
    basic = new_strategy(portal, root_token, "basic_auth", {"basic_auth": {}})
    assert_strategy(basic, strategy_type="basic_auth", configs={"basic_auth": {}})

    ids = {s["id"] for s in all_strategies(portal, root_token)}
    assert {key["id"], oidc["id"], basic["id"]} <= ids
    assert call(portal, "GET", STRATEGY, mp.token("viewer"), 200, ids={"strategyId": oidc["id"]}) == oidc

    renamed = call(portal, "PATCH", STRATEGY, root_token, 200, ids={"strategyId": key["id"]}, json={
        "display_name": "Header key", "configs": {"key_auth": {"key_names": ["X-Key"]}}, "labels": {"env": "test"}})
    assert_strategy(renamed, name=key["name"], display_name="Header key", strategy_type="key_auth",
                    configs={"key_auth": {"key_names": ["X-Key"]}}, labels={"env": "test"})
    # The type does not change.
    assert_invalid(call(portal, "PATCH", STRATEGY, root_token, 400, ids={"strategyId": key["id"]},
                        json={"strategy_type": "basic_auth"}), "strategy_type", "unknown_property")
    assert_invalid(call(portal, "PATCH", STRATEGY, root_token, 400, ids={"strategyId": key["id"]},
                        json={"configs": {"basic_auth": {}}}), "configs")
    # Names are unique.
    call(portal, "POST", STRATEGIES, root_token, 409, json={
        "name": key["name"], "display_name": "Twin", "strategy_type": "basic_auth", "configs": {"basic_auth": {}}})

    for s in (key, oidc, basic):
        assert call(portal, "DELETE", STRATEGY, root_token, 204, ids={"strategyId": s["id"]}) is None
        call(portal, "GET", STRATEGY, root_token, 404, ids={"strategyId": s["id"]})
    call(portal, "DELETE", STRATEGY, root_token, 404, ids={"strategyId": key["id"]})


@pytest.mark.parametrize("body,field", [
    ({"strategy_type": "openid_connect", "configs": {"openid_connect": {"issuer": "http://idp.example.com"}}},
     "configs.openid_connect.issuer"),
    ({"strategy_type": "openid_connect", "configs": {"openid_connect": {"issuer": "not a url"}}},
     "configs.openid_connect.issuer"),
    ({"strategy_type": "openid_connect", "configs": {"openid_connect": {}}}, "configs.openid_connect.issuer"),
    ({"strategy_type": "key_auth", "configs": {"openid_connect": {"issuer": "https://idp.example.com"}}}, "configs"),
    ({"strategy_type": "key_auth", "configs": {"key_auth": {"key_names": "apikey"}}}, "configs.key_auth.key_names"),
    ({"strategy_type": "key_auth"}, "configs"),
    ({"strategy_type": "oauth2", "configs": {"oauth2": {}}}, "strategy_type"),
    ({"configs": {"basic_auth": {}}}, "strategy_type"),
    ({"strategy_type": "basic_auth", "configs": {"basic_auth": {}}, "secret": "x"}, "secret"),
])
def test_bad_auth_strategies_are_400(portal, root_token, body, field):
    name = f"bad-{uuid.uuid4().hex[:10]}"
    problem = call(portal, "POST", STRATEGIES, root_token, 400, json={"name": name, "display_name": "Bad", **body})
    assert_invalid(problem, field)
    assert name not in {s["name"] for s in all_strategies(portal, root_token)}


def test_only_a_root_token_changes_auth_strategies(portal, root_token, mp):
    strategy = new_strategy(portal, root_token, "basic_auth", {"basic_auth": {}})
    sid = {"strategyId": strategy["id"]}
    for role in ("viewer", "editor", "admin"):
        token = mp.token(role)
        call(portal, "POST", STRATEGIES, token, 403, json={
            "name": f"proj-{uuid.uuid4().hex[:8]}", "display_name": "P", "strategy_type": "basic_auth",
            "configs": {"basic_auth": {}}})
        call(portal, "PATCH", STRATEGY, token, 403, ids=sid, json={"display_name": "Mine"})
        call(portal, "DELETE", STRATEGY, token, 403, ids=sid)
        # Reading is fine.
        assert call(portal, "GET", STRATEGY, token, 200, ids=sid) == strategy
    call(portal, "GET", STRATEGIES, None, 401)
    call(portal, "POST", STRATEGIES, None, 401, json={})
    assert call(portal, "GET", STRATEGY, root_token, 200, ids=sid) == strategy


def test_a_strategy_in_use_cannot_be_deleted(portal, root_token, mp):
    strategy = new_strategy(portal, root_token, "openid_connect", {"openid_connect": {
        "issuer": "https://login.example.org", "scopes": ["read"]}})
    sid = {"strategyId": strategy["id"]}
    _, listed = listed_version(portal, mp, auth_strategy_ids=[strategy["id"]])
    # openid_connect shows as the v2 file's client credentials (validated against the file by `attach`).
    assert listed["auth_strategies"] == [{"id": strategy["id"], "name": strategy["name"],
                                          "credential_type": "client_credentials", "auth_methods": ["client_credentials"],
                                          "available_scopes": ["read"]}], listed
    call(portal, "DELETE", STRATEGY, root_token, 409, ids=sid)
    vids = mp.ids(productVersionId=listed["id"])
    # Detaching it from the version frees it.
    detached = call(portal, "PATCH", PORTAL_VERSION, mp.root, 200, ids=vids, json={"auth_strategy_ids": []})
    assert detached["auth_strategies"] == [], detached
    assert call(portal, "DELETE", STRATEGY, root_token, 204, ids=sid) is None
    assert call(portal, "GET", PORTAL_VERSION, mp.root, 200, ids=vids)["auth_strategies"] == []


def test_deleting_a_portals_default_strategy_leaves_no_dangling_reference(portal, root_token, mp):
    """A strategy a portal names as `default_application_auth_strategy_id` is in use: deleting it is either
    refused (409) or clears the portal's reference; it never leaves the portal naming a strategy that is gone."""
    strategy = new_strategy(portal, root_token, "basic_auth", {"basic_auth": {}})
    assert mp.patch(default_application_auth_strategy_id=strategy["id"])["default_application_auth_strategy_id"] \
        == strategy["id"]
    r = admin(portal, "DELETE", V2 + STRATEGY.format(strategyId=strategy["id"]), root_token)
    assert r.status_code in (204, 409), r.text
    named = call(portal, "GET", PORTAL, mp.root, 200, ids=mp.ids())["default_application_auth_strategy_id"]
    if r.status_code == 204:
        assert named is None, f"the portal still names the deleted strategy {named}"
    else:
        assert named == strategy["id"]
        call(portal, "GET", STRATEGY, root_token, 200, ids={"strategyId": strategy["id"]})


def test_a_basic_auth_version_makes_a_key_request_approval_return_a_password(portal, root_token, mp):
    basic = new_strategy(portal, root_token, "basic_auth", {"basic_auth": {}})
    product = new_product(portal, mp.root, mp.id)
    version = new_version(portal, mp.root, product["id"])
    # basic_auth shows as `credential_type: "basic_auth"` (docs/decisions.md), which the v2 file's AuthStrategy
    # (key_auth or client credentials only) does not allow: the one reply not checked against the file.
    listed = attach(portal, mp.root, mp.id, version["id"], schema=False, auth_strategy_ids=[basic["id"]])
    assert listed["auth_strategies"] == [{"id": basic["id"], "name": basic["name"], "credential_type": "basic_auth",
                                          "key_names": []}], listed
    shape = {k: v for k, v in listed.items() if k != "auth_strategies"}
    assert set(shape) == {"id", "publish_status", "product_version_id", "created_at", "updated_at",
                          "application_registration_enabled", "auto_approve_registration", "deprecated"}, listed

    dev = Dev(portal, mp.host)
    app = dev.create_app()
    r = dev.post_instance(app["id"], version["id"])
    assert r.status_code == 201 and r.json()["status"] == 1, r.text
    rid = r.json()["id"]
    approved = admin(portal, "PUT", f"/api/portal/requests/approve/{rid}", mp.token("editor"))
    assert approved.status_code == 200, approved.text
    reply = approved.json()
    assert set(reply) == {"RawKey", "Password"}, reply
    assert isinstance(reply["RawKey"], str) and reply["RawKey"], reply
    assert isinstance(reply["Password"], str) and reply["Password"] and reply["Password"] != reply["RawKey"], reply
    instance = dev.req("GET", f"/applications/{app['id']}/application_instances/{rid}")
    assert instance.status_code == 200 and instance.json()["status"] == 0, instance.text
    # A key-auth version, by contrast, issues a key and no password.
    key_auth = [s for s in all_strategies(portal, root_token) if s["name"] == "key-auth"][0]
    call(portal, "PATCH", PORTAL_VERSION, mp.root, 200, ids=mp.ids(productVersionId=version["id"]),
         json={"auth_strategy_ids": [key_auth["id"]]})
    second = dev.create_app(name="Keyed")
    rid2 = dev.post_instance(second["id"], version["id"]).json()["id"]
    approved = admin(portal, "PUT", f"/api/portal/requests/approve/{rid2}", mp.token("editor"))
    assert approved.status_code == 200 and approved.json()["Password"] == "" and approved.json()["RawKey"], approved.text
    # No version names the basic-auth strategy any more: it may go.
    call(portal, "DELETE", STRATEGY, root_token, 204, ids={"strategyId": basic["id"]})


# === portal configuration (extension) ==========================================================================

DEFAULT_META_FIELDS = [{"title": "full_name", "label": "Full Name", "is_email": False,
                        "validator": {"type": "string", "required": True}}]


def configuration(portal: Portal, mp: MP, token: str | None = None) -> dict:
    body = call(portal, "GET", CONFIGURATION, token or mp.root, 200, ids=mp.ids())
    assert set(body) == {"data"} and isinstance(body["data"], dict), body
    return body["data"]


def register(portal: Portal, mp: MP, meta: dict) -> requests.Response:
    return portal.session.post(portal.url(API + "/register"), headers=mp.host, timeout=15, data={
        "email": new_email(), "password": PASSWORD, "meta": json.dumps(meta)})


def meta_fields(portal: Portal, mp: MP) -> list:
    r = portal.session.get(portal.url(API + "/developer/meta_fields"), headers=mp.host, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


def test_configuration_defaults(portal, mp):
    assert configuration(portal, mp, mp.token("viewer")) == {
        "email_verification": False, "developer_meta_fields": DEFAULT_META_FIELDS}
    assert meta_fields(portal, mp) == DEFAULT_META_FIELDS


def test_configuration_shows_a_cli_made_portals_email_verification(portal, root_token, project_ids):
    body = call(portal, "GET", CONFIGURATION, root_token, 200, ids={"portalId": project_ids["verify"]})
    assert body["data"]["email_verification"] is True, body
    body = call(portal, "GET", CONFIGURATION, root_token, 200, ids={"portalId": project_ids["pending"]})
    assert body["data"]["email_verification"] is False, body


def test_patch_merges_and_null_removes(portal, mp):
    editor = mp.token("editor")
    body = call(portal, "PATCH", CONFIGURATION, editor, 200, ids=mp.ids(),
                json={"data": {"support_email": "help@example.com", "theme": {"primary": "#123456", "dark": True}}})
    assert body["data"] == {"support_email": "help@example.com", "theme": {"primary": "#123456", "dark": True},
                            "email_verification": False, "developer_meta_fields": DEFAULT_META_FIELDS}, body
    body = call(portal, "PATCH", CONFIGURATION, editor, 200, ids=mp.ids(),
                json={"data": {"footer": ["a", 1, None], "theme": {"primary": "#000000"}}})
    # Top-level members merge; a member's value is replaced whole.
    assert body["data"]["theme"] == {"primary": "#000000"} and body["data"]["footer"] == ["a", 1, None], body
    assert body["data"]["support_email"] == "help@example.com", body
    assert configuration(portal, mp) == body["data"]
    body = call(portal, "PATCH", CONFIGURATION, editor, 200, ids=mp.ids(), json={"data": {"support_email": None}})
    assert "support_email" not in body["data"] and "theme" in body["data"], body
    assert configuration(portal, mp) == body["data"]
    # Removing an absent key is no error; an empty PATCH changes nothing.
    assert call(portal, "PATCH", CONFIGURATION, editor, 200, ids=mp.ids(), json={"data": {"never": None}})["data"] \
        == body["data"]
    assert call(portal, "PATCH", CONFIGURATION, editor, 200, ids=mp.ids(), json={"data": {}})["data"] == body["data"]
    call(portal, "PATCH", CONFIGURATION, mp.token("viewer"), 403, ids=mp.ids(), json={"data": {"x": 1}})
    assert configuration(portal, mp) == body["data"]


def test_email_verification_applies_to_the_next_sign_up(portal, mp):
    r = register(portal, mp, {"full_name": "Before"})
    assert r.status_code == 200 and r.json()["developer"]["status"] == 0, r.text
    body = call(portal, "PATCH", CONFIGURATION, mp.root, 200, ids=mp.ids(), json={"data": {"email_verification": True}})
    assert body["data"]["email_verification"] is True, body
    r = register(portal, mp, {"full_name": "After"})
    assert r.status_code == 200 and r.json()["developer"]["status"] == 5, r.text
    email = r.json()["developer"]["email"]
    wait_for_subject(portal, email, "")  # the verification mail
    call(portal, "PATCH", CONFIGURATION, mp.root, 200, ids=mp.ids(), json={"data": {"email_verification": False}})
    r = register(portal, mp, {"full_name": "Later"})
    assert r.status_code == 200 and r.json()["developer"]["status"] == 0, r.text


def test_developer_meta_fields_change_the_sign_up_form(portal, mp):
    fields = [
        {"title": "company", "label": "Company", "is_email": False, "validator": {"type": "string", "required": True}},
        {"title": "work_email", "label": "Work email", "is_email": True, "validator": {"type": "string", "required": False}},
    ]
    body = call(portal, "PATCH", CONFIGURATION, mp.root, 200, ids=mp.ids(), json={"data": {"developer_meta_fields": fields}})
    assert body["data"]["developer_meta_fields"] == fields, body
    assert meta_fields(portal, mp) == fields
    # The old form's field is refused, the new required one is needed.
    r = register(portal, mp, {"full_name": "Old Form"})
    assert r.status_code == 400 and "meta" in r.json()["fields"], r.text
    r = register(portal, mp, {"company": "Acme"})
    assert r.status_code == 200, r.text
    r = register(portal, mp, {"company": "Acme", "work_email": "dev@acme.example"})
    assert r.status_code == 200, r.text
    # Other portals keep theirs.
    other = MP(portal, mp.root)
    assert meta_fields(portal, other) == DEFAULT_META_FIELDS


def test_put_replaces_the_configuration(portal, mp):
    fields = [{"title": "team", "label": "Team", "is_email": False, "validator": {"type": "string", "required": True}}]
    call(portal, "PATCH", CONFIGURATION, mp.root, 200, ids=mp.ids(), json={"data": {
        "email_verification": True, "developer_meta_fields": fields, "a": 1, "b": 2}})
    body = call(portal, "PUT", CONFIGURATION, mp.token("editor"), 200, ids=mp.ids(), json={"data": {"c": {"d": [3]}}})
    assert body["data"] == {"c": {"d": [3]}, "email_verification": False,
                            "developer_meta_fields": DEFAULT_META_FIELDS}, body
    assert configuration(portal, mp) == body["data"]
    assert meta_fields(portal, mp) == DEFAULT_META_FIELDS
    r = register(portal, mp, {"full_name": "Default Form"})
    assert r.status_code == 200 and r.json()["developer"]["status"] == 0, r.text
    body = call(portal, "PUT", CONFIGURATION, mp.root, 200, ids=mp.ids(),
                json={"data": {"email_verification": True, "developer_meta_fields": fields}})
    assert body["data"] == {"email_verification": True, "developer_meta_fields": fields}, body
    assert call(portal, "PUT", CONFIGURATION, mp.root, 200, ids=mp.ids(), json={"data": {}})["data"] == {
        "email_verification": False, "developer_meta_fields": DEFAULT_META_FIELDS}


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("body,field", [
    ({}, "data"),
    ({"data": None}, "data"),
    ({"data": []}, "data"),
    ({"data": "x"}, "data"),
    ({"data": {}, "extra": 1}, "extra"),
    ({"data": {"email_verification": "yes"}}, "data.email_verification"),
    ({"data": {"developer_meta_fields": []}}, "data.developer_meta_fields"),
    ({"data": {"developer_meta_fields": {"title": "x"}}}, "data.developer_meta_fields"),
    ({"data": {"developer_meta_fields": [{"label": "No title"}]}}, "data.developer_meta_fields"),
    ({"data": {"developer_meta_fields": [{"title": "has space"}]}}, "data.developer_meta_fields"),
    ({"data": {"developer_meta_fields": [{"title": "a"}, {"title": "a"}]}}, "data.developer_meta_fields"),
    ({"data": {"developer_meta_fields": [{"title": f"f{i}"} for i in range(21)]}}, "data.developer_meta_fields"),
    ({"data": {"big": "x" * 70000}}, "data"),
    ({"data": {"ok": 1, "email_verification": 1}}, "data.email_verification"),
])
def test_bad_configuration_bodies_are_400_and_change_nothing(portal, mp, method, body, field):
    before = call(portal, "PATCH", CONFIGURATION, mp.root, 200, ids=mp.ids(), json={"data": {"kept": True}})["data"]
    problem = call(portal, method, CONFIGURATION, mp.root, 400, ids=mp.ids(), json=body)
    assert_invalid(problem, field)
    assert configuration(portal, mp) == before


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'"data"', b"null"])
def test_a_configuration_body_that_is_not_an_object_is_400(portal, mp, raw):
    problem = call(portal, "PATCH", CONFIGURATION, mp.root, 400, ids=mp.ids(), data=raw)
    assert problem["invalid_parameters"], problem
    assert configuration(portal, mp)["email_verification"] is False


def test_configuration_of_another_portal_is_404(portal, mp, other_mp):
    call(portal, "GET", CONFIGURATION, other_mp.token("admin"), 404, ids=mp.ids())
    call(portal, "PATCH", CONFIGURATION, other_mp.token("admin"), 404, ids=mp.ids(), json={"data": {"x": 1}})
    call(portal, "GET", CONFIGURATION, None, 401, ids=mp.ids())
    call(portal, "GET", CONFIGURATION, mp.root, 404, ids={"portalId": random_id()})
    assert_invalid(call(portal, "GET", CONFIGURATION, mp.root, 400, ids={"portalId": "nope"}), "portalId", "is_uuid")


# === verify-domain ===============================================================================================


def set_cname(portal: Portal, name: str, target: str | None):
    """Writes (or, with None, removes) `name`'s CNAME in the pool's stub file, which it reads at every lookup."""
    path = portal.root / "dns-stub.json"
    try:
        entries = json.loads(path.read_text())
    except (OSError, ValueError):
        entries = {}
    if target is None:
        entries.pop(name, None)
    else:
        entries[name] = target
    tmp = path.with_name(f".dns-stub-{uuid.uuid4().hex}.json")
    tmp.write_text(json.dumps(entries))
    os.chmod(tmp, 0o644)
    tmp.replace(path)


def test_verify_domain_without_a_custom_domain_is_400(portal, mp):
    problem = call(portal, "POST", VERIFY_DOMAIN, mp.token("viewer"), 400, ids=mp.ids())
    assert_invalid(problem, "custom_domain")


def test_verify_domain_checks_the_cname(portal, mp, other_mp):
    domain = f"docs-{uuid.uuid4().hex[:10]}.example.com"
    assert mp.patch(custom_domain=domain)["custom_domain"] == domain
    ids = mp.ids()
    set_cname(portal, domain, mp.domain)
    assert call(portal, "POST", VERIFY_DOMAIN, mp.token("viewer"), 200, ids=ids) == \
        {"is_cname_verified": True, "is_ssl_issued": False}
    # Case does not matter in DNS names.
    set_cname(portal, domain, mp.domain.upper())
    assert call(portal, "POST", VERIFY_DOMAIN, mp.root, 200, ids=ids)["is_cname_verified"] is True
    # Pointing elsewhere, at another portal, or nowhere: not verified.
    for target in ("elsewhere.example.net", other_mp.domain, None):
        set_cname(portal, domain, target)
        assert call(portal, "POST", VERIFY_DOMAIN, mp.root, 200, ids=ids) == \
            {"is_cname_verified": False, "is_ssl_issued": False}, target
    # The file is read again at every lookup.
    set_cname(portal, domain, mp.domain)
    assert call(portal, "POST", VERIFY_DOMAIN, mp.root, 200, ids=ids)["is_cname_verified"] is True
    # Another portal's token does not reach it.
    call(portal, "POST", VERIFY_DOMAIN, other_mp.token("admin"), 404, ids=ids)
    call(portal, "POST", VERIFY_DOMAIN, mp.root, 404, ids={"portalId": random_id()})
    # Removing the custom domain makes it 400 again.
    mp.patch(custom_domain=None)
    call(portal, "POST", VERIFY_DOMAIN, mp.root, 400, ids=ids)
    set_cname(portal, domain, None)


def test_a_failed_lookup_is_503(portal, mp):
    """docs/decisions.md: a failed lookup is 503 (the v2 file documents no 503 here: checked by hand)."""
    domain = f"down-{uuid.uuid4().hex[:10]}.example.com"
    mp.patch(custom_domain=domain)
    path = portal.root / "dns-stub.json"
    saved = path.read_text() if path.exists() else "{}"
    try:
        path.write_text("this is not JSON")
        call(portal, "POST", VERIFY_DOMAIN, mp.root, 503, ids=mp.ids(), schema=False)
    finally:
        path.write_text(saved)
    set_cname(portal, domain, mp.domain)
    assert call(portal, "POST", VERIFY_DOMAIN, mp.root, 200, ids=mp.ids())["is_cname_verified"] is True
    set_cname(portal, domain, None)


# === list parameters, read from the v2 file ====================================================================

ALL_OPERATORS = ["eq", "contains", "ocontains", "oeq", "neq", "lt", "lte", "gt", "gte"]
# A value each filter schema of the v2 file accepts.
FILTER_VALUES = {"StringFieldFilter": "x", "UuidFieldFilter": "3bbfd3ae-e9ab-48a9-9881-ed589e4615d1",
                 "PublishStatusFilter": "published", "DateTimeFieldFilter": "2022-03-30T07:20:50Z",
                 "BooleanFieldFilter": "true"}


def _resolve(node: dict) -> dict:
    while "$ref" in node:
        node = spec()._at(node["$ref"])
    return node


def _operators(schema: dict) -> tuple[bool, set[str]]:
    """(a bare value is allowed, the `[op]` operators) of a filter schema: each object alternative's
    `required` member (the file's GT/GTE alternatives misname their property but require gt/gte)."""
    schema = _resolve(schema)
    alternatives = schema.get("oneOf") or schema.get("anyOf")
    if alternatives is None:
        return (schema.get("type") != "object", set(schema.get("required", [])))
    bare, ops = False, set()
    for alternative in alternatives:
        b, o = _operators(alternative)
        bare, ops = bare or b, ops | o
    return bare, ops


def list_parameters(template: str) -> tuple[list[str] | None, dict[str, tuple[str, bool, set[str]]]]:
    """The sort attributes (None: no sort parameter) and the filters {field: (schema name, bare, operators)}
    the v2 file declares for GET `template`."""
    operation = spec().raw["paths"][template]["get"]
    parameters = [_resolve(p) for p in operation.get("parameters", []) + spec().raw["paths"][template].get("parameters", [])]
    sort, filters = None, {}
    for parameter in parameters:
        if parameter["name"] == "sort":
            sort = re.findall(r"^\s*-\s*(\w+)\s*$", parameter.get("description", ""), re.M)
        elif parameter["name"] == "filter":
            for field, ref in _resolve(parameter["schema"])["properties"].items():
                name = ref["$ref"].rsplit("/", 1)[-1]
                bare, ops = _operators(ref)
                filters[field] = (name, bare, ops)
    return sort, filters


@pytest.fixture
def listed_world(mp, team_world):
    """Ids for every list of the catalog side: team_world's team with its member and role, and its listed version."""
    return mp.ids(teamId=team_world["teamId"], developerId=team_world["developerId"])


@pytest.mark.parametrize("template", [PORTAL_PRODUCTS, PORTAL_VERSIONS, TEAMS, TEAM_DEVELOPERS, TEAM_ROLES, DEVELOPER_TEAMS,
                                      "/portals/{portalId}/developers"])
def test_each_list_takes_exactly_the_sort_and_filters_the_v2_file_declares(portal, mp, listed_world, template):
    """Read from the file: every declared sort attribute and filter operator answers 200; every other
    attribute, operator, and a sort or filter where the operation declares none, is 400 naming the parameter."""
    sort, filters = list_parameters(template)
    viewer = mp.token("viewer")
    for key in sort or []:
        for value in (key, "-" + key):
            call(portal, "GET", template, viewer, 200, ids=listed_world, params={"sort": value})
    for key in ["password", "secret"] + ([] if sort is not None else ["created_at", "name"]):
        problem = call(portal, "GET", template, viewer, 400, ids=listed_world, params={"sort": key})
        entry = assert_invalid(problem, "sort", "enum" if sort is not None else "unknown_property")
        assert sort is None or sorted(entry["choices"]) == sorted(sort), entry
    for field, (schema, bare, ops) in filters.items():
        value = FILTER_VALUES[schema]
        if bare:
            call(portal, "GET", template, viewer, 200, ids=listed_world, params={f"filter[{field}]": value})
        for op in ALL_OPERATORS:
            name = f"filter[{field}][{op}]"
            if op in ops:
                call(portal, "GET", template, viewer, 200, ids=listed_world, params={name: value})
            else:
                assert_invalid(call(portal, "GET", template, viewer, 400, ids=listed_world, params={name: value}), name)
    for field in {"password_hash", "secret", "name", "email", "id", "created_at"} - set(filters):
        name = f"filter[{field}]"
        assert_invalid(call(portal, "GET", template, viewer, 400, ids=listed_world, params={name: "x"}), name, "unknown_property")


def test_portal_products_sort_filter_and_page(portal, mp):
    viewer = mp.token("viewer")
    made = {}
    for name, description in [("Beta", "second letter"), ("alpha", "first letter"), ("Gamma", None)]:
        product = new_product(portal, mp.root, mp.id, name=f"{name} {mp.id[:8]}",
                              **({"description": description} if description else {}))
        attach(portal, mp.root, mp.id, new_version(portal, mp.root, product["id"])["id"])
        made[name] = product["id"]

    def names(**params) -> list[str]:
        body = call(portal, "GET", PORTAL_PRODUCTS, viewer, 200, ids=mp.ids(), params=params)
        return [p["name"].split()[0] for p in body["data"]]

    assert names() == ["Beta", "alpha", "Gamma"]  # creation order
    assert names(sort="name") == ["alpha", "Beta", "Gamma"]
    assert names(sort="-name") == ["Gamma", "Beta", "alpha"]
    assert names(sort="-created_at") == ["Gamma", "alpha", "Beta"]
    assert names(sort="description,name") == ["Gamma", "alpha", "Beta"]  # no description sorts first
    assert names(**{"filter[id]": made["alpha"]}) == ["alpha"]
    assert names(**{"filter[id][eq]": made["Gamma"]}) == ["Gamma"]
    assert names(**{"filter[id][oeq]": f"{made['alpha']},{made['Gamma']}"}) == ["alpha", "Gamma"]
    assert names(**{"filter[id][neq]": made["Beta"]}) == ["alpha", "Gamma"]
    assert names(**{"filter[name][contains]": "GAMM"}) == ["Gamma"]
    assert names(**{"filter[description][contains]": "letter"}, sort="name") == ["alpha", "Beta"]
    assert names(**{"filter[description][ocontains]": "first,nothing"}) == ["alpha"]
    page = call(portal, "GET", PORTAL_PRODUCTS, viewer, 200, ids=mp.ids(), params={"sort": "name", "page[size]": "2", "page[number]": "2"})
    assert [p["name"].split()[0] for p in page["data"]] == ["Gamma"] and page["meta"]["page"] == {"number": 2, "size": 2, "total": 3}
    assert_invalid(call(portal, "GET", PORTAL_PRODUCTS, viewer, 400, ids=mp.ids(), params={"filter[id][contains]": "a"}),
                   "filter[id][contains]")


def test_portal_product_versions_sort_filter_and_page(portal, root_token, mp):
    viewer = mp.token("viewer")
    product = new_product(portal, mp.root, mp.id)
    versions = [new_version(portal, mp.root, product["id"], f"v{i}") for i in (1, 2, 3)]
    for earlier, later in zip(versions, versions[1:]):
        assert earlier["created_at"] < later["created_at"], versions
    key_auth = [s for s in all_strategies(portal, root_token) if s["name"] == "key-auth"][0]
    v1 = attach(portal, mp.root, mp.id, versions[0]["id"], deprecated=True)
    v2 = attach(portal, mp.root, mp.id, versions[1]["id"], publish_status="unpublished", auth_strategy_ids=[key_auth["id"]])
    v3 = attach(portal, mp.root, mp.id, versions[2]["id"], application_registration_enabled=False)
    order = {v1["id"]: "v1", v2["id"]: "v2", v3["id"]: "v3"}

    def names(**params) -> list[str]:
        body = call(portal, "GET", PORTAL_VERSIONS, viewer, 200, ids=mp.ids(), params=params)
        return [order[v["id"]] for v in body["data"]]

    assert names() == ["v1", "v2", "v3"]
    assert names(sort="-created_at") == ["v3", "v2", "v1"]
    assert names(sort="-deprecated,created_at") == ["v1", "v2", "v3"]
    assert names(sort="publish_status,-created_at") == ["v3", "v1", "v2"]
    assert names(sort="application_registration_enabled") == ["v3", "v1", "v2"]
    assert names(**{"filter[id]": v2["id"]}) == ["v2"]
    assert names(**{"filter[product_version_id][oeq]": f"{v1['id']},{v3['id']}"}) == ["v1", "v3"]
    assert names(**{"filter[id][neq]": v1["id"]}) == ["v2", "v3"]
    assert names(**{"filter[publish_status]": "unpublished"}) == ["v2"]
    assert names(**{"filter[publish_status][neq]": "unpublished"}) == ["v1", "v3"]
    assert names(**{"filter[publish_status][oeq]": "published,unpublished"}) == ["v1", "v2", "v3"]
    assert names(**{"filter[deprecated]": "true"}) == ["v1"]
    assert names(**{"filter[application_registration_enabled]": "false"}) == ["v3"]
    assert names(**{"filter[auth_strategy_ids]": key_auth["id"]}) == ["v2"]
    created = versions[1]["created_at"]
    assert names(**{"filter[created_at]": created}) == ["v2"]
    assert names(**{"filter[created_at][eq]": created}) == ["v2"]
    assert names(**{"filter[created_at][lt]": created}) == ["v1"]
    assert names(**{"filter[created_at][lte]": created}) == ["v1", "v2"]
    assert names(**{"filter[created_at][gt]": created}) == ["v3"]
    assert names(**{"filter[created_at][gte]": created}) == ["v2", "v3"]
    # The same instant in another offset is the same instant.
    when = datetime.datetime.fromisoformat(created.replace("Z", "+00:00")).astimezone(datetime.timezone(datetime.timedelta(hours=2)))
    assert names(**{"filter[created_at]": when.isoformat(timespec="milliseconds")}) == ["v2"]
    assert names(**{"filter[created_at][gte]": versions[0]["created_at"], "filter[created_at][lt]": versions[2]["created_at"]}) == ["v1", "v2"]
    assert names(**{"filter[updated_at][gt]": "2000-01-01T00:00:00Z"}, sort="-created_at") == ["v3", "v2", "v1"]
    assert names(**{"filter[updated_at][lt]": "2000-01-01T00:00:00Z"}) == []
    page = call(portal, "GET", PORTAL_VERSIONS, viewer, 200, ids=mp.ids(), params={"sort": "-created_at", "page[size]": "2", "page[number]": "2"})
    assert [order[v["id"]] for v in page["data"]] == ["v1"] and page["meta"]["page"] == {"number": 2, "size": 2, "total": 3}
    for params, field in [({"filter[created_at][lt]": "yesterday"}, "filter[created_at][lt]"),
                          ({"filter[created_at]": "2022-13-40T00:00:00Z"}, "filter[created_at]"),
                          ({"filter[publish_status][contains]": "pub"}, "filter[publish_status][contains]"),
                          ({"filter[deprecated][eq]": "true"}, "filter[deprecated][eq]")]:
        assert_invalid(call(portal, "GET", PORTAL_VERSIONS, viewer, 400, ids=mp.ids(), params=params), field)


def test_team_developers_filter_on_active_and_attributes(portal, root_token):
    waiting = MP(portal, root_token, auto_approve_developers=False)
    team = call(portal, "POST", TEAMS, root_token, 201, ids=waiting.ids(), json={"name": "Mixed"})
    ids = waiting.ids(teamId=team["id"])
    pending = Dev(portal, waiting.host, login=False)
    approved = Dev(portal, waiting.host, login=False)
    call(portal, "PATCH", "/portals/{portalId}/developers/{developerId}", root_token, 200, ids=waiting.ids(developerId=approved.id),
         json={"status": "approved"}, schema=False)
    for dev in (pending, approved):
        call(portal, "POST", TEAM_DEVELOPERS, root_token, 201, ids=ids, json={"id": dev.id})

    def members(**params) -> list[str]:
        return sorted(m["id"] for m in call(portal, "GET", TEAM_DEVELOPERS, root_token, 200, ids=ids, params=params)["data"])

    assert members(**{"filter[active]": "true"}) == [approved.id]
    assert members(**{"filter[active]": "false"}) == [pending.id]
    # Developers keep no custom attributes here: an empty object for everyone (docs/decisions.md).
    assert members(**{"filter[attributes][contains]": "x"}) == []
    assert members(**{"filter[attributes]": "{}"}) == sorted([pending.id, approved.id])
    assert members(**{"filter[email][oeq]": f"{pending.email},nobody@example.com"}) == [pending.id]
    assert members(**{"filter[full_name][neq]": "nobody"}) == sorted([pending.id, approved.id])
    assert_invalid(call(portal, "GET", TEAM_DEVELOPERS, root_token, 400, ids=ids, params={"filter[active]": "yes"}), "filter[active]")


# === catalog add-version (CLI) =================================================================================


def test_cli_add_version_saves_like_the_management_api(portal, mp):
    product_name = unique("CLI product")
    version_id = catalog_add_version(portal, product=product_name, version="v1", domain=mp.domain)
    # The same name again: refused like the API's 409, with a clear message and a failing exit status.
    again = portal_cli(portal, "catalog", "add-version", "--product", product_name, "--version", "v1",
                       "--portal-domain", mp.domain, check=False)
    assert again.returncode != 0, again
    assert "already has a version named" in again.stderr and again.stdout.strip() == "", (again.stdout, again.stderr)
    assert db_rows(portal, "SELECT count(*) FROM product_versions WHERE name = 'v1' AND product_id = "
                           "(SELECT id FROM products WHERE name = ?)", (product_name,)) == [(1,)]
    # Another version name of the same product is fine, and lands in the same product.
    second = catalog_add_version(portal, product=product_name, version="v2", domain=mp.domain)
    assert db_rows(portal, "SELECT count(DISTINCT product_id) FROM product_versions WHERE id IN (?, ?)", (version_id, second)) == [(1,)]

    # The version uses the built-in key-auth strategy, as an API-made one does.
    listed = call(portal, "GET", PORTAL_VERSION, mp.token("viewer"), 200, ids=mp.ids(productVersionId=version_id))
    assert [(s["name"], s["credential_type"], s["key_names"]) for s in listed["auth_strategies"]] == [("key-auth", "key_auth", ["apikey"])], listed
    # Audited, by the command line.
    rows = [(r["action"], r["target_id"], r["token_id"], r["outcome"]) for r in audit_rows(portal, mp.id) if r["token_id"] == "cli"]
    product_id = db_rows(portal, "SELECT product_id FROM product_versions WHERE id = ?", (version_id,))[0][0]
    assert rows == [("api_product.create", product_id, "cli", "success"),
                    ("api_product_version.create", version_id, "cli", "success"),
                    ("api_product_version.create", second, "cli", "success")], rows


def test_unique_version_names_are_kept_by_the_database(portal, mp):
    """Whatever writes the catalog, two versions of one product never share a name (a unique index)."""
    version_id = catalog_add_version(portal, product=unique("Indexed"), version="v1", domain=mp.domain)
    product_id = db_rows(portal, "SELECT product_id FROM product_versions WHERE id = ?", (version_id,))[0][0]
    indexes = db_rows(portal, "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'product_versions' AND sql LIKE '%UNIQUE%'")
    assert any("product_id" in sql and "name" in sql for (sql,) in indexes), indexes
    assert product_id


# === granted scopes ============================================================================================


def test_an_approved_openid_connect_registration_is_granted_the_strategys_scopes(portal, root_token, mp):
    oidc = new_strategy(portal, root_token, "openid_connect", {"openid_connect": {
        "issuer": "https://idp.example", "scopes": ["profile", "vault"]}})
    product = new_product(portal, mp.root, mp.id)
    version = new_version(portal, mp.root, product["id"])
    attach(portal, mp.root, mp.id, version["id"], auth_strategy_ids=[oidc["id"]])
    dev = Dev(portal, mp.host)
    app = dev.create_app(name="Scoped")
    assert dev.post_instance(app["id"], version["id"]).status_code == 201
    editor = mp.token("editor")
    regs = call(portal, "GET", "/portals/{portalId}/applications/{applicationId}/registrations", editor, 200,
                ids=mp.ids(applicationId=app["id"]))["data"]
    assert len(regs) == 1 and regs[0]["status"] == "pending" and regs[0]["granted_scopes"] == [], regs
    rids = mp.ids(applicationId=app["id"], registrationId=regs[0]["id"])
    registration = "/portals/{portalId}/applications/{applicationId}/registrations/{registrationId}"
    scopes = registration + "/granted-scopes"
    assert call(portal, "GET", scopes, editor, 200, ids=rids) == {"data": []}

    approved = call(portal, "PATCH", registration, editor, 200, ids=rids, json={"status": "approved"})
    assert approved["granted_scopes"] == ["profile", "vault"], approved
    assert call(portal, "GET", scopes, editor, 200, ids=rids) == {"data": ["profile", "vault"]}
    application = call(portal, "GET", "/portals/{portalId}/applications/{applicationId}", editor, 200,
                       ids=mp.ids(applicationId=app["id"]))
    assert application["granted_scopes"] == ["profile", "vault"], application

    # What was granted stays when the strategy's scopes change later (docs/decisions.md).
    call(portal, "PATCH", STRATEGY, root_token, 200, ids={"strategyId": oidc["id"]},
         json={"configs": {"openid_connect": {"issuer": "https://idp.example", "scopes": ["admin"]}}})
    assert call(portal, "GET", scopes, editor, 200, ids=rids) == {"data": ["profile", "vault"]}
    # Revoked, nothing is granted; approved again, the strategy's scopes of that moment are.
    call(portal, "PATCH", registration, editor, 200, ids=rids, json={"status": "revoked"})
    assert call(portal, "GET", scopes, editor, 200, ids=rids) == {"data": []}
    assert call(portal, "GET", registration, editor, 200, ids=rids)["granted_scopes"] == []
    call(portal, "PATCH", registration, editor, 200, ids=rids, json={"status": "approved"})
    assert call(portal, "GET", scopes, editor, 200, ids=rids) == {"data": ["admin"]}


def test_a_key_auth_registration_is_granted_no_scopes(portal, mp):
    _, listed = listed_version(portal, mp, auto_approve_registration=True)
    dev = Dev(portal, mp.host)
    app = dev.create_app()
    assert dev.post_instance(app["id"], listed["id"]).status_code == 201
    regs = call(portal, "GET", "/portals/{portalId}/applications/{applicationId}/registrations", mp.root, 200,
                ids=mp.ids(applicationId=app["id"]))["data"]
    assert [(r["status"], r["granted_scopes"]) for r in regs] == [("approved", [])], regs
    assert call(portal, "GET", "/portals/{portalId}/applications/{applicationId}/registrations/{registrationId}/granted-scopes",
                mp.root, 200, ids=mp.ids(applicationId=app["id"], registrationId=regs[0]["id"])) == {"data": []}


# === the audit log of catalog writes, failures included ========================================================

PUBLISH = "/portals/{portalId}/publish"


def audit_of(portal: Portal, portal_id: str | None, since: int = 0) -> list[tuple]:
    """(action, target_type, target_id, token_id, outcome) of the portal's rows (None: installation-wide
    rows), oldest first, after row id `since`."""
    where = "portal_id = ?" if portal_id is not None else "portal_id IS NULL"
    return [tuple(row) for row in db_rows(portal, f"""
        SELECT action, target_type, target_id, token_id, outcome FROM audit_log WHERE {where} AND id > ? ORDER BY id""",
        ((portal_id,) if portal_id is not None else ()) + (since,))]


def last_audit_id(portal: Portal) -> int:
    return db_rows(portal, "SELECT coalesce(max(id), 0) FROM audit_log")[0][0]


def test_membership_and_role_writes_are_audited_with_the_member_and_role_whatever_their_outcome(portal, mp):
    editor, viewer = mp.token("editor"), mp.token("viewer")
    team = call(portal, "POST", TEAMS, editor, 201, ids=mp.ids(), json={"name": unique("Audited")})["id"]
    dev = Dev(portal, mp.host, login=False)
    product = new_product(portal, editor)
    stranger = random_id()
    since = last_audit_id(portal)
    ids = mp.ids(teamId=team)
    call(portal, "POST", TEAM_DEVELOPERS, editor, 201, ids=ids, json={"id": dev.id})
    call(portal, "POST", TEAM_DEVELOPERS, editor, 409, ids=ids, json={"id": dev.id})
    call(portal, "POST", TEAM_DEVELOPERS, editor, 404, ids=ids, json={"id": stranger})
    call(portal, "POST", TEAM_DEVELOPERS, editor, 400, ids=ids, json={"id": 7})
    call(portal, "DELETE", TEAM_DEVELOPER, viewer, 403, ids=mp.ids(teamId=team, developerId=dev.id))
    call(portal, "DELETE", TEAM_DEVELOPER, editor, 204, ids=mp.ids(teamId=team, developerId=dev.id))
    call(portal, "DELETE", TEAM_DEVELOPER, editor, 404, ids=mp.ids(teamId=team, developerId=dev.id))
    role = call(portal, "POST", TEAM_ROLES, editor, 201, ids=ids,
                json={"role_name": "API Viewer", "entity_id": product["id"], "entity_type_name": "Services"})["id"]
    call(portal, "POST", TEAM_ROLES, editor, 409, ids=ids,
         json={"role_name": "API Viewer", "entity_id": product["id"], "entity_type_name": "Services"})
    call(portal, "DELETE", TEAM_ROLE, editor, 204, ids=mp.ids(teamId=team, roleId=role))
    call(portal, "DELETE", TEAM_ROLE, editor, 404, ids=mp.ids(teamId=team, roleId=role))
    # A write on an absent team is recorded against what it named.
    absent = random_id()
    call(portal, "POST", TEAM_DEVELOPERS, editor, 404, ids=mp.ids(teamId=absent), json={"id": dev.id})

    rows = audit_of(portal, mp.id, since)
    editor_id = rows[0][3]
    member = f"{team}/{dev.id}"
    mine = [r for r in rows if r[3] == editor_id]
    assert mine == [
        ("team.developer.add", "team_developer", member, editor_id, "success"),
        ("team.developer.add", "team_developer", member, editor_id, "conflict"),
        ("team.developer.add", "team_developer", f"{team}/{stranger}", editor_id, "not_found"),
        ("team.developer.add", "team_developer", team, editor_id, "invalid"),
        ("team.developer.remove", "team_developer", member, editor_id, "success"),
        ("team.developer.remove", "team_developer", member, editor_id, "not_found"),
        ("team.role.assign", "team_role", f"{team}/{role}", editor_id, "success"),
        ("team.role.assign", "team_role", team, editor_id, "conflict"),
        ("team.role.remove", "team_role", f"{team}/{role}", editor_id, "success"),
        ("team.role.remove", "team_role", f"{team}/{role}", editor_id, "not_found"),
        ("team.developer.add", "team_developer", f"{absent}/{dev.id}", editor_id, "not_found"),
    ], rows
    refused = [r for r in rows if r[3] != editor_id]
    assert len(refused) == 1 and refused[0][4] == "forbidden", rows


def test_catalog_writes_are_audited_whatever_their_outcome(portal, root_token, mp):
    editor, admin_token = mp.token("editor"), mp.token("admin")
    product = new_product(portal, editor)
    pid = product["id"]
    version = new_version(portal, editor, pid)["id"]
    vids = mp.ids(productVersionId=version)
    since = last_audit_id(portal)

    # Portal product versions: create, update, replace, delete, and their failures.
    attach(portal, editor, mp.id, version)
    call(portal, "POST", PORTAL_VERSIONS, editor, 409, ids=mp.ids(), json={"product_version_id": version, **settings()})
    call(portal, "PATCH", PORTAL_VERSION, editor, 200, ids=vids, json={"deprecated": True})
    call(portal, "PATCH", PORTAL_VERSION, editor, 400, ids=vids, json={"deprecated": "yes"})
    call(portal, "PUT", PORTAL_VERSION, editor, 200, ids=vids, json=settings())
    call(portal, "PUT", PORTAL_VERSION, editor, 400, ids=vids, json={"deprecated": False})
    call(portal, "DELETE", PORTAL_VERSION, admin_token, 204, ids=vids)
    call(portal, "DELETE", PORTAL_VERSION, admin_token, 404, ids=vids)
    # Publish and the configuration.
    call(portal, "POST", PUBLISH, editor, 204, ids=mp.ids(), json={"api_products": {pid: {"publish_status": "published"}}}, schema=False)
    call(portal, "POST", PUBLISH, editor, 400, ids=mp.ids(), json={"api_products": {pid: {"publish_status": "hidden"}}}, schema=False)
    call(portal, "PATCH", CONFIGURATION, editor, 200, ids=mp.ids(), json={"data": {"support_email": "a@example.com"}})
    call(portal, "PUT", CONFIGURATION, editor, 400, ids=mp.ids(), json={"data": "flat"})
    # API products and their versions.
    call(portal, "PATCH", PRODUCT, editor, 200, ids={"productId": pid}, json={"description": "audited"})
    call(portal, "POST", PRODUCTS, editor, 409, json={"name": product["name"]})
    second = new_version(portal, editor, pid, "v2")["id"]
    call(portal, "POST", PRODUCT_VERSIONS, editor, 409, ids={"productId": pid}, json={"name": "v2"})
    call(portal, "PATCH", PRODUCT_VERSION, editor, 409, ids={"productId": pid, "versionId": second}, json={"name": "v1"})
    call(portal, "DELETE", PRODUCT_VERSION, admin_token, 204, ids={"productId": pid, "versionId": second})
    call(portal, "DELETE", PRODUCT, admin_token, 204, ids={"productId": pid})
    call(portal, "DELETE", PRODUCT, admin_token, 404, ids={"productId": pid})

    rows = audit_of(portal, mp.id, since)
    editor_id = rows[0][3]
    admin_id = next(r[3] for r in rows if r[0] == "portal_product_version.delete")
    assert editor_id != admin_id
    got = [(a, t, target, "editor" if token == editor_id else "admin" if token == admin_id else token, outcome)
           for a, t, target, token, outcome in rows]
    assert got == [
        ("portal_product_version.create", "portal_product_version", version, "editor", "success"),
        ("portal_product_version.create", "portal_product_version", version, "editor", "conflict"),
        ("portal_product_version.update", "portal_product_version", version, "editor", "success"),
        ("portal_product_version.update", "portal_product_version", version, "editor", "invalid"),
        ("portal_product_version.replace", "portal_product_version", version, "editor", "success"),
        ("portal_product_version.replace", "portal_product_version", version, "editor", "invalid"),
        ("portal_product_version.delete", "portal_product_version", version, "admin", "success"),
        ("portal_product_version.delete", "portal_product_version", version, "admin", "not_found"),
        ("portal.publish", "portal", mp.id, "editor", "success"),
        ("portal.publish", "portal", mp.id, "editor", "invalid"),
        ("portal.configuration.update", "portal", mp.id, "editor", "success"),
        ("portal.configuration.update", "portal", mp.id, "editor", "invalid"),
        ("api_product.update", "api_product", pid, "editor", "success"),
        ("api_product.create", "api_product", "none", "editor", "conflict"),
        ("api_product_version.create", "api_product_version", second, "editor", "success"),
        ("api_product_version.create", "api_product_version", "none", "editor", "conflict"),
        ("api_product_version.update", "api_product_version", second, "editor", "conflict"),
        ("api_product_version.delete", "api_product_version", second, "admin", "success"),
        ("api_product.delete", "api_product", pid, "admin", "success"),
        ("api_product.delete", "api_product", pid, "admin", "not_found"),
    ], got


def test_auth_strategy_writes_and_root_only_refusals_are_audited(portal, root_token, mp):
    since = last_audit_id(portal)
    strategy = new_strategy(portal, root_token, "key_auth", {"key_auth": {"key_names": ["x-key"]}})
    sid = strategy["id"]
    call(portal, "PATCH", STRATEGY, root_token, 200, ids={"strategyId": sid}, json={"display_name": "Renamed"})
    call(portal, "PATCH", STRATEGY, root_token, 400, ids={"strategyId": sid}, json={"configs": {"basic_auth": {}}})
    call(portal, "POST", STRATEGIES, root_token, 409, json={"name": strategy["name"], "display_name": "Again",
                                                            "strategy_type": "key_auth", "configs": {"key_auth": {}}})
    # Root-only: a project token's attempt is refused and recorded in its own portal.
    call(portal, "PATCH", STRATEGY, mp.token("admin"), 403, ids={"strategyId": sid}, json={"display_name": "Mine"})
    call(portal, "POST", STRATEGIES, mp.token("admin"), 403, json={"name": "nope", "display_name": "Nope",
                                                                   "strategy_type": "key_auth", "configs": {"key_auth": {}}})
    call(portal, "POST", PORTALS, mp.token("admin"), 403, json={"name": unique("Not root")}, schema=False)
    call(portal, "DELETE", STRATEGY, root_token, 204, ids={"strategyId": sid})
    call(portal, "DELETE", STRATEGY, root_token, 404, ids={"strategyId": sid})

    installation = [(a, target, outcome) for a, _, target, _, outcome in audit_of(portal, None, since) if a.startswith("auth_strategy")]
    assert installation == [
        ("auth_strategy.create", sid, "success"),
        ("auth_strategy.update", sid, "success"),
        ("auth_strategy.update", sid, "invalid"),
        ("auth_strategy.create", "none", "conflict"),
        ("auth_strategy.delete", sid, "success"),
        ("auth_strategy.delete", sid, "not_found"),
    ], installation
    refused = [(a, t, target, outcome) for a, t, target, _, outcome in audit_of(portal, mp.id, since)]
    assert refused == [
        ("auth_strategy.update", "auth_strategy", sid, "forbidden"),
        ("auth_strategy.create", "auth_strategy", "none", "forbidden"),
        ("portal.create", "portal", "none", "forbidden"),
    ], refused
    assert {token for *_, token, _ in audit_of(portal, mp.id, since)} == {
        db_rows(portal, "SELECT token_id FROM audit_log WHERE portal_id = ? AND id > ? LIMIT 1", (mp.id, since))[0][0]}


def test_a_write_without_a_token_records_nothing(portal, mp):
    since = last_audit_id(portal)
    call(portal, "POST", TEAMS, None, 401, ids=mp.ids(), json={"name": "anonymous"})
    call(portal, "DELETE", PORTAL_VERSION, None, 401, ids=mp.ids(productVersionId=random_id()))
    assert db_rows(portal, "SELECT count(*) FROM audit_log WHERE id > ? AND portal_id = ?", (since, mp.id)) == [(0,)]


# === through nginx: auth, path ids, roles, absent and foreign objects =========================================

# Every operation of teams, team developers, assigned roles, a developer's teams, portal products and product
# versions, and verify-domain, with a body that would be valid.
TEAM_AND_CATALOG_OPERATIONS = [
    ("GET", TEAMS, None), ("POST", TEAMS, {"name": "t"}), ("GET", TEAM, None), ("PATCH", TEAM, {"name": "t"}),
    ("DELETE", TEAM, None), ("GET", TEAM_DEVELOPERS, None), ("POST", TEAM_DEVELOPERS, {"id": str(uuid.uuid4())}),
    ("DELETE", TEAM_DEVELOPER, None), ("GET", TEAM_ROLES, None),
    ("POST", TEAM_ROLES, {"role_name": "API Viewer", "entity_id": str(uuid.uuid4()), "entity_type_name": "Services"}),
    ("DELETE", TEAM_ROLE, None), ("GET", DEVELOPER_TEAMS, None), ("GET", PORTAL_PRODUCTS, None),
    ("GET", PORTAL_VERSIONS, None), ("POST", PORTAL_VERSIONS, {"product_version_id": str(uuid.uuid4()), **settings()}),
    ("GET", PORTAL_VERSION, None), ("PATCH", PORTAL_VERSION, {"deprecated": True}), ("PUT", PORTAL_VERSION, settings()),
    ("DELETE", PORTAL_VERSION, None), ("POST", VERIFY_DOMAIN, None),
]
# The v2 file forgot 400 for these operations although their ids are `format: uuid` path parameters.
for _method, _template in [("GET", TEAM), ("PATCH", TEAM), ("DELETE", TEAM), ("DELETE", TEAM_DEVELOPER),
                           ("DELETE", TEAM_ROLE), ("DELETE", PORTAL_VERSION)]:
    MY_SPEC_GAPS.setdefault((_method, _template, 400), "BadRequest")


def all_ids(mp: MP, **more) -> dict:
    return mp.ids(teamId=random_id(), developerId=random_id(), roleId=random_id(), productVersionId=random_id(), **more)


@pytest.mark.parametrize("method,template,body", TEAM_AND_CATALOG_OPERATIONS,
                         ids=[f"{m} {t}" for m, t, _ in TEAM_AND_CATALOG_OPERATIONS])
def test_every_team_and_catalog_operation_needs_a_token(portal, mp, method, template, body):
    call(portal, method, template, None, 401, ids=all_ids(mp), json=body)
    call(portal, method, template, "not-a-real-token", 401, ids=all_ids(mp), json=body)


@pytest.fixture
def team_world(portal, mp):
    """A team with a member and a role on a product with a listed version."""
    team = call(portal, "POST", TEAMS, mp.root, 201, ids=mp.ids(), json={"name": unique("World")})
    dev = Dev(portal, mp.host, login=False)
    call(portal, "POST", TEAM_DEVELOPERS, mp.root, 201, ids=mp.ids(teamId=team["id"]), json={"id": dev.id})
    product, version = listed_version(portal, mp)
    role = call(portal, "POST", TEAM_ROLES, mp.root, 201, ids=mp.ids(teamId=team["id"]),
                json={"role_name": "API Consumer", "entity_id": product["id"], "entity_type_name": "Services"})
    return {"teamId": team["id"], "developerId": dev.id, "roleId": role["id"], "productVersionId": version["id"],
            "productId": product["id"]}


@pytest.mark.parametrize("method,template,parameter", [
    ("GET", TEAM, "teamId"), ("PATCH", TEAM, "teamId"), ("DELETE", TEAM, "teamId"), ("GET", TEAM_DEVELOPERS, "teamId"),
    ("POST", TEAM_DEVELOPERS, "teamId"), ("DELETE", TEAM_DEVELOPER, "teamId"), ("DELETE", TEAM_DEVELOPER, "developerId"),
    ("GET", TEAM_ROLES, "teamId"), ("POST", TEAM_ROLES, "teamId"), ("DELETE", TEAM_ROLE, "teamId"), ("DELETE", TEAM_ROLE, "roleId"),
    ("GET", DEVELOPER_TEAMS, "developerId"), ("GET", PORTAL_VERSION, "productVersionId"), ("PATCH", PORTAL_VERSION, "productVersionId"),
    ("PUT", PORTAL_VERSION, "productVersionId"), ("DELETE", PORTAL_VERSION, "productVersionId"),
])
def test_a_path_id_that_is_not_a_uuid_is_400_naming_it(portal, mp, team_world, method, template, parameter):
    body = {"GET": None, "DELETE": None}.get(method, {"name": "x"} if template == TEAM else {"id": team_world["developerId"]}
                                             if template == TEAM_DEVELOPERS else settings() if template == PORTAL_VERSION else
                                             {"role_name": "API Viewer", "entity_id": team_world["productId"], "entity_type_name": "Services"})
    ids = mp.ids(**{k: v for k, v in team_world.items() if k != "productId"})
    ids[parameter] = "not-a-uuid"
    problem = call(portal, method, template, mp.root, 400, ids=ids, json=body)
    named = assert_invalid(problem, parameter, "is_uuid")
    assert named["source"] == "path", problem


@pytest.mark.parametrize("method,template,body", [
    ("PATCH", TEAM, {"description": "viewer"}), ("DELETE", TEAM_DEVELOPER, None), ("DELETE", TEAM_ROLE, None),
    ("PUT", PORTAL_VERSION, settings()), ("POST", TEAM_DEVELOPERS, None), ("POST", TEAM_ROLES, None),
    ("PATCH", PORTAL_VERSION, {"deprecated": True}), ("DELETE", PORTAL_VERSION, None),
])
def test_a_viewer_may_not_change_teams_or_versions(portal, mp, team_world, method, template, body):
    ids = mp.ids(**{k: v for k, v in team_world.items() if k != "productId"})
    call(portal, method, template, mp.token("viewer"), 403, ids=ids, json=body)
    # Nothing changed.
    assert call(portal, "GET", TEAM_DEVELOPERS, mp.root, 200, ids=ids)["meta"]["page"]["total"] == 1
    assert call(portal, "GET", TEAM_ROLES, mp.root, 200, ids=ids)["meta"]["page"]["total"] == 1
    version = call(portal, "GET", PORTAL_VERSION, mp.root, 200, ids=ids)
    assert version["deprecated"] is False and version["publish_status"] == "published", version


@pytest.mark.parametrize("method,template,body", [
    ("GET", TEAM_DEVELOPERS, None), ("GET", TEAM_ROLES, None), ("PATCH", TEAM, {"description": "gone"}),
    ("POST", TEAM_ROLES, "role"), ("POST", TEAM_DEVELOPERS, "member"), ("DELETE", TEAM, None),
])
def test_an_absent_team_is_404(portal, mp, team_world, method, template, body):
    if body == "role":
        body = {"role_name": "API Viewer", "entity_id": team_world["productId"], "entity_type_name": "Services"}
    elif body == "member":
        body = {"id": team_world["developerId"]}
    call(portal, method, template, mp.root, 404, ids=mp.ids(teamId=random_id(), developerId=team_world["developerId"]), json=body)


@pytest.mark.parametrize("template", [PORTAL_PRODUCTS, PORTAL_VERSIONS])
def test_an_absent_or_foreign_portal_lists_no_products_or_versions(portal, root_token, mp, other_mp, template):
    listed_version(portal, mp)
    call(portal, "GET", template, root_token, 404, ids={"portalId": random_id()})
    call(portal, "GET", template, mp.token("viewer"), 404, ids=other_mp.ids())
    call(portal, "GET", template, other_mp.token("admin"), 404, ids=mp.ids())
    assert call(portal, "GET", template, other_mp.token("viewer"), 200, ids=other_mp.ids())["data"] == []
    assert len(call(portal, "GET", template, mp.token("viewer"), 200, ids=mp.ids())["data"]) == 1


@pytest.mark.parametrize("method,template,body", [
    ("POST", TEAMS, {"name": "foreign"}), ("GET", TEAM, None), ("PATCH", TEAM, {"name": "foreign"}), ("DELETE", TEAM, None),
    ("GET", TEAM_DEVELOPERS, None), ("POST", TEAM_DEVELOPERS, "member"), ("DELETE", TEAM_DEVELOPER, None),
    ("GET", TEAM_ROLES, None), ("POST", TEAM_ROLES, "role"), ("DELETE", TEAM_ROLE, None), ("GET", DEVELOPER_TEAMS, None),
    ("GET", PORTAL_PRODUCTS, None), ("GET", PORTAL_VERSIONS, None), ("GET", PORTAL_VERSION, None),
    ("PATCH", PORTAL_VERSION, {"deprecated": True}), ("PUT", PORTAL_VERSION, settings(deprecated=True)), ("DELETE", PORTAL_VERSION, None),
])
def test_another_projects_token_finds_nothing_and_changes_nothing(portal, mp, other_mp, team_world, method, template, body):
    if body == "role":
        body = {"role_name": "API Viewer", "entity_id": team_world["productId"], "entity_type_name": "Services"}
    elif body == "member":
        body = {"id": team_world["developerId"]}
    ids = mp.ids(**{k: v for k, v in team_world.items() if k != "productId"})
    call(portal, method, template, other_mp.token("admin"), 404, ids=ids, json=body)
    # The objects are untouched.
    team = call(portal, "GET", TEAM, mp.root, 200, ids=ids)
    assert team["name"].startswith("World"), team
    assert [m["id"] for m in call(portal, "GET", TEAM_DEVELOPERS, mp.root, 200, ids=ids)["data"]] == [team_world["developerId"]]
    assert [r["id"] for r in call(portal, "GET", TEAM_ROLES, mp.root, 200, ids=ids)["data"]] == [team_world["roleId"]]
    assert call(portal, "GET", PORTAL_VERSION, mp.root, 200, ids=ids)["deprecated"] is False
    assert [t["name"] for t in call(portal, "GET", TEAMS, mp.root, 200, ids=mp.ids())["data"]] == [team["name"]]


# === deleting what an approved registration hangs on ===========================================================


@pytest.mark.parametrize("what", ["developer", "application"])
def test_deleting_the_developer_or_application_of_an_approved_registration_withdraws_its_key(portal, mp, what):
    _, listed = listed_version(portal, mp)
    dev = Dev(portal, mp.host)
    app = dev.create_app(name="Doomed")
    r = dev.post_instance(app["id"], listed["id"])
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    approved = admin(portal, "PUT", f"/api/portal/requests/approve/{rid}", mp.token("editor"))
    assert approved.status_code == 200 and approved.json()["RawKey"], approved.text
    key = approved.json()["RawKey"]
    assert developer_keys(dev) == [key]
    assert admin(portal, "GET", f"/api/portal/requests/{rid}", mp.token("editor")).status_code == 200

    if what == "developer":
        call(portal, "DELETE", "/portals/{portalId}/developers/{developerId}", mp.token("admin"), 204,
             ids=mp.ids(developerId=dev.id), schema=False)
        # The account is gone: its session with it.
        assert dev.req("GET", "/credentials/key-auth").status_code == 401
    else:
        call(portal, "DELETE", "/portals/{portalId}/applications/{applicationId}", mp.token("admin"), 204,
             ids=mp.ids(applicationId=app["id"]), schema=False)
        assert developer_keys(dev) == [], "the key of a deleted application's registration is still listed"
    # The key request (seed 002) and the key itself are gone.
    assert admin(portal, "GET", f"/api/portal/requests/{rid}", mp.token("editor")).status_code == 404
    listed_requests = admin(portal, "GET", "/api/portal/requests", mp.token("editor"))
    assert listed_requests.status_code == 200 and rid not in listed_requests.text, listed_requests.text[:500]
    assert db_rows(portal, "SELECT count(*) FROM key_auth_credentials WHERE key = ?", (key,)) == [(0,)]
    assert db_rows(portal, "SELECT count(*) FROM application_registrations WHERE id = ?", (rid,)) == [(0,)]
