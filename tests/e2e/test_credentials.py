"""Developer credentials of the developer API (seed 000) through nginx over HTTPS:
GET/POST /credentials/key-auth and GET/POST /credentials/jwt, GET/PATCH/DELETE /credentials/jwt/{id}.
RSA and EC keys are generated here with python `cryptography`, so the portal parses real PEMs."""

import re
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import assert_message, json_body

KEY_AUTH = "/api/v1/credentials/key-auth"
JWT = "/api/v1/credentials/jwt"
ALGORITHMS = "expected one of: HS256, HS384, HS512, RS256, RS384, RS512, ES256"


def public_pem(private_key) -> str:
    return private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.fixture(scope="module")
def rsa2048():
    return public_pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def rsa1024():
    return public_pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))


@pytest.fixture(scope="module")
def p256():
    return public_pem(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="module")
def p384():
    return public_pem(ec.generate_private_key(ec.SECP384R1()))


@pytest.fixture(scope="module")
def p256_private():
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


class Dev:
    """A registered, logged-in developer and a client bound to their session."""

    def __init__(self, portal):
        self.portal = portal
        _, _, self.info, self.cookie = portal.new_developer()
        self.headers = portal.as_developer(self.cookie)
        self.consumer = {"id": self.info["consumer"]["id"]}

    def request(self, method, path, data=None, json_body=None):
        return self.portal.session.request(method, self.portal.url(path), headers=self.headers,
                                           data=data, json=json_body, timeout=15)

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data=None, **kw):
        return self.request("POST", path, data=data, **kw)

    def patch(self, path, data=None):
        return self.request("PATCH", path, data=data)

    def delete(self, path):
        return self.request("DELETE", path)


@pytest.fixture
def alice(portal):
    return Dev(portal)


@pytest.fixture
def bob(portal):
    return Dev(portal)


def unique(prefix: str) -> str:
    return f"{prefix}-{time.monotonic_ns()}"


def is_epoch_seconds(x):
    return isinstance(x, int) and not isinstance(x, bool) and abs(x - time.time()) < 600


def assert_fields(resp, status: int, fields: dict, code: int):
    assert resp.status_code == status, f"expected {status}, got {resp.status_code}: {resp.text[:400]!r}"
    assert json_body(resp) == {"fields": fields, "code": code}


# --- key-auth ---------------------------------------------------------------


def test_key_auth_create_with_a_key(alice):
    key = unique("demo")
    r = alice.post(KEY_AUTH, {"key": key})
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert set(body) == {"key", "consumer", "id", "created_at"}
    assert body["key"] == key
    assert body["consumer"] == alice.consumer
    assert isinstance(body["id"], str) and body["id"]
    assert is_epoch_seconds(body["created_at"])


def test_key_auth_create_without_a_key_generates_one(alice):
    first = json_body(alice.post(KEY_AUTH, {}))
    second = json_body(alice.post(KEY_AUTH, {"key": ""}))
    for body in (first, second):
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}", body["key"]), body
    assert first["key"] != second["key"]


def test_key_auth_accepts_a_json_body(alice):
    key = unique("json")
    r = alice.post(KEY_AUTH, json_body={"key": key})
    assert r.status_code == 200, r.text
    assert json_body(r)["key"] == key


def test_key_auth_list_is_the_developers_own_in_order(alice, bob):
    a1 = json_body(alice.post(KEY_AUTH, {"key": unique("a1")}))
    bob.post(KEY_AUTH, {"key": unique("b1")})
    a2 = json_body(alice.post(KEY_AUTH, {"key": unique("a2")}))
    r = alice.get(KEY_AUTH)
    assert r.status_code == 200, r.text
    assert json_body(r) == {"data": [a1, a2], "next": None, "total": 2}


def test_key_auth_list_pages(alice):
    made = [json_body(alice.post(KEY_AUTH, {"key": unique(f"p{i}")})) for i in range(3)]
    first = json_body(alice.get(KEY_AUTH + "?size=2"))
    assert first["data"] == made[:2]
    assert first["total"] == 3
    assert first["next"] == f"/credentials/key-auth?size=2&offset={made[1]['id']}"
    second = json_body(alice.get(KEY_AUTH + f"?size=2&offset={made[1]['id']}"))
    assert second == {"data": made[2:], "next": None, "total": 3}


def test_key_auth_another_developers_id_is_no_cursor(alice, bob):
    theirs = json_body(bob.post(KEY_AUTH, {"key": unique("cursor")}))
    assert_message(alice.get(KEY_AUTH + f"?offset={theirs['id']}"), 400)


def test_key_auth_taken_key_conflicts(alice, bob):
    key = unique("shared")
    assert bob.post(KEY_AUTH, {"key": key}).status_code == 200
    assert_fields(alice.post(KEY_AUTH, {"key": key}), 409, {"key": f"already exists with value '{key}'"}, 5)


@pytest.mark.parametrize("key, message", [
    ("has space", "must contain only printable ASCII characters, without spaces"),
    ("new\nline", "must contain only printable ASCII characters, without spaces"),
    ("clé", "must contain only printable ASCII characters, without spaces"),
    ("k" * 256, "must be at most 255 characters"),
])
def test_key_auth_bad_keys(alice, key, message):
    assert_fields(alice.post(KEY_AUTH, {"key": key}), 400, {"key": message}, 2)


def test_key_auth_without_session(portal):
    assert_message(portal.session.get(portal.url(KEY_AUTH), timeout=15), 401)
    assert_message(portal.session.post(portal.url(KEY_AUTH), data={"key": "x"}, timeout=15), 401)


# --- JWT: create -------------------------------------------------------------


def test_jwt_create_hs256(alice, rsa2048):
    key = unique("hs")
    r = alice.post(JWT, {"key": key, "secret": "secret1", "algorithm": "HS256", "rsa_public_key": rsa2048})
    assert r.status_code == 200, r.text
    body = json_body(r)
    # JWTHS: no rsa_public_key, even when one was sent.
    assert list(body) == ["algorithm", "id", "created_at", "secret", "consumer", "key"]
    assert body["algorithm"] == "HS256"
    assert body["secret"] == "secret1"
    assert body["consumer"] == alice.consumer
    assert body["key"] == key
    assert is_epoch_seconds(body["created_at"])


@pytest.mark.parametrize("algorithm", ["RS256", "RS384", "RS512"])
def test_jwt_create_rs_with_a_real_rsa_2048_key(alice, rsa2048, algorithm):
    key = unique("rs")
    r = alice.post(JWT, {"key": key, "secret": "secret1", "algorithm": algorithm, "rsa_public_key": rsa2048})
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert list(body) == ["algorithm", "id", "created_at", "secret", "consumer", "rsa_public_key", "key"]
    assert body["algorithm"] == algorithm
    assert body["rsa_public_key"] == rsa2048
    assert body["key"] == key
    # What comes back is a usable key.
    loaded = serialization.load_pem_public_key(body["rsa_public_key"].encode())
    assert loaded.key_size == 2048


def test_jwt_create_es256_with_a_real_p256_key(alice, p256):
    r = alice.post(JWT, {"key": unique("es"), "secret": "s", "algorithm": "ES256", "rsa_public_key": p256})
    assert r.status_code == 200, r.text
    body = json_body(r)
    assert body["algorithm"] == "ES256"
    assert body["rsa_public_key"] == p256
    assert isinstance(serialization.load_pem_public_key(p256.encode()), ec.EllipticCurvePublicKey)


def test_jwt_create_accepts_crlf_pem_and_json(alice, rsa2048):
    crlf = rsa2048.replace("\n", "\r\n")
    r = alice.post(JWT, json_body={"key": unique("crlf"), "secret": "s", "algorithm": "RS256", "rsa_public_key": crlf})
    assert r.status_code == 200, r.text


def test_jwt_missing_fields(alice):
    assert_fields(alice.post(JWT, {}), 400, {
        "key": "required field missing", "secret": "required field missing", "algorithm": "required field missing",
    }, 2)


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_jwt_asymmetric_needs_a_public_key(alice, algorithm):
    r = alice.post(JWT, {"key": unique("k"), "secret": "s", "algorithm": algorithm})
    assert_fields(r, 400, {"rsa_public_key": "required field missing"}, 2)


@pytest.mark.parametrize("algorithm", ["hs256", "none", "PS256", "ES512", "HS256 "])
def test_jwt_unknown_algorithm(alice, algorithm):
    r = alice.post(JWT, {"key": unique("k"), "secret": "s", "algorithm": algorithm})
    assert_fields(r, 400, {"algorithm": ALGORITHMS}, 2)


@pytest.mark.parametrize("algorithm, which", [
    ("RS256", "garbage"), ("RS256", "empty-pem"), ("RS256", "p256"), ("RS384", "private"),
    ("ES256", "rsa2048"), ("ES256", "p384"), ("ES256", "private"),
])
def test_jwt_bad_public_key(alice, algorithm, which, rsa2048, p256, p384, p256_private):
    pem = {
        "garbage": "this is not a key",
        "empty-pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
        "p256": p256, "p384": p384, "rsa2048": rsa2048, "private": p256_private,
    }[which]
    r = alice.post(JWT, {"key": unique("bad"), "secret": "s", "algorithm": algorithm, "rsa_public_key": pem})
    assert_fields(r, 400, {"rsa_public_key": "invalid PEM public key"}, 2)


def test_jwt_accepts_a_pkcs1_rsa_public_key(alice):
    pkcs1 = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.PKCS1).decode()
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    r = alice.post(JWT, {"key": unique("pkcs1"), "secret": "s", "algorithm": "RS256", "rsa_public_key": pkcs1})
    assert r.status_code == 200, r.text
    assert json_body(r)["rsa_public_key"] == pkcs1


def test_jwt_non_rsa_keys_never_hurt_the_workers(alice, p256, p384):
    # A DER that is no RSA key once crashed the RSA parser (swift-crypto 3.12.3 double free):
    # every attempt must be a clean 400, and the pool must still serve afterwards.
    junk = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
    for i in range(20):
        for pem in (p256, p384, junk):
            r = alice.post(JWT, {"key": unique(f"loop{i}"), "secret": "s", "algorithm": "RS512", "rsa_public_key": pem})
            assert_fields(r, 400, {"rsa_public_key": "invalid PEM public key"}, 2)
    assert alice.get(JWT).status_code == 200


def test_jwt_rsa_key_under_2048_bits(alice, rsa1024):
    r = alice.post(JWT, {"key": unique("weak"), "secret": "s", "algorithm": "RS256", "rsa_public_key": rsa1024})
    assert_fields(r, 400, {"rsa_public_key": "RSA public key must be at least 2048 bits (this one has 1024)"}, 2)


def test_jwt_over_long_values(alice):
    r = alice.post(JWT, {"key": "k" * 256, "secret": "s" * 1025, "algorithm": "HS256"})
    assert_fields(r, 400, {"key": "must be at most 255 characters", "secret": "must be at most 1024 bytes"}, 2)


def test_jwt_taken_key_conflicts(alice, bob):
    key = unique("taken")
    assert bob.post(JWT, {"key": key, "secret": "s", "algorithm": "HS256"}).status_code == 200
    r = alice.post(JWT, {"key": key, "secret": "s", "algorithm": "HS512"})
    assert_fields(r, 409, {"key": f"already exists with value '{key}'"}, 5)


# --- JWT: read, update, delete ------------------------------------------------


def make_jwt(dev, **fields):
    data = {"key": unique("jwt"), "secret": "secret1", "algorithm": "HS256", **fields}
    r = dev.post(JWT, data)
    assert r.status_code == 200, r.text
    return json_body(r)


def test_jwt_list_is_the_developers_own(alice, bob, rsa2048):
    hs = make_jwt(alice)
    make_jwt(bob)
    rs = make_jwt(alice, algorithm="RS256", rsa_public_key=rsa2048)
    r = alice.get(JWT)
    assert r.status_code == 200, r.text
    assert json_body(r) == {"data": [hs, rs], "next": None, "total": 2}
    paged = json_body(alice.get(JWT + "?size=1"))
    assert paged["data"] == [hs] and paged["next"] == f"/credentials/jwt?size=1&offset={hs['id']}"


def test_jwt_get_by_id(alice, p256):
    created = make_jwt(alice, algorithm="ES256", rsa_public_key=p256)
    r = alice.get(f"{JWT}/{created['id']}")
    assert r.status_code == 200, r.text
    assert json_body(r) == created


def test_jwt_patch_is_partial(alice):
    created = make_jwt(alice, secret="secret1")
    new_key = unique("renamed")
    r = alice.patch(f"{JWT}/{created['id']}", {"secret": "secret2", "key": new_key})
    assert r.status_code == 200, r.text
    assert json_body(r) == {**created, "secret": "secret2", "key": new_key}
    assert json_body(alice.get(f"{JWT}/{created['id']}")) == json_body(r)


def test_jwt_patch_revalidates_the_whole_credential(alice, rsa2048):
    created = make_jwt(alice)
    path = f"{JWT}/{created['id']}"
    assert_fields(alice.patch(path, {"algorithm": "RS256"}), 400, {"rsa_public_key": "required field missing"}, 2)
    r = alice.patch(path, {"algorithm": "RS256", "rsa_public_key": rsa2048})
    assert r.status_code == 200, r.text
    assert json_body(r)["rsa_public_key"] == rsa2048
    # The stored RSA key is no P-256 key.
    assert_fields(alice.patch(path, {"algorithm": "ES256"}), 400, {"rsa_public_key": "invalid PEM public key"}, 2)
    assert_fields(alice.patch(path, {"algorithm": "XX1"}), 400, {"algorithm": ALGORITHMS}, 2)
    # Back to HS: the public key goes away.
    r = alice.patch(path, {"algorithm": "HS384"})
    assert r.status_code == 200, r.text
    assert "rsa_public_key" not in json_body(r)
    assert json_body(alice.get(path)) == {**created, "algorithm": "HS384"}


def test_jwt_patch_to_a_taken_key_conflicts(alice, bob):
    theirs = make_jwt(bob)
    mine = make_jwt(alice)
    r = alice.patch(f"{JWT}/{mine['id']}", {"key": theirs["key"]})
    assert_fields(r, 409, {"key": f"already exists with value '{theirs['key']}'"}, 5)


def test_jwt_delete(alice):
    created = make_jwt(alice)
    path = f"{JWT}/{created['id']}"
    r = alice.delete(path)
    assert r.status_code == 204, r.text
    assert r.content == b""
    assert_message(alice.get(path), 404)
    assert_message(alice.delete(path), 404)
    # The key is free again.
    assert alice.post(JWT, {"key": created["key"], "secret": "s", "algorithm": "HS256"}).status_code == 200


def test_jwt_another_developers_credential_is_not_found(alice, bob):
    theirs = make_jwt(bob, secret="bobs-secret")
    path = f"{JWT}/{theirs['id']}"
    for r in (alice.get(path), alice.patch(path, {"secret": "stolen"}), alice.delete(path)):
        assert r.status_code == 404, r.text
        assert json_body(r) == {"message": "Not found"}
        assert "bobs-secret" not in r.text
    assert json_body(bob.get(path)) == theirs


@pytest.mark.parametrize("ident", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "%20", "x" * 300])
def test_jwt_malformed_or_unknown_id(alice, ident):
    for method in ("GET", "PATCH", "DELETE"):
        r = alice.request(method, f"{JWT}/{ident}")
        assert r.status_code == 404, f"{method}: {r.status_code} {r.text[:200]!r}"
        assert json_body(r) == {"message": "Not found"}


def test_jwt_without_session(portal):
    for method, path in [("GET", JWT), ("POST", JWT), ("GET", JWT + "/x"), ("PATCH", JWT + "/x"), ("DELETE", JWT + "/x")]:
        assert_message(portal.session.request(method, portal.url(path), timeout=15), 401)
