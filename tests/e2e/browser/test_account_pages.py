"""Account pages in a real browser: log in (wrong password, `next`, no open redirect), sign up with inline
errors, pages that need a login, log out, forgotten password, profile (name, email, password, delete)."""

from __future__ import annotations

import urllib.parse

import pytest

from conftest import new_email

from .conftest import (PASSWORD, SESSION_COOKIE, Browser, api_developer, assert_field_error, assert_layout,
                       assert_no_field_error, axe_problems, notice)

NEEDS_LOGIN = ["/dashboard", "/applications", "/applications/new", "/credentials", "/profile"]


def mail_link(message, path: str) -> str:
    body = message.get_payload(decode=True).decode()
    links = [w for w in body.split() if w.startswith(("http://", "https://"))]
    for link in links:
        if urllib.parse.urlsplit(link).path == path and "token=" in link:
            return link
    raise AssertionError(f"no {path}?token=… link in the mail; links: {links}\n{body}")


# --- log in ------------------------------------------------------------------------------------------


def test_login_page_logs_in_to_the_dashboard(browser: Browser, portal, portal_name):
    dev = api_developer(portal)
    browser.get("/login")
    assert_layout(browser, portal_name, logged_in=False)
    form = browser.find("form#login-form")
    assert (form.get_attribute("method") or "").lower() == "post"
    for name in ("email", "password", "next"):
        assert browser.finds(f'#login-form [name="{name}"]'), f"#login-form has no {name} field"
    assert browser.field("#login-form", "next").get_attribute("type") == "hidden"
    assert browser.field("#login-form", "password").get_attribute("type") == "password"
    browser.fill("#login-form", {"email": dev.email, "password": PASSWORD})
    browser.submit("#login-form")
    assert browser.path == "/dashboard", browser.driver.current_url
    assert browser.find("h1").text.strip() == "Dashboard"
    assert dev.email in browser.body_text()
    assert browser.cookie(SESSION_COOKIE), browser.driver.get_cookies()
    assert_layout(browser, portal_name, logged_in=True)


def test_wrong_password_is_401_on_the_same_page_keeping_the_email(browser: Browser, portal):
    dev = api_developer(portal)
    status = browser.login(dev.email, "not the password")
    assert status == 401, f"status {status}"
    assert browser.path == "/login", browser.driver.current_url
    error = browser.find('p.form-error[role="alert"]')
    assert error.text.strip(), "the form error is empty"
    assert browser.value("#login-form", "email") == dev.email
    assert browser.value("#login-form", "password") == ""
    assert not browser.cookie(SESSION_COOKIE)
    a11y = axe_problems(browser.driver, "/login with a form error")
    assert not a11y, "\n".join(a11y)


@pytest.mark.parametrize("path", NEEDS_LOGIN)
def test_pages_that_need_a_login_redirect_to_login_with_next(browser: Browser, path):
    browser.get(path)
    assert browser.path == "/login", f"GET {path} logged out ended on {browser.driver.current_url}"
    assert browser.query.get("next") == path, browser.driver.current_url
    assert browser.value("#login-form", "next") == path


def test_login_goes_back_to_next(browser: Browser, portal):
    dev = api_developer(portal)
    browser.get("/credentials")
    assert browser.path == "/login"
    browser.fill("#login-form", {"email": dev.email, "password": PASSWORD})
    browser.submit("#login-form")
    assert browser.path == "/credentials", browser.driver.current_url


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "https:evil.example", "javascript:alert(1)"])
def test_login_never_redirects_off_site(browser: Browser, portal, target):
    dev = api_developer(portal)
    browser.login(dev.email, PASSWORD, next_path=target)
    url = urllib.parse.urlsplit(browser.driver.current_url)
    assert (url.scheme, url.hostname, url.port) == ("https", "localhost", portal.https_port), \
        f"next={target!r} took the browser to {browser.driver.current_url}"
    assert url.path == "/dashboard", f"next={target!r} ended on {browser.driver.current_url}"


def test_logout_goes_home_and_clears_the_session(browser: Browser, portal):
    dev = api_developer(portal)
    browser.login(dev.email)
    assert browser.cookie(SESSION_COOKIE)
    browser.logout()
    assert browser.path == "/", browser.driver.current_url
    assert not browser.cookie(SESSION_COOKIE), browser.driver.get_cookies()
    assert browser.exists('header a[href="/login"]')
    browser.get("/dashboard")
    assert browser.path == "/login", browser.driver.current_url


# --- sign up -----------------------------------------------------------------------------------------


def test_register_page_has_the_portals_sign_up_fields(browser: Browser, portal_name):
    browser.get("/register")
    assert_layout(browser, portal_name, logged_in=False)
    for name in ("email", "password", "meta.full_name"):
        assert browser.finds(f'#register-form [name="{name}"]'), f"#register-form has no {name} field"
    label = browser.finds('label[for="meta.full_name"]')
    assert label and "Full Name" in label[0].text, [x.text for x in label]


def test_register_errors_are_inline_and_keep_the_values(browser: Browser):
    browser.get("/register")
    browser.no_validate("#register-form")
    browser.fill("#register-form", {"email": "not-an-email", "password": "short", "meta.full_name": ""})
    status = browser.submit("#register-form")
    assert browser.path == "/register", f"status {status}, {browser.driver.current_url}"
    for name in ("email", "password", "meta.full_name"):
        assert_field_error(browser, "#register-form", name)
    assert browser.value("#register-form", "email") == "not-an-email"
    assert browser.value("#register-form", "password") == ""
    a11y = axe_problems(browser.driver, "/register with field errors")

    # Only the password is wrong now: the others keep what was typed and show no error.
    email = new_email()
    browser.no_validate("#register-form")
    browser.fill("#register-form", {"email": email, "password": "short", "meta.full_name": "Ada Lovelace"})
    browser.submit("#register-form")
    assert browser.path == "/register", browser.driver.current_url
    assert_field_error(browser, "#register-form", "password")
    assert_no_field_error(browser, "email")
    assert_no_field_error(browser, "meta.full_name")
    assert browser.value("#register-form", "email") == email
    assert browser.value("#register-form", "meta.full_name") == "Ada Lovelace"
    assert browser.value("#register-form", "password") == ""
    assert not a11y, "\n".join(a11y)


def test_register_on_a_portal_that_needs_approval_says_pending(browser_factory, portal):
    b = browser_factory(host=portal.portal_domains["pending"])
    email = new_email()
    b.get("/register")
    b.fill("#register-form", {"email": email, "password": PASSWORD, "meta.full_name": "Pat Pending"})
    b.submit("#register-form")
    assert (b.parsed.hostname, b.path, b.query.get("notice")) == ("pending.localhost", "/login", "pending"), \
        b.driver.current_url
    notice(b)
    b.login(email)
    assert b.path == "/login", f"a developer awaiting approval got in: {b.driver.current_url}"
    b.find('p.form-error[role="alert"]')


# --- forgotten password ------------------------------------------------------------------------------


def test_forgot_and_reset_password_through_the_mailed_link(browser: Browser, portal):
    dev = api_developer(portal)
    browser.get("/account/forgot-password")
    browser.fill("#forgot-form", {"email": dev.email})
    browser.submit("#forgot-form")
    assert (browser.path, browser.query.get("notice")) == ("/account/forgot-password", "sent"), \
        browser.driver.current_url
    notice(browser)
    a11y = axe_problems(browser.driver, "/account/forgot-password?notice=sent")

    # An unknown address gets the same answer.
    browser.get("/account/forgot-password")
    browser.fill("#forgot-form", {"email": new_email()})
    browser.submit("#forgot-form")
    assert (browser.path, browser.query.get("notice")) == ("/account/forgot-password", "sent"), \
        browser.driver.current_url

    [mail] = portal.wait_for_mail(dev.email)
    link = mail_link(mail, "/account/reset-password")
    browser.get(link)
    assert browser.path == "/account/reset-password"
    a11y += axe_problems(browser.driver, "/account/reset-password")
    browser.fill("#reset-form", {"password": "a brand new passphrase"})
    browser.submit("#reset-form")
    assert (browser.path, browser.query.get("notice")) == ("/login", "password-reset"), browser.driver.current_url
    notice(browser)

    assert browser.login(dev.email, PASSWORD) == 401
    browser.login(dev.email, "a brand new passphrase")
    assert browser.path == "/dashboard", browser.driver.current_url
    assert not a11y, "\n".join(a11y)


# --- profile -----------------------------------------------------------------------------------------


def test_profile_changes_the_name(browser: Browser, portal, portal_name):
    dev = api_developer(portal, full_name="Old Name")
    browser.login(dev.email)
    browser.get("/profile")
    assert_layout(browser, portal_name, logged_in=True)
    assert browser.value("#meta-form", "meta.full_name") == "Old Name"
    browser.fill("#meta-form", {"meta.full_name": "New Name"})
    browser.submit("#meta-form")
    assert browser.path == "/profile" and browser.query.get("notice"), browser.driver.current_url
    notice(browser)
    assert browser.value("#meta-form", "meta.full_name") == "New Name"
    browser.get("/profile")
    assert browser.value("#meta-form", "meta.full_name") == "New Name"


def test_profile_changes_the_email(browser: Browser, portal):
    dev = api_developer(portal)
    new = new_email()
    browser.login(dev.email)
    browser.get("/profile")
    browser.fill("#email-form", {"email": new, "password": PASSWORD})
    browser.submit("#email-form")
    assert browser.path == "/profile" and browser.query.get("notice"), browser.driver.current_url
    notice(browser)
    browser.logout()
    browser.login(new)
    assert browser.path == "/dashboard", f"cannot log in with the new address: {browser.driver.current_url}"
    assert new in browser.body_text()


def test_profile_changes_the_password(browser: Browser, portal):
    dev = api_developer(portal)
    browser.login(dev.email)
    browser.get("/profile")
    browser.fill("#password-form", {"old_password": PASSWORD, "new_password": "another long passphrase"})
    browser.submit("#password-form")
    assert browser.path == "/profile" and browser.query.get("notice"), browser.driver.current_url
    notice(browser)
    browser.logout()
    assert browser.login(dev.email, PASSWORD) == 401
    browser.login(dev.email, "another long passphrase")
    assert browser.path == "/dashboard", browser.driver.current_url


def test_profile_deletes_the_account(browser: Browser, portal):
    dev = api_developer(portal)
    browser.login(dev.email)
    browser.get("/profile")
    browser.fill("#delete-form", {"password": PASSWORD})
    browser.submit("#delete-form")
    assert browser.path == "/", browser.driver.current_url
    assert not browser.cookie(SESSION_COOKIE)
    assert browser.login(dev.email) == 401
    assert browser.path == "/login"
    browser.find('p.form-error[role="alert"]')
