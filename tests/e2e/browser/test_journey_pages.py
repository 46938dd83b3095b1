"""The developer's journey through the pages in a real browser, as a person would click it: sign up, (verify the
address), log in, create an application, register it to a product version, create its credentials, a key-auth
key, change the profile name and the password, log out, log in with the new password. Once with JavaScript
disabled as well."""

from __future__ import annotations

import re

from conftest import new_email

from .conftest import PASSWORD, SESSION_COOKIE, Browser, assert_layout, axe_problems, notice
from .test_account_pages import mail_link

APP_PATH = re.compile(r"/applications/([^/?#]+)")


def sign_up(b: Browser, email: str, full_name: str, host: str | None = None):
    b.get("/register", host)
    b.fill("#register-form", {"email": email, "password": PASSWORD, "meta.full_name": full_name})
    b.submit("#register-form")


def create_application(b: Browser, name: str, redirect_uri: str = "https://journey.example/cb") -> str:
    b.get("/applications")
    b.find('a[href="/applications/new"]').click()
    b.wait_path("/applications/new")
    b.fill("#application-form", {"name": name, "redirect_uri": redirect_uri})
    b.submit("#application-form")
    m = APP_PATH.fullmatch(b.path)
    assert m and m.group(1) not in ("new",), f"creating an application ended on {b.driver.current_url}:\n{b.body_text()[:800]}"
    assert b.find("h1").text.strip() == name
    return m.group(1)


def test_journey_on_the_default_portal(browser: Browser, portal, portal_name, spec_version):
    b = browser
    email = new_email()

    # Sign up: the default portal approves at once and verifies no address.
    b.get("/")
    b.find('header a[href="/register"]').click()
    b.wait_path("/register")
    b.fill("#register-form", {"email": email, "password": PASSWORD, "meta.full_name": "Ada Journey"})
    b.submit("#register-form")
    assert (b.path, b.query.get("notice")) == ("/login", "registered"), b.driver.current_url
    notice(b)

    # Log in.
    b.fill("#login-form", {"email": email, "password": PASSWORD})
    b.submit("#login-form")
    assert b.path == "/dashboard", b.driver.current_url
    assert b.find("h1").text.strip() == "Dashboard"
    assert email in b.body_text()
    assert_layout(b, portal_name, logged_in=True)

    # An application, registered to the product version (which needs approval).
    app_id = create_application(b, "Journey App")
    b.get("/applications")
    assert b.exists(f'ul.applications li a[href="/applications/{app_id}"]')
    b.find(f'ul.applications li a[href="/applications/{app_id}"]').click()
    b.wait_path(f"/applications/{app_id}")
    b.fill("#register-service-form", {"service_id": spec_version.id})
    b.submit("#register-service-form")
    assert b.path == f"/applications/{app_id}", b.driver.current_url
    notice(b)
    rows = [r.text for r in b.finds("table.registrations tr")]
    row = next((r for r in rows if spec_version.product in r), None)
    assert row and "v1" in row and "pending" in row.lower(), f"registrations: {rows}"

    # Its credentials: the secret is shown this once.
    b.submit("#app-credential-form")
    client_id = b.find("input#client-id").get_attribute("value")
    secret = b.find("input#secret").get_attribute("value")
    assert client_id and secret, (client_id, secret)
    assert b.find("input#secret").get_attribute("readonly") is not None
    b.get(f"/applications/{app_id}")
    assert secret not in b.driver.page_source

    # A key-auth key: shown once, masked in the list afterwards.
    b.find('header a[href="/credentials"]').click()
    b.wait_path("/credentials")
    b.submit("#key-auth-form")
    key = b.find("input#secret").get_attribute("value")
    assert key, "no key in input#secret"
    b.get("/credentials")
    assert len(b.finds("ul.key-auth li")) == 1
    assert key not in b.driver.page_source

    # Profile: the name, then the password.
    b.find('header a[href="/profile"]').click()
    b.wait_path("/profile")
    assert b.value("#meta-form", "meta.full_name") == "Ada Journey"
    b.fill("#meta-form", {"meta.full_name": "Ada Lovelace"})
    b.submit("#meta-form")
    assert b.path == "/profile" and b.query.get("notice"), b.driver.current_url
    assert b.value("#meta-form", "meta.full_name") == "Ada Lovelace"
    b.fill("#password-form", {"old_password": PASSWORD, "new_password": "the analytical engine"})
    b.submit("#password-form")
    assert b.path == "/profile" and b.query.get("notice"), b.driver.current_url
    notice(b)

    # Log out, then in again with the new password (the old one no longer works).
    b.logout()
    assert b.path == "/" and not b.cookie(SESSION_COOKIE), (b.driver.current_url, b.driver.get_cookies())
    assert b.login(email, PASSWORD) == 401
    b.fill("#login-form", {"email": email, "password": "the analytical engine"})
    b.submit("#login-form")
    assert b.path == "/dashboard", b.driver.current_url
    b.get(f"/applications/{app_id}")
    assert b.find("h1").text.strip() == "Journey App"


def test_journey_on_a_portal_that_verifies_email(browser_factory, portal):
    host = portal.portal_domains["verify"]
    b = browser_factory(host=host)
    email = new_email()
    sign_up(b, email, "Vera Verified")
    assert (b.parsed.hostname, b.path, b.query.get("notice")) == (host, "/login", "verify-email"), b.driver.current_url
    notice(b)

    # Not verified yet: no way in.
    b.login(email)
    assert b.path == "/login", f"an unverified developer got in: {b.driver.current_url}"
    b.find('p.form-error[role="alert"]')

    [mail] = portal.wait_for_mail(email)
    link = mail_link(mail, "/account/verify")
    assert link.startswith(f"https://{host}:{portal.public_port}/account/verify?token="), link
    b.get(link)
    assert b.path == "/account/verify", b.driver.current_url
    a11y = axe_problems(b.driver, "/account/verify")
    token = b.find('#verify-form input[name="token"]')
    assert token.get_attribute("type") == "hidden" and token.get_attribute("value"), token.get_attribute("outerHTML")
    b.submit("#verify-form")
    assert (b.path, b.query.get("notice")) == ("/login", "verified"), b.driver.current_url
    notice(b)

    b.fill("#login-form", {"email": email, "password": PASSWORD})
    b.submit("#login-form")
    assert (b.parsed.hostname, b.path) == (host, "/dashboard"), b.driver.current_url
    assert email in b.body_text()
    create_application(b, "Verified App")
    assert not a11y, "\n".join(a11y)


def test_journey_without_javascript(nojs_browser: Browser, portal, portal_name):
    b = nojs_browser
    # JavaScript is really off in this browser.
    b.get("data:text/html,<html lang=en><title>t</title><p id=x>off</p>"
          "<script>document.getElementById('x').textContent='on'</script>")
    assert b.find("#x").text == "off", "JavaScript runs in the no-JavaScript browser"

    email = new_email()
    sign_up(b, email, "Noah Script")
    assert (b.path, b.query.get("notice")) == ("/login", "registered"), b.driver.current_url
    b.fill("#login-form", {"email": email, "password": PASSWORD})
    b.submit("#login-form")
    assert b.path == "/dashboard", b.driver.current_url
    assert_layout(b, portal_name, logged_in=True)

    # The colour-scheme switch works without JavaScript.
    b.submit('form[action="/appearance-scheme"]', 'button[name="scheme"][value="dark"]')
    assert b.path == "/dashboard", b.driver.current_url
    assert b.driver.find_element("tag name", "html").get_attribute("data-scheme") == "dark"

    app_id = create_application(b, "No Script App")
    b.get("/applications")
    assert b.exists(f'ul.applications li a[href="/applications/{app_id}"]')
    b.logout()
    assert b.path == "/" and not b.cookie(SESSION_COOKIE)
