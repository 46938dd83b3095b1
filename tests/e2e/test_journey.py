"""The whole developer journey of issue 3, through nginx, the pool, SQLite and SMTP:
register → mail → verify → log in → create an application → register it to a service →
create credentials → delete the developer; with another developer's attempts getting 404."""

from conftest import assert_message, new_email, session_cookie
from test_account import mail_token
from test_applications import add_version


def test_developer_journey(portal):
    host = portal.host_headers("verify")
    version = add_version(portal, product="Payments", version="v2", registration=True, auto_approve=False,
                          domain=portal.portal_domains["verify"])

    def call(method, path, cookie=None, **kwargs):
        headers = dict(host)
        if cookie:
            headers.update(portal.as_developer(cookie))
        return portal.session.request(method, portal.url("/api/v1" + path), headers=headers, timeout=15, **kwargs)

    # Register: unverified, a verification mail arrives over SMTP.
    email, password = new_email(), "journey passphrase"
    r = call("POST", "/register", data={"email": email, "password": password, "meta": '{"full_name":"Jo"}'})
    assert r.status_code == 200 and r.json()["developer"]["status"] == 5
    assert r.json()["email"]["sent"] == {"emails": {email: True}, "count": 1}
    token = mail_token(portal.wait_for_mail(email)[0])

    # Verify, then log in.
    r = call("POST", "/verify-account", data={"token": token})
    assert r.status_code == 200 and r.json() == {"status": 0}
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, password), headers=host, timeout=15)
    assert r.status_code == 204
    cookie = session_cookie(r)

    # Create an application and register it to the service.
    r = call("POST", "/applications", cookie, data={"name": "Shop", "redirect_uri": "https://shop.example.com/cb"})
    assert r.status_code == 201, r.text
    app = r.json()
    r = call("GET", "/application_services", cookie)
    assert version in [s["id"] for s in r.json()["data"]]
    r = call("POST", f"/applications/{app['id']}/application_instances", cookie, data={"service.id": version})
    assert r.status_code == 201, r.text
    instance = r.json()
    assert instance["status"] == 1 and instance["composite_id"] == f"{app['id']}_{version}"

    # Credentials: OAuth2 client credentials of the application, and a key-auth key of the developer.
    r = call("POST", f"/applications/{app['id']}/credentials", cookie, data={"hash_secret": "true"})
    assert r.status_code == 201, r.text
    credential = r.json()
    assert len(credential["client_secret"]) == 32
    r = call("POST", "/credentials/key-auth", cookie, data={})
    assert r.status_code in (200, 201), r.text
    key = r.json()

    # Another developer of the same portal sees none of it.
    other_email = new_email()
    call("POST", "/register", data={"email": other_email, "password": password, "meta": '{"full_name":"Ot"}'})
    other_token = mail_token(portal.wait_for_mail(other_email)[0])
    assert call("POST", "/verify-account", data={"token": other_token}).status_code == 200
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(other_email, password), headers=host, timeout=15)
    other = session_cookie(r)
    for method, path in (("GET", f"/applications/{app['id']}"), ("PATCH", f"/applications/{app['id']}"),
                         ("DELETE", f"/applications/{app['id']}"),
                         ("GET", f"/applications/{app['id']}/application_instances/{instance['id']}"),
                         ("GET", f"/applications/{app['id']}/credentials/{credential['id']}"),
                         ("DELETE", f"/applications/{app['id']}/credentials/{credential['id']}")):
        r = call(method, path, other, data={"name": "stolen"})
        assert_message(r, 404)
    assert all(k["id"] != key["id"] for k in call("GET", "/credentials/key-auth", other).json()["data"])

    # Delete the developer: session, applications and credentials go with the account.
    assert call("DELETE", "/developer", cookie).status_code == 204
    assert_message(call("GET", "/applications", cookie), 401)
    r = portal.session.get(portal.url("/api/v1/auth"), auth=(email, password), headers=host, timeout=15)
    assert_message(r, 401)
    # Re-registering the address starts from nothing.
    r = call("POST", "/register", data={"email": email, "password": password, "meta": '{"full_name":"Jo"}'})
    assert r.status_code == 200
