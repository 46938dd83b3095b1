"""Bad input gets a 4xx in the 000 family's format, never a 5xx or a dead worker.

Requests whose bytes matter (malformed percent-escapes, non-UTF-8 bodies) go
through `portal.raw` (http.client), which sends them unchanged."""

import pytest

from conftest import assert_message, json_body, new_email

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def assert_field_or_message_400(resp):
    assert resp.status == 400, f"{resp.status} {resp.body[:300]!r}"
    body = json_body(resp)
    assert ("message" in body and isinstance(body["message"], str)) or (
        isinstance(body.get("fields"), dict) and isinstance(body.get("code"), (int, float))
    ), body


@pytest.mark.parametrize("query", ["x=%zz", "x=%4", "x=%", "%zz=1", "page[size]=%G0"])
def test_malformed_percent_encoding_in_query(portal, query):
    r = portal.raw("GET", "/api/v1/developer?" + query)
    assert_message(r, 400)


def test_malformed_percent_encoding_in_form_body(portal):
    body = b"email=%zz&password=secretsecret&meta=%7B%22full_name%22%3A%22U%22%7D"
    assert_field_or_message_400(portal.raw("POST", "/api/v1/register", FORM, body))


@pytest.mark.parametrize(
    "email",
    [b"\xff\xfe@example.com", b"%FF%FE%80@example.com", b"a%C3%28@example.com"],
    ids=["raw-bytes", "percent-encoded", "bad-continuation"],
)
def test_non_utf8_form_field(portal, email):
    body = b"email=" + email + b"&password=secretsecret&meta=%7B%22full_name%22%3A%22U%22%7D"
    assert_field_or_message_400(portal.raw("POST", "/api/v1/register", FORM, body))


def test_non_utf8_password_in_basic_auth(portal):
    import base64

    cred = base64.b64encode(new_email().encode() + b":\xff\xfe\xfd").decode()
    assert_message(portal.raw("GET", "/api/v1/auth", {"Authorization": "Basic " + cred}), 401)


def test_body_over_one_mebibyte_is_413(portal):
    body = b"email=x%40example.com&password=" + b"a" * (1024 * 1024 + 100)
    r = portal.raw("POST", "/api/v1/register", FORM, body, timeout=30)
    assert r.status == 413, f"{r.status} {r.body[:200]!r}"
    # nginx answers it; on /api/ paths the site turns its page into JSON.
    assert json_body(r) == {"message": "Request body too large"}


def test_body_just_under_the_limit_is_not_5xx(portal):
    body = b"email=" + new_email().encode() + b"&meta=%7B%22full_name%22%3A%22U%22%7D&password=" + b"a" * (
        1024 * 1024 - 200
    )
    r = portal.raw("POST", "/api/v1/register", FORM, body, timeout=30)
    assert r.status < 500, f"{r.status} {r.body[:200]!r}"


def test_unknown_api_path_is_404(portal):
    assert_message(portal.session.get(portal.url("/api/v1/nope"), timeout=10), 404)


def test_unknown_page_is_404(portal):
    r = portal.session.get(portal.url("/no/such/page"), timeout=10)
    assert r.status_code == 404


@pytest.mark.parametrize("method, path", [("PUT", "/api/v1/register"), ("GET", "/api/v1/register"),
                                          ("POST", "/api/v1/developer"), ("PATCH", "/api/v1/auth")])
def test_wrong_method_is_405(portal, method, path):
    r = portal.session.request(method, portal.url(path), data={"a": "b"}, timeout=10)
    assert_message(r, 405)


def test_oversized_header_is_rejected_by_nginx(portal):
    r = portal.raw("GET", "/api/v1/developer", {"X-Big": "a" * 20000})
    assert 400 <= r.status < 500, r.status


def test_json_with_broken_syntax_is_4xx(portal):
    r = portal.raw("POST", "/api/v1/register", {"Content-Type": "application/json"}, b'{"email": "a@b.c", ')
    assert 400 <= r.status < 500, f"{r.status} {r.body[:200]!r}"


def test_workers_survive_bad_input(portal):
    """After all of the above the pool still answers, from the same supervisor."""
    assert portal.proc.poll() is None
    r = portal.session.get(portal.url("/health"), timeout=10)
    assert r.status_code == 200
