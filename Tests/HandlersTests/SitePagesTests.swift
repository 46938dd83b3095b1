import Foundation
@testable import Handlers
import PortalTesting
import Storage
import Testing

/// The HTML pages in process, driven like a browser: cookies kept between requests, the form token
/// read from each page and sent back.
@Suite(.serialized) struct SitePagesTests {
    /// A browser: a cookie jar and the last page's CSRF token.
    final class Browser {
        let portal: TestPortal
        var cookies: [String: String] = [:]
        var lastHTML = ""

        init(_ portal: TestPortal) { self.portal = portal }

        @discardableResult
        func get(_ path: String) -> TestResponse {
            let response = portal.send("GET", path, headers: cookieHeader)
            keep(response)
            return response
        }

        /// POSTs `fields` plus the token of the last page fetched.
        @discardableResult
        func post(_ path: String, _ fields: [(String, String)], token: Bool = true, headers: [(String, String)] = []) -> TestResponse {
            let all = (token ? [("csrf_token", csrfToken)] : []) + fields
            let response = portal.sendForm("POST", path, all, headers: cookieHeader + headers)
            keep(response)
            return response
        }

        var csrfToken: String {
            guard let range = lastHTML.firstRange(of: #"name="csrf_token" value=""#) else { return "" }
            return String(lastHTML[range.upperBound...].prefix { $0 != "\"" })
        }

        private var cookieHeader: [(String, String)] {
            cookies.isEmpty ? [] : [("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))]
        }

        /// Signs up through the form, with the password the tests log in with.
        func signUp(_ email: String, name: String) {
            get("/register")
            post("/register", [("email", email), ("password", "correct horse battery"), ("meta.full_name", name)])
        }

        private func keep(_ response: TestResponse) {
            for header in response.headers.values("set-cookie") {
                let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair.count == 2 else { continue }
                let (name, value) = (String(pair[0]), String(pair[1]))
                if value.isEmpty || header.contains("Max-Age=0") { cookies[name] = nil } else { cookies[name] = value }
            }
            if response.headers["content-type"]?.hasPrefix("text/html") == true { lastHTML = response.text }
        }
    }

    /// The dashboard counts everything the developer has, not one page of it (pages stop at 100).
    @Test func dashboardShowsTotalsBeyondOnePage() throws {
        let portal = try TestPortal()
        let browser = Browser(portal)
        browser.signUp("many@example.com", name: "Many")
        browser.get("/login")
        #expect(browser.post("/login", [("email", "many@example.com"), ("password", "correct horse battery")]).status == 303)
        let developer = try #require(try DeveloperRepository(portal.database).find(portalID: portal.defaultPortal.id, email: "many@example.com"))
        let applications = ApplicationRepository(portal.database)
        for index in 0..<101 {
            try applications.create(DeveloperApplication(portalID: developer.portalID, developerID: developer.id, name: "App \(index)",
                                                         redirectURI: "https://app.example.com/cb", createdAt: portal.now))
        }
        let page = browser.get("/dashboard").text
        #expect(page.contains("<dt>Applications</dt><dd>101</dd>") && page.contains("<dt>API keys</dt><dd>0</dd>"))
    }

    @Test func signUpLogInCreateAnApplicationAndLogOut() throws {
        let portal = try TestPortal()
        let browser = Browser(portal)
        #expect(browser.get("/register").status == 200)
        #expect(browser.lastHTML.contains(#"id="meta.full_name""#))
        // Errors are shown next to the fields, with what was typed (but not the password).
        let bad = browser.post("/register", [("email", "not-an-email"), ("password", "short"), ("meta.full_name", "Ada")])
        #expect(bad.status == 400)
        #expect(bad.text.contains(#"id="email-error""#) && bad.text.contains(#"id="password-error""#))
        #expect(bad.text.contains(#"value="not-an-email""#) && bad.text.contains(#"value="Ada""#) && !bad.text.contains(#"value="short""#))
        let made = browser.post("/register", [("email", "ada@example.com"), ("password", "correct horse battery"), ("meta.full_name", "Ada")])
        #expect(made.status == 303 && made.headers["location"] == "/login?notice=registered")

        browser.get("/login?next=/applications")
        let wrong = browser.post("/login", [("email", "ada@example.com"), ("password", "wrong password!"), ("next", "/applications")])
        #expect(wrong.status == 401 && wrong.text.contains("form-error") && wrong.text.contains(#"value="ada@example.com""#))
        let login = browser.post("/login", [("email", "ada@example.com"), ("password", "correct horse battery"), ("next", "/applications")])
        #expect(login.status == 303 && login.headers["location"] == "/applications")
        #expect(browser.cookies["portal_session"] != nil)

        #expect(browser.get("/dashboard").text.contains("ada@example.com"))
        browser.get("/applications/new")
        let created = browser.post("/applications", [("name", "My app"), ("redirect_uri", "https://app.example.com/cb")])
        let location = try #require(created.headers["location"])
        #expect(created.status == 303 && location.hasPrefix("/applications/"))
        let page = browser.get(location)
        #expect(page.status == 200 && page.text.contains("<h1>My app</h1>"))
        // Client credentials: the secret is on this reply only.
        let secret = browser.post(location + "/credentials", [])
        #expect(secret.status == 200 && secret.text.contains(#"id="secret""#))
        browser.get("/credentials")
        let key = browser.post("/credentials/key-auth", [])
        #expect(key.status == 200 && key.text.contains(#"id="secret""#))

        browser.get("/dashboard")
        let out = browser.post("/logout", [])
        #expect(out.status == 303 && browser.cookies["portal_session"] == nil)
        let again = browser.get("/dashboard")
        #expect(again.status == 303 && again.headers["location"] == "/login?next=%2Fdashboard")
    }

    @Test func formsNeedTheirTokenAndTheirOwnOrigin() throws {
        let portal = try TestPortal()
        let browser = Browser(portal)
        browser.get("/login")
        #expect(browser.post("/register", [("email", "x@example.com"), ("password", "correct horse battery")], token: false).status == 403)
        #expect(browser.post("/register", [("email", "x@example.com"), ("password", "correct horse battery"), ("meta.full_name", "X")],
                             headers: [("Origin", "https://evil.example")]).status == 403)
        #expect(try portal.application.services.developers.find(portalID: portal.defaultPortal.id, email: "x@example.com") == nil)
        // A fresh visitor without the cookie cannot post either.
        #expect(portal.sendForm("POST", "/login", [("csrf_token", browser.csrfToken), ("email", "a"), ("password", "b")]).status == 403)
    }

    @Test func nextNeverLeavesThePortal() throws {
        let portal = try TestPortal()
        let browser = Browser(portal)
        browser.signUp("b@example.com", name: "B")
        browser.get("/login")
        for next in ["https://evil.example/", "//evil.example/x", "/\\evil.example"] {
            browser.cookies["portal_session"] = nil
            browser.get("/login")
            let login = browser.post("/login", [("email", "b@example.com"), ("password", "correct horse battery"), ("next", next)])
            #expect(login.headers["location"] == "/dashboard", "next=\(next)")
        }
    }

    @Test func unknownPathsGetAThemedPageAndHeadHasNoBody() throws {
        let portal = try TestPortal()
        let missing = portal.send("GET", "/no/such/page")
        #expect(missing.status == 404 && missing.text.contains("Test Portal") && missing.text.contains("<h1>404"))
        let head = portal.send("HEAD", "/login")
        let get = portal.send("GET", "/login")
        #expect(head.status == 200 && head.response.body.isEmpty && head.headers["content-length"] == String(get.response.body.count))
    }

    @Test func pagesCarryNoInlineScriptOrStyle() throws {
        let portal = try TestPortal()
        for path in ["/", "/login", "/register", "/account/forgot-password", "/nope"] {
            let html = portal.send("GET", path).text
            #expect(!html.contains("<script") && !html.contains("style=") && !html.contains("<style"), "\(path)")
        }
    }

    @Test func colourSchemeIsKeptInACookie() throws {
        let portal = try TestPortal()
        let browser = Browser(portal)
        browser.get("/login")
        let chosen = browser.post("/appearance-scheme", [("scheme", "dark"), ("next", "/login")])
        #expect(chosen.status == 303 && chosen.headers["location"] == "/login")
        #expect(browser.get("/login").text.contains(#"<html lang="en" data-scheme="dark">"#))
    }
}

/// The files endpoint: a template replaced through it shows on the next request; assets are served
/// with a strong ETag; traversal never reaches anything.
@Suite(.serialized) struct PortalFilesTests {
    @Test func anEditedTemplateShowsOnTheNextLoad() throws {
        let portal = try TestPortal()
        let root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
        let base = "/api/v2/portals/\(portal.defaultPortal.id)/files"
        func put(_ json: String) -> TestResponse {
            portal.send("PUT", base, headers: [("Authorization", root), ("Content-Type", "application/json")], body: Array(json.utf8))
        }
        #expect(!portal.send("GET", "/login").text.contains("Edited login"))
        let template = #"{{<layout}}{{$body}}<h1>Edited login</h1>{{/body}}{{/layout}}"#
        let saved = put(#"{"path":"themes/default/layouts/forms.mustache","contents":"\#(template)"}"#)
        #expect(saved.status == 201 || saved.status == 200)
        #expect(portal.send("GET", "/login").text.contains("<h1>Edited login</h1>"))
        // A template that does not parse is refused and the page keeps working.
        let broken = put(#"{"path":"themes/default/layouts/forms.mustache","contents":"{{#open}}"}"#)
        #expect(broken.status == 400)
        #expect(portal.send("GET", "/login").text.contains("<h1>Edited login</h1>"))
        #expect(put(#"{"path":"../etc/passwd","contents":"x"}"#).status == 400)
        #expect(put(#"{"path":"assets/../x","contents":"x"}"#).status == 400)
    }

    @Test func assetsAreServedWithETagsAndNoTraversal() throws {
        let portal = try TestPortal()
        let root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]).base64EncodedString()
        let made = portal.send("PUT", "/api/v2/portals/\(portal.defaultPortal.id)/files", headers: [("Authorization", root), ("Content-Type", "application/json")],
                               body: Array(#"{"path":"assets/img/logo.png","contents":"\#(png)","encoding":"base64"}"#.utf8))
        #expect(made.status == 201)
        let asset = portal.send("GET", "/assets/img/logo.png")
        #expect(asset.status == 200 && asset.headers["content-type"] == "image/png" && asset.response.body.count == 11)
        let tag = try #require(asset.headers["etag"])
        #expect(portal.send("GET", "/assets/img/logo.png", headers: [("If-None-Match", tag)]).status == 304)
        #expect(portal.send("HEAD", "/assets/img/logo.png").response.body.isEmpty)
        for path in ["/assets/../portal.sqlite", "/assets/%2e%2e/x", "/assets/img%2flogo.png", "/assets/img/logo.png%00", "/assets//etc/passwd", "/assets/nope.css"] {
            #expect(portal.send("GET", path).status == 404, "\(path)")
        }
        #expect(portal.send("GET", "/assets/portal.css").status == 200)
    }
}
