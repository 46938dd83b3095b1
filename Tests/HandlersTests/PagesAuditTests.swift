import Foundation
import GRDB
@testable import Handlers
import PortalTesting
import Storage
import Testing

/// The pages' gaps an audit found (issue 10): JWT credentials made from an empty form, error pages that
/// name the portal, the logo, the themes' schemes, password sign-in turned off, the themed 500.
@Suite(.serialized) struct PagesAuditTests {
    typealias Browser = SitePagesTests.Browser
    typealias Admin = ManagementPart2Tests.Admin
    static let password = "correct horse battery"

    /// A developer signed up and logged in through the pages.
    static func loggedIn(_ portal: TestPortal, _ email: String = "jwt@example.com") -> Browser {
        let browser = Browser(portal)
        browser.signUp(email, name: "Jay")
        browser.get("/login")
        browser.post("/login", [("email", email), ("password", password)])
        return browser
    }

    /// The `value` of the input with `id` in `html`.
    static func inputValue(_ html: String, id: String) -> String? {
        guard let tag = html.firstRange(of: #"id="\#(id)""#),
              let value = html[tag.upperBound...].firstRange(of: #"value=""#) else { return nil }
        return String(html[value.upperBound...].prefix { $0 != "\"" })
    }

    // MARK: JWT credentials

    @Test func aJWTFormLeftEmptyMakesAKeyAndSecretAndShowsTheSecretOnce() throws {
        let portal = try TestPortal()
        let browser = Self.loggedIn(portal)
        let form = browser.get("/credentials").text
        #expect(form.contains("Leave empty to have one made for you."))
        let created = browser.post("/credentials/jwt", [("key", ""), ("algorithm", "HS256"), ("secret", ""), ("rsa_public_key", "")])
        #expect(created.status == 200 && created.text.contains("Your new JWT credential"), "\(created.status) \(created.text.prefix(600))")
        #expect(created.headers["cache-control"] == "no-store")
        let secret = try #require(Self.inputValue(created.text, id: "secret"))
        let key = try #require(Self.inputValue(created.text, id: "jwt-key"))
        #expect(secret.count >= 43 && key.count >= 20, "generated: key \(key), secret \(secret)")
        #expect(created.text.contains("shown only this once"))

        // The credential the developer API lists is the one shown.
        let developer = try #require(try DeveloperRepository(portal.database).find(portalID: portal.defaultPortal.id, email: "jwt@example.com"))
        let stored = try CredentialRepository(portal.database).jwtPage(developerID: developer.id, portalID: portal.defaultPortal.id, PageRequest(size: 10))
        #expect(stored.items.map(\.key) == [key] && stored.items.map(\.secret) == [secret] && stored.items.first?.algorithm == .hs256)

        // Shown once: the credentials page lists the key, never the secret.
        let list = browser.get("/credentials").text
        #expect(list.contains(key) && !list.contains(secret))

        // Two empty forms make two different credentials.
        browser.post("/credentials/jwt", [("algorithm", "HS512")])
        let again = try CredentialRepository(portal.database).jwtPage(developerID: developer.id, portalID: portal.defaultPortal.id, PageRequest(size: 10))
        #expect(again.items.count == 2 && Set(again.items.map(\.secret)).count == 2)
    }

    @Test func aTypedSecretIsKeptAndShownOnce() throws {
        let portal = try TestPortal()
        let browser = Self.loggedIn(portal)
        browser.get("/credentials")
        let created = browser.post("/credentials/jwt", [("key", "my-issuer"), ("algorithm", "HS256"), ("secret", "typed-secret-123")])
        #expect(Self.inputValue(created.text, id: "secret") == "typed-secret-123")
        #expect(Self.inputValue(created.text, id: "jwt-key") == "my-issuer")
    }

    @Test func rs256WithoutAPublicKeyIsRefusedInlineAndCreatesNothing() throws {
        let portal = try TestPortal()
        let browser = Self.loggedIn(portal)
        let form = browser.get("/credentials").text
        #expect(form.contains("Required for RS256, RS384, RS512 and ES256"))
        let refused = browser.post("/credentials/jwt", [("key", "rs-key"), ("algorithm", "RS256"), ("secret", ""), ("rsa_public_key", " ")])
        #expect(refused.status == 400)
        #expect(refused.text.contains(#"<p class="field-error" id="rsa_public_key-error">RS256 tokens are verified with your public key"#), "\(refused.text)")
        #expect(refused.text.contains(#"value="rs-key""#), "the key typed is kept")
        let developer = try #require(try DeveloperRepository(portal.database).find(portalID: portal.defaultPortal.id, email: "jwt@example.com"))
        #expect(try CredentialRepository(portal.database).jwtPage(developerID: developer.id, portalID: portal.defaultPortal.id, PageRequest(size: 10)).items.isEmpty)
    }

    // MARK: Error pages

    @Test func anUndecodableURLGetsThePortalsErrorPage() throws {
        let portal = try TestPortal()
        for uri in ["/catalog?q=%ZZ", "/%ZZ", "/login?next=%C3%28"] {
            let response = portal.send("GET", uri)
            #expect(response.status == 400, "\(uri)")
            #expect(response.headers["content-type"]?.hasPrefix("text/html") == true, "\(uri)")
            #expect(response.text.contains("<title>Bad Request · Test Portal</title>"), "\(uri): \(response.text.prefix(400))")
            #expect(!response.text.contains("Developer Portal"), "\(uri)")
        }
        // A host no portal is served on has no portal's name to show, and never another's.
        let misdirected = portal.send("GET", "/catalog?q=%ZZ", host: "evil.example")
        #expect(misdirected.status == 400 || misdirected.status == 421)
        #expect(!misdirected.text.contains("Developer Portal") && !misdirected.text.contains("Test Portal"))
    }

    @Test func theFallbackErrorPageNamesThePortalItIsGiven() {
        let page = APIFamily.sitePage(status: 404, message: "Not here", portalName: "Acme <Hub>")
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(page.status == 404 && html.contains("Acme &lt;Hub&gt;") && !html.contains("Developer Portal"))
        let none = APIFamily.site.errorResponse(status: 421, message: "No portal is served on this host", path: "/")
        #expect(none.status == 421 && String(decoding: none.body, as: UTF8.self) == "No portal is served on this host")
    }

    /// An unexpected failure (here: a table gone from under the worker) renders the themed 500: the
    /// portal's layout and a sentence for people, never the error's text.
    @Test func anUnexpectedErrorRendersTheThemed500WithoutInternals() throws {
        let portal = try TestPortal()
        let browser = Self.loggedIn(portal, "five@example.com")
        #expect(browser.get("/dashboard").status == 200)
        let queue = try DatabaseQueue(path: portal.directory.appendingPathComponent("portal.sqlite").path)
        try queue.write { try $0.execute(sql: "ALTER TABLE applications RENAME TO applications_gone") }
        let failed = browser.get("/dashboard")
        #expect(failed.status == 500)
        #expect(failed.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(failed.text.contains("<title>Internal Server Error · Test Portal</title>"))
        #expect(failed.text.contains("Something went wrong on our side."))
        #expect(failed.text.contains(#"<a href="/profile">Profile</a>"#), "the visitor is still shown as logged in")
        for leak in ["applications_gone", "SQL", "no such table", "StorageError", "Handlers"] {
            #expect(!failed.text.contains(leak), "the 500 page shows \(leak)")
        }
    }

    // MARK: Logo, themes, password sign-in

    @Test func theLogoIsShownInTheHeaderOnlyOnceSet() throws {
        let admin = try Admin()
        #expect(!admin.portal.send("GET", "/").text.contains(#"src="/assets/logo""#))
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0]).base64EncodedString()
        #expect(admin.send("PATCH", admin.base + "/appearance", #"{"images":{"logo":{"data":"data:image/png;base64,\#(png)"}}}"#).status == 200)
        let home = admin.portal.send("GET", "/").text
        #expect(home.contains(#"<a class="brand" href="/"><img class="logo" src="/assets/logo" alt="Test Portal"></a>"#), "\(home.prefix(1500))")
        #expect(admin.send("PATCH", admin.base + "/appearance", #"{"images":{"logo":null}}"#).status == 200)
        #expect(admin.portal.send("GET", "/").text.contains(#"<a class="brand" href="/">Test Portal</a>"#))
    }

    @Test func darkModeIsDarkByDefaultAndACustomThemeKeepsItsColours() throws {
        let admin = try Admin()
        let mint = admin.portal.send("GET", "/assets/theme.css").text
        #expect(mint.hasPrefix(":root{--section-header:#F8F8F8;") && mint.contains("color-scheme:light"))
        #expect(mint.contains(":root[data-scheme=dark]{--section-header:#0A161E;") && mint.contains("@media (prefers-color-scheme:dark)"))

        #expect(admin.send("PATCH", admin.base + "/appearance", #"{"theme_name":"dark_mode"}"#).status == 200)
        let dark = admin.portal.send("GET", "/assets/theme.css").text
        #expect(dark.hasPrefix(":root{--section-header:#0A161E;--section-body:#0C0C0C;"), "\(dark.prefix(200))")
        #expect(dark.contains("color-scheme:dark}"))
        #expect(dark.contains(":root[data-scheme=light]{--section-header:#F8F8F8;"), "the switch's light scheme is mint_rocket")
        #expect(!dark.contains("prefers-color-scheme"), "the portal chose dark: a light system setting does not undo it")

        // Every colour named (the API wants them all): a cream page with a navy header.
        let chosen = ["section.header": "#102030", "section.body": "#fefcf0", "text.header": "#ffffff"]
        let colours = JSON.object(AppearanceEndpoints.colorGroups.map { group, names in
            (group, JSON.object(names.map { name in
                (name, JSON.object([("value", .string(chosen["\(group).\(name)"] ?? (group == "section" ? "#fefcf0" : group == "button" ? "#1155cb" : "#222222")))]))
            }))
        }).text
        #expect(admin.send("PATCH", admin.base + "/appearance", #"{"theme_name":"custom","custom_theme":{"colors":\#(colours)}}"#).status == 200)
        let custom = admin.portal.send("GET", "/assets/theme.css").text
        #expect(custom.hasPrefix(":root{--section-header:#102030;--section-body:#fefcf0;"), "\(custom.prefix(200))")
        #expect(!custom.contains("#0A161E") && !custom.contains("data-scheme") && !custom.contains("prefers-color-scheme"),
                "dark-scheme visitors keep the custom colours: \(custom)")
    }

    @Test func withPasswordSignInOffTheLogInAndSignUpPagesSaySoWithoutAForm() throws {
        let admin = try Admin()
        let browser = Browser(admin.portal)
        #expect(browser.get("/login").text.contains(#"id="login-form""#))
        #expect(admin.send("PATCH", admin.base + "/authentication-settings", #"{"basic_auth_enabled":false}"#).status == 200)
        for path in ["/login", "/register"] {
            let page = browser.get(path)
            #expect(page.status == 200)
            #expect(page.text.contains("Password sign-in is turned off for this portal"), "\(path)")
            #expect(!page.text.contains(#"type="password""#) && !page.text.contains(#"id="login-form""#) && !page.text.contains(#"id="register-form""#), "\(path)")
        }
        let posted = browser.post("/login", [("email", "a@example.com"), ("password", Self.password)])
        #expect(posted.status == 403 && posted.text.contains("Password sign-in is turned off") && !posted.text.contains(#"type="password""#))
        #expect(admin.send("PATCH", admin.base + "/authentication-settings", #"{"basic_auth_enabled":true}"#).status == 200)
        #expect(browser.get("/register").text.contains(#"id="register-form""#))
    }
}
