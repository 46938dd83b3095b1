"""Applications of the developer API (seed 000) through nginx over HTTPS: applications,
application services, application instances (registrations) and OAuth2 application credentials.

Product versions are created with the real binary's `catalog add-version` command, as an
operator would before the management API exists."""

import hashlib
import json
import subprocess
import time
import uuid

import pytest

from conftest import assert_message, json_body

API = "/api/v1"


def is_epoch_seconds(x):
    return isinstance(x, int) and not isinstance(x, bool) and abs(x - time.time()) < 600


def add_version(portal, product=None, version="v1", description="", registration=True,
                auto_approve=False, domain=None):
    """`portal-fcgi catalog add-version`; returns the new version's id (its stdout)."""
    args = [str(portal.binary), "catalog", "add-version", "--config", str(portal.config_path),
            "--product", product or f"Product {uuid.uuid4().hex[:8]}", "--version", version]
    if description:
        args += ["--description", description]
    if registration:
        args.append("--registration")
    if auto_approve:
        args.append("--auto-approve")
    if domain:
        args += ["--portal-domain", domain]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"catalog add-version failed ({proc.returncode}): {proc.stdout}{proc.stderr}"
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1, proc.stdout
    return lines[0]


class Dev:
    """A registered, logged-in developer talking to the portal with their session cookie."""

    def __init__(self, portal):
        self.portal = portal
        _, _, self.developer, self.cookie = portal.new_developer()
        self.id = self.developer["id"]

    def req(self, method, path, data=None, json_data=None):
        return self.portal.session.request(method, self.portal.url(API + path), data=data, json=json_data,
                                           headers=self.portal.as_developer(self.cookie), timeout=15)

    def create_app(self, name="My Application", redirect_uri="http://localhost"):
        r = self.req("POST", "/applications", data={"name": name, "redirect_uri": redirect_uri})
        assert r.status_code == 201, r.text
        return r.json()


@pytest.fixture
def alice(portal):
    return Dev(portal)


@pytest.fixture
def bob(portal):
    return Dev(portal)


def assert_fields(r, status, code, fields):
    assert r.status_code == status, f"expected {status}, got {r.status_code}: {r.text[:300]!r}"
    assert json_body(r) == {"fields": fields, "code": code}


def assert_not_found(r):
    assert r.status_code == 404, f"expected 404, got {r.status_code}: {r.text[:300]!r}"
    assert json_body(r) == {"message": "Not found"}


# --- the CLI ----------------------------------------------------------------


def test_cli_adds_a_version_that_becomes_an_application_service(portal, alice):
    product = f"Payments {uuid.uuid4().hex[:8]}"
    version_id = add_version(portal, product=product, version="v1", description="Card payments", auto_approve=True)
    uuid.UUID(version_id)
    closed_id = add_version(portal, product=product, version="v0", registration=False)

    r = alice.req("GET", "/application_services?size=1000")
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert set(body) == {"data", "next", "total"}
    services = {s["id"]: s for s in body["data"]}
    assert services[version_id] == {
        "name": f"{product} v1",
        "app_registration_config": {
            "description": "Card payments", "show_issuer": False,
            "display_name": f"{product} v1", "auto_approve": True,
        },
        "id": version_id,
    }
    assert closed_id not in services
    assert body["total"] == len(body["data"])


def test_cli_refuses_an_unknown_portal_domain(portal):
    proc = subprocess.run(
        [str(portal.binary), "catalog", "add-version", "--config", str(portal.config_path),
         "--product", "X", "--version", "v1", "--portal-domain", "nowhere.invalid"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    assert proc.stdout == ""
    assert "nowhere.invalid" in proc.stderr


def test_application_services_are_paged(portal, alice):
    for i in range(3):
        add_version(portal, version=f"v{i}")
    first = json_body(alice.req("GET", "/application_services?size=2"))
    assert len(first["data"]) == 2
    assert first["total"] >= 3
    assert first["next"].startswith("/application_services?size=2&offset=")
    second = json_body(alice.req("GET", first["next"]))
    assert {s["id"] for s in first["data"]}.isdisjoint({s["id"] for s in second["data"]})


# --- applications -----------------------------------------------------------


def test_application_lifecycle(portal, alice):
    r = alice.req("POST", "/applications", data={"name": "My Application", "redirect_uri": "http://localhost"})
    assert r.status_code == 201, r.text
    app = json_body(r)
    assert list(app) == ["created_at", "id", "redirect_uri", "updated_at", "developer", "name", "consumer"]
    assert is_epoch_seconds(app["created_at"]) and app["updated_at"] == app["created_at"]
    assert app["redirect_uri"] == "http://localhost"
    assert app["developer"] == {"id": alice.id}
    assert app["name"] == "My Application"
    assert app["consumer"]["id"] and app["consumer"]["id"] != alice.developer["consumer"]["id"]

    r = alice.req("GET", f"/applications/{app['id']}")
    assert r.status_code == 200, r.text
    assert json_body(r) == app

    r = alice.req("GET", "/applications")
    assert r.status_code == 200, r.text
    assert json_body(r) == {"data": [app], "next": None, "total": 1}

    r = alice.req("PATCH", f"/applications/{app['id']}", data={"name": "Another"})
    assert r.status_code == 200, r.text
    assert json_body(r) == {**app, "name": "Another", "updated_at": json_body(r)["updated_at"]}
    assert json_body(r)["updated_at"] >= app["updated_at"]

    r = alice.req("PATCH", f"/applications/{app['id']}", data={"request_uri": "https://example.com/back"})
    assert r.status_code == 200, r.text
    assert json_body(r)["redirect_uri"] == "https://example.com/back"
    assert json_body(r)["name"] == "Another"

    r = alice.req("PATCH", f"/applications/{app['id']}", json_data={"redirect_uri": "https://example.com/json"})
    assert r.status_code == 200, r.text
    assert json_body(r)["redirect_uri"] == "https://example.com/json"

    r = alice.req("DELETE", f"/applications/{app['id']}")
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_not_found(alice.req("GET", f"/applications/{app['id']}"))
    assert json_body(alice.req("GET", "/applications"))["total"] == 0


def test_applications_are_paged(alice):
    apps = [alice.create_app(name=f"App {i}") for i in range(3)]
    first = json_body(alice.req("GET", "/applications?size=2"))
    assert first["data"] == apps[:2]
    assert first["total"] == 3
    assert first["next"] == f"/applications?size=2&offset={apps[1]['id']}"
    second = json_body(alice.req("GET", first["next"]))
    assert second == {"data": apps[2:], "next": None, "total": 3}


def test_create_application_missing_fields(alice):
    assert_fields(alice.req("POST", "/applications", data={}), 400, 2,
                  {"name": "required field missing", "redirect_uri": "required field missing"})
    assert_fields(alice.req("POST", "/applications", data={"name": "x"}), 400, 2,
                  {"redirect_uri": "required field missing"})


@pytest.mark.parametrize("uri", ["/relative", "ftp://example.com/", "not a url", "https://", "https://e.com/#frag"])
def test_create_application_rejects_bad_redirect_uri(alice, uri):
    assert_fields(alice.req("POST", "/applications", data={"name": "x", "redirect_uri": uri}), 400, 2,
                  {"redirect_uri": "must be an absolute http or https URL"})


def test_create_application_name_length(alice):
    assert alice.req("POST", "/applications", data={"name": "n" * 255, "redirect_uri": "http://localhost"}).status_code == 201
    assert_fields(alice.req("POST", "/applications", data={"name": "n" * 256, "redirect_uri": "http://localhost"}),
                  400, 2, {"name": "length must be at most 255"})


def test_patch_application_errors(alice):
    app = alice.create_app()
    assert_fields(alice.req("PATCH", f"/applications/{app['id']}", data={}), 400, 2,
                  {"name": "required field missing"})
    assert_fields(alice.req("PATCH", f"/applications/{app['id']}", data={"redirect_uri": "nope"}), 400, 2,
                  {"redirect_uri": "must be an absolute http or https URL"})
    assert_not_found(alice.req("PATCH", f"/applications/{uuid.uuid4()}", data={"name": "x"}))


def test_applications_need_a_session(portal):
    for method, path in [("GET", "/applications"), ("POST", "/applications"), ("GET", f"/applications/{uuid.uuid4()}"),
                         ("GET", "/application_services"), ("GET", f"/applications/{uuid.uuid4()}/credentials")]:
        assert_message(portal.session.request(method, portal.url(API + path), timeout=15), 401)


def test_malformed_bodies_are_4xx(alice):
    r = alice.portal.session.post(alice.portal.url(API + "/applications"), data=b"{not json",
                                  headers={**alice.portal.as_developer(alice.cookie), "Content-Type": "application/json"},
                                  timeout=15)
    assert_message(r, 400)
    r = alice.portal.session.post(alice.portal.url(API + "/applications"), data=b"<xml/>",
                                  headers={**alice.portal.as_developer(alice.cookie), "Content-Type": "text/xml"},
                                  timeout=15)
    assert 400 <= r.status_code < 500, r.text


# --- application instances --------------------------------------------------


def test_application_instances(portal, alice):
    manual = add_version(portal, version="v1")
    auto = add_version(portal, version="v2", auto_approve=True)
    app = alice.create_app()
    base = f"/applications/{app['id']}/application_instances"

    r = alice.req("POST", base, data={"service.id": manual})
    assert r.status_code == 201, r.text
    pending = json_body(r)
    assert list(pending) == ["created_at", "suspended", "status", "id", "composite_id", "updated_at",
                             "application", "service"]
    assert pending["suspended"] is False
    assert pending["status"] == 1
    assert pending["composite_id"] == f"{app['id']}_{manual}"
    assert pending["application"] == {"id": app["id"]}
    assert pending["service"] == {"id": manual}
    assert is_epoch_seconds(pending["created_at"]) and is_epoch_seconds(pending["updated_at"])

    r = alice.req("POST", base, json_data={"service": {"id": auto}})
    assert r.status_code == 201, r.text
    approved = json_body(r)
    assert approved["status"] == 0
    assert approved["composite_id"] == f"{app['id']}_{auto}"

    assert_fields(alice.req("POST", base, data={"service.id": manual}), 409, 5,
                  {"service.id": f"already exists with value '{manual}'"})

    r = alice.req("GET", base)
    assert r.status_code == 200, r.text
    assert json_body(r) == {"data": [pending, approved], "next": None, "total": 2}

    r = alice.req("GET", f"{base}/{pending['id']}")
    assert r.status_code == 200, r.text
    assert json_body(r) == pending

    r = alice.req("DELETE", f"{base}/{pending['id']}")
    assert r.status_code == 204, r.text
    assert_not_found(alice.req("GET", f"{base}/{pending['id']}"))
    assert_not_found(alice.req("DELETE", f"{base}/{pending['id']}"))
    assert json_body(alice.req("GET", base))["total"] == 1


def test_application_instance_errors(portal, alice):
    closed = add_version(portal, version="closed", registration=False)
    app = alice.create_app()
    base = f"/applications/{app['id']}/application_instances"
    assert_fields(alice.req("POST", base, data={}), 400, 2, {"service.id": "required field missing"})
    for service in [closed, str(uuid.uuid4()), "garbage"]:
        assert_fields(alice.req("POST", base, data={"service.id": service}), 400, 2,
                      {"service.id": "no application service with this id"})
    assert_not_found(alice.req("GET", f"{base}/{uuid.uuid4()}"))
    assert_not_found(alice.req("POST", f"/applications/{uuid.uuid4()}/application_instances", data={"service.id": closed}))


# --- application credentials ------------------------------------------------


def test_application_credentials(alice):
    app = alice.create_app(name="Demo", redirect_uri="https://example.com")
    base = f"/applications/{app['id']}/credentials"

    r = alice.req("POST", base)
    assert r.status_code == 201, r.text
    plain = json_body(r)
    assert list(plain) == ["consumer", "created_at", "id", "client_type", "name", "hash_secret", "client_id",
                           "client_secret", "redirect_uris"]
    assert plain["consumer"] == {"id": app["consumer"]["id"]}
    assert is_epoch_seconds(plain["created_at"])
    assert plain["client_type"] == "confidential"
    assert plain["name"] == "Demo"
    assert plain["hash_secret"] is False
    assert len(plain["client_id"]) == 32 and len(plain["client_secret"]) == 32
    assert plain["redirect_uris"] == ["https://example.com"]

    r = alice.req("POST", base, data={"name": "Hashed", "hash_secret": "true", "client_type": "public",
                                      "redirect_uris": ["https://a.example/cb", "https://b.example/cb"]})
    assert r.status_code == 201, r.text
    hashed = json_body(r)
    secret = hashed["client_secret"]
    assert len(secret) == 32
    assert hashed["hash_secret"] is True and hashed["client_type"] == "public" and hashed["name"] == "Hashed"
    assert hashed["redirect_uris"] == ["https://a.example/cb", "https://b.example/cb"]
    assert hashed["client_id"] != plain["client_id"]

    # The plain secret reads back; the hashed one only as its SHA-256.
    assert json_body(alice.req("GET", f"{base}/{plain['id']}")) == plain
    shown = json_body(alice.req("GET", f"{base}/{hashed['id']}"))
    assert shown == {**hashed, "client_secret": hashlib.sha256(secret.encode()).hexdigest()}

    r = alice.req("GET", base)
    assert r.status_code == 200, r.text
    assert json_body(r) == {"data": [plain, shown], "next": None, "total": 2}

    r = alice.req("DELETE", f"{base}/{plain['id']}")
    assert r.status_code == 204, r.text
    assert_not_found(alice.req("GET", f"{base}/{plain['id']}"))
    assert json_body(alice.req("GET", base))["total"] == 1


def test_application_credential_errors(alice):
    app = alice.create_app()
    base = f"/applications/{app['id']}/credentials"
    assert_fields(alice.req("POST", base, data={"hash_secret": "maybe", "client_type": "x",
                                                "redirect_uris": "ftp://example.com"}), 400, 2, {
        "hash_secret": "expected a boolean",
        "client_type": "expected one of: confidential, public",
        "redirect_uris": "each must be an absolute http or https URL",
    })
    assert_fields(alice.req("POST", base, json_data={"redirect_uris": [1]}), 400, 2,
                  {"redirect_uris": "expected an array of URLs"})
    assert_not_found(alice.req("GET", f"{base}/{uuid.uuid4()}"))
    assert json_body(alice.req("GET", base))["total"] == 0


# --- scoping ----------------------------------------------------------------


def test_another_developers_objects_are_not_found(portal, alice, bob):
    service = add_version(portal)
    spare = add_version(portal, version="v2")
    app = alice.create_app()
    inst = json_body(alice.req("POST", f"/applications/{app['id']}/application_instances", data={"service.id": service}))
    cred = json_body(alice.req("POST", f"/applications/{app['id']}/credentials"))
    a = f"/applications/{app['id']}"
    for method, path, data in [
        ("GET", a, None), ("PATCH", a, {"name": "stolen"}), ("DELETE", a, None),
        ("GET", f"{a}/application_instances", None),
        ("POST", f"{a}/application_instances", {"service.id": spare}),
        ("GET", f"{a}/application_instances/{inst['id']}", None),
        ("DELETE", f"{a}/application_instances/{inst['id']}", None),
        ("GET", f"{a}/credentials", None), ("POST", f"{a}/credentials", {}),
        ("GET", f"{a}/credentials/{cred['id']}", None),
        ("DELETE", f"{a}/credentials/{cred['id']}", None),
    ]:
        r = bob.req(method, path, data=data)
        assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text[:200]!r}"
        assert json_body(r) == {"message": "Not found"}, f"{method} {path}"
        assert app["id"] not in r.text and cred["client_secret"] not in r.text
    assert json_body(bob.req("GET", "/applications"))["total"] == 0

    # Alice's objects are untouched.
    assert json_body(alice.req("GET", a)) == app
    assert json_body(alice.req("GET", f"{a}/application_instances"))["data"] == [inst]
    assert json_body(alice.req("GET", f"{a}/credentials"))["data"] == [cred]

    # Another application of Alice's does not reach the first one's instances and credentials.
    other = alice.create_app(name="Other")
    assert_not_found(alice.req("GET", f"/applications/{other['id']}/application_instances/{inst['id']}"))
    assert_not_found(alice.req("GET", f"/applications/{other['id']}/credentials/{cred['id']}"))


def test_deleting_an_application_removes_its_registrations_and_credentials(portal, alice):
    service = add_version(portal)
    app = alice.create_app()
    a = f"/applications/{app['id']}"
    inst = json_body(alice.req("POST", f"{a}/application_instances", data={"service.id": service}))
    cred = json_body(alice.req("POST", f"{a}/credentials"))
    assert alice.req("DELETE", a).status_code == 204
    assert_not_found(alice.req("GET", f"{a}/application_instances/{inst['id']}"))
    assert_not_found(alice.req("GET", f"{a}/credentials/{cred['id']}"))
    # The same client can start over with a new application.
    again = alice.create_app()
    r = alice.req("POST", f"/applications/{again['id']}/application_instances", data={"service.id": service})
    assert r.status_code == 201, r.text
