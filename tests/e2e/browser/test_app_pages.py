"""Catalog, product (API reference), applications and credentials pages in a real browser."""

from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By

from .conftest import (SPEC_OPERATIONS, Browser, add_version, api_application, api_developer, api_key_auth, dev_api,
                       assert_field_error, assert_layout, axe_problems, notice)


def catalog_links(b: Browser) -> dict[str, str]:
    """{href: text} of ul.catalog's links."""
    return {a.get_attribute("href").split(b.origin(), 1)[-1]: a.text for a in b.finds("ul.catalog li a")}


# --- catalog -----------------------------------------------------------------------------------------


def test_catalog_lists_the_portals_versions_and_searches(browser: Browser, portal, portal_name, spec_version):
    tag = uuid.uuid4().hex[:8]
    plain = add_version(portal, product=f"Zebra Tracking {tag}", registration=False)
    elsewhere = add_version(portal, product=f"Elsewhere {tag}", domain=portal.portal_domains["verify"])
    dev = api_developer(portal)
    browser.login(dev.email)
    browser.get("/catalog")
    assert_layout(browser, portal_name, logged_in=True)
    links = catalog_links(browser)
    for v in (spec_version, plain):
        href = f"/catalog/{v.id}"
        assert href in links, f"{href} ({v.product}) not in ul.catalog: {links}"
        assert v.product in links[href] and v.version in links[href], f"{href}: {links[href]!r}"
    assert f"/catalog/{elsewhere.id}" not in links, "the catalog lists another portal's version"

    search = browser.find('form input[name="q"]')
    search.clear()
    search.send_keys(f"Zebra Tracking {tag}")
    browser.submit('form:has(input[name="q"])')
    assert browser.path == "/catalog" and browser.query.get("q") == f"Zebra Tracking {tag}", browser.driver.current_url
    links = catalog_links(browser)
    assert list(links) == [f"/catalog/{plain.id}"], links
    assert browser.value('form:has(input[name="q"])', "q") == f"Zebra Tracking {tag}"

    browser.find(f'ul.catalog li a[href="/catalog/{plain.id}"]').click()
    browser.wait_path(f"/catalog/{plain.id}")


def test_product_page_shows_the_api_reference_grouped_by_tag(browser: Browser, portal, portal_name, spec_version):
    dev = api_developer(portal)
    browser.login(dev.email)
    status = browser.get(f"/catalog/{spec_version.id}")
    assert status == 200, status
    assert_layout(browser, portal_name, logged_in=True)
    assert spec_version.product in browser.find("h1").text
    reference = browser.find("section.reference")
    operations = browser.finds("section.operation", within=reference)
    found = set()
    for op in operations:
        method = browser.find(".method", within=op).text.strip().upper()
        path = browser.find(".path", within=op).text.strip()
        heading = op.find_elements(By.XPATH, "preceding::h2[1]")
        assert heading, f"{method} {path} has no h2 before it"
        found.add((method, path, heading[0].text.strip().lower()))
    assert found == SPEC_OPERATIONS, f"operations (method, path, h2 above): {sorted(found)}"

    by_key = {(browser.find(".method", within=op).text.strip().upper(), browser.find(".path", within=op).text.strip()): op
              for op in operations}
    forecast = by_key[("GET", "/forecasts/{city}")]
    text = forecast.text
    for word in ("city", "days"):
        assert word in text, f"GET /forecasts/{{city}} does not show the parameter {word!r}:\n{text}"
    assert forecast.find_elements(By.CSS_SELECTOR, "table, ul, dl"), "parameters are in no table or list"
    assert "temperature" in text, f"the 200 response's schema is not shown:\n{text}"
    add_station = by_key[("POST", "/stations")]
    assert "station_name" in add_station.text and "latitude" in add_station.text, add_station.text
    assert add_station.find_elements(By.CSS_SELECTOR, "table, ul, dl"), "the request schema is in no table or list"
    assert "No API reference" not in browser.body_text()


def test_product_page_without_a_spec_says_no_api_reference(browser: Browser, portal):
    bare = add_version(portal)
    dev = api_developer(portal)
    browser.login(dev.email)
    assert browser.get(f"/catalog/{bare.id}") == 200
    assert bare.product in browser.find("h1").text
    assert "No API reference" in browser.body_text()
    assert not browser.finds("section.operation")


# --- applications ------------------------------------------------------------------------------------


def test_application_form_errors_are_inline_and_keep_the_values(browser: Browser, portal):
    dev = api_developer(portal)
    browser.login(dev.email)
    browser.get("/applications/new")
    browser.no_validate("#application-form")
    browser.fill("#application-form", {"name": "", "redirect_uri": "not a url"})
    browser.submit("#application-form")
    # The form may post to /applications and answer there: what counts is that no application was made.
    assert browser.path in ("/applications/new", "/applications"), browser.driver.current_url
    assert_field_error(browser, "#application-form", "name")
    assert_field_error(browser, "#application-form", "redirect_uri")
    assert browser.value("#application-form", "redirect_uri") == "not a url"
    a11y = axe_problems(browser.driver, "/applications/new with field errors")

    browser.no_validate("#application-form")
    browser.fill("#application-form", {"name": "Kept Name", "redirect_uri": "ftp://x"})
    browser.submit("#application-form")
    assert_field_error(browser, "#application-form", "redirect_uri")
    assert browser.value("#application-form", "name") == "Kept Name"
    assert browser.value("#application-form", "redirect_uri") == "ftp://x"
    assert dev_api(portal, dev, "GET", "/applications").json()["total"] == 0
    assert not a11y, "\n".join(a11y)


def test_application_registration_rows_and_the_versions_open_to_registration(browser: Browser, portal, spec_version):
    auto = add_version(portal, auto_approve=True)
    closed = add_version(portal, registration=False)
    dev = api_developer(portal)
    app_id = api_application(portal, dev, "Rows App")
    browser.login(dev.email)
    browser.get(f"/applications/{app_id}")
    assert browser.find("h1").text.strip() == "Rows App"
    options = {o.get_attribute("value") for o in browser.finds('#register-service-form select[name="service_id"] option')}
    assert spec_version.id in options and auto.id in options, options
    assert closed.id not in options, "a version closed to registration is offered"

    for version, status in ((spec_version, "pending"), (auto, "approved")):
        browser.fill("#register-service-form", {"service_id": version.id})
        browser.submit("#register-service-form")
        assert browser.path == f"/applications/{app_id}", browser.driver.current_url
        notice(browser)
        rows = [r.text for r in browser.finds("table.registrations tbody tr") or browser.finds("table.registrations tr")]
        row = next((r for r in rows if version.product in r), None)
        assert row, f"no table.registrations row for {version.product}: {rows}"
        assert version.version in row and status in row.lower(), f"row {row!r}, expected {version.version} and {status}"


def test_application_credentials_are_shown_once(browser: Browser, portal):
    dev = api_developer(portal)
    app_id = api_application(portal, dev, "Secret App")
    browser.login(dev.email)
    browser.get(f"/applications/{app_id}")
    form = browser.find("#app-credential-form")
    assert form.get_attribute("action").endswith(f"/applications/{app_id}/credentials"), form.get_attribute("action")
    browser.submit("#app-credential-form")
    client_id = browser.find("input#client-id")
    secret = browser.find("input#secret")
    for el in (client_id, secret):
        assert el.get_attribute("readonly") is not None, f"#{el.get_attribute('id')} is not readonly"
        assert len(el.get_attribute("value") or "") >= 16, el.get_attribute("value")
    secret_value = secret.get_attribute("value")
    a11y = axe_problems(browser.driver, "application credential secret page")
    browser.get(f"/applications/{app_id}")
    assert secret_value not in browser.driver.page_source, "the client secret is shown again"
    assert not a11y, "\n".join(a11y)


def test_edit_and_delete_an_application(browser: Browser, portal):
    dev = api_developer(portal)
    app_id = api_application(portal, dev, "Before Edit")
    browser.login(dev.email)
    browser.get("/applications")
    assert browser.exists(f'ul.applications li a[href="/applications/{app_id}"]')
    browser.find(f'ul.applications li a[href="/applications/{app_id}"]').click()
    browser.wait_path(f"/applications/{app_id}")
    browser.find(f'a[href="/applications/{app_id}/edit"]').click()
    browser.wait_path(f"/applications/{app_id}/edit")
    assert browser.value("#application-form", "name") == "Before Edit"
    a11y = axe_problems(browser.driver, f"/applications/{app_id}/edit")
    assert browser.value("#application-form", "redirect_uri") == "https://app.example/cb"
    browser.fill("#application-form", {"name": "After Edit"})
    browser.submit("#application-form")
    assert browser.path == f"/applications/{app_id}", browser.driver.current_url
    assert browser.find("h1").text.strip() == "After Edit"

    browser.submit("#delete-application-form")
    assert (browser.path, browser.query.get("notice")) == ("/applications", "deleted"), browser.driver.current_url
    notice(browser)
    assert not browser.exists(f'ul.applications li a[href="/applications/{app_id}"]')
    assert browser.get(f"/applications/{app_id}") == 404
    assert not a11y, "\n".join(a11y)


# --- credentials -------------------------------------------------------------------------------------


def test_key_auth_secret_is_shown_once_then_masked(browser: Browser, portal, portal_name):
    dev = api_developer(portal)
    browser.login(dev.email)
    browser.get("/credentials")
    assert_layout(browser, portal_name, logged_in=True)
    browser.submit("#key-auth-form")
    secret = browser.find("input#secret")
    assert secret.get_attribute("readonly") is not None, "#secret is not readonly"
    key = secret.get_attribute("value")
    assert key and len(key) >= 16, key
    browser.get("/credentials")
    items = browser.finds("ul.key-auth li")
    assert len(items) == 1, [i.text for i in items]
    assert key not in browser.driver.page_source, "the full key is shown in the list"


def test_jwt_credential_is_created_and_deleted(browser: Browser, portal):
    dev = api_developer(portal)
    api_key_auth(portal, dev)
    browser.login(dev.email)
    browser.get("/credentials")
    before = len(browser.finds("form.delete-credential"))
    jwt_key = f"jwt-{uuid.uuid4().hex[:8]}"
    browser.fill("#jwt-form", {"key": jwt_key, "algorithm": "HS256", "secret": "a shared secret"})
    browser.submit("#jwt-form")
    # An HS credential's secret is shown once, on the reply, like a new API key.
    assert browser.path == "/credentials/jwt", browser.driver.current_url
    assert browser.find("input#secret[readonly]").get_attribute("value") == "a shared secret"
    assert browser.find("input#jwt-key").get_attribute("value") == jwt_key
    browser.get("/credentials")
    assert jwt_key in browser.body_text() and "a shared secret" not in browser.driver.page_source
    assert browser.finds('#jwt-form select[name="algorithm"]'), "#jwt-form has no algorithm select"
    assert browser.finds('#jwt-form [name="rsa_public_key"]'), "#jwt-form has no rsa_public_key field"
    forms = browser.finds("form.delete-credential")
    assert len(forms) == before + 1, f"{len(forms)} delete forms, expected {before + 1}"
    target = next((f for f in forms if jwt_key in (f.find_element(By.XPATH, "./ancestor::li[1]").text
                                                 if f.find_elements(By.XPATH, "./ancestor::li[1]") else "")), forms[-1])
    target_id = target.get_attribute("id") or target.get_attribute("action")
    browser.driver.execute_script("arguments[0].setAttribute('data-test-target', '1')", target)
    browser.submit('form.delete-credential[data-test-target="1"]')
    assert browser.path == "/credentials", browser.driver.current_url
    assert len(browser.finds("form.delete-credential")) == before, f"{target_id} not deleted"
    assert jwt_key not in browser.body_text()
