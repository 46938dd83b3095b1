import Foundation
import Handlers
import PortalTesting
import Testing

/// `GET /` and the HTML error pages of browser paths.
@Suite struct HomePageEndpointTests {
    @Test func homeIsHTMLWithThePortalName() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.text.hasPrefix("<!doctype html>"))
        #expect(response.text.contains("<h1>Test Portal</h1>"))
        #expect(response.text.contains("<title>Welcome · Test Portal</title>"))
        #expect(response.text.contains("https://localhost/api/v1/auth"))
    }

    @Test func homeLinksUseTheConfiguredOriginNotTheRequestsHost() throws {
        let portal = try TestPortal(settings: HandlerSettings(publicOrigin: PublicOrigin(scheme: "https", port: 8443)))
        let response = portal.send("GET", "/", host: "localhost:9999")
        #expect(response.text.contains("https://localhost:8443/api/v1/auth"))
        #expect(!response.text.contains("9999"))
    }

    @Test func stylesIsAFileSoTheCSPCanForbidInlineStyles() throws {
        let portal = try TestPortal()
        let home = portal.send("GET", "/").text
        #expect(home.contains(#"<link rel="stylesheet" href="/assets/portal.css">"#))
        #expect(!home.contains("<style") && !home.contains("style="))
        let css = portal.send("GET", "/assets/portal.css")
        #expect(css.status == 200 && css.headers["Content-Type"] == "text/css; charset=utf-8")
        #expect(css.text.contains("color:var(--text-primary,"))
        let etag = try #require(css.headers["ETag"])
        let again = portal.send("GET", "/assets/portal.css", headers: [("If-None-Match", etag)])
        #expect(again.status == 304 && again.response.body.isEmpty)
        // The portal's own colours come from a second stylesheet, also a file with a strong ETag.
        #expect(home.contains(#"<link rel="stylesheet" href="/assets/theme.css">"#))
        let theme = portal.send("GET", "/assets/theme.css")
        #expect(theme.status == 200 && theme.text.hasPrefix(":root{--section-header:#F8F8F8;"))
        let themeTag = try #require(theme.headers["ETag"])
        #expect(portal.send("GET", "/assets/theme.css", headers: [("If-None-Match", themeTag)]).status == 304)
    }

    @Test func aHostThatIsNoPortalsIsMisdirected() throws {
        let portal = try TestPortal()
        #expect(portal.send("GET", "/", host: "evil.example").status == 421)
        let api = portal.send("POST", "/api/v1/forgot-password", host: "evil.example")
        #expect(api.status == 421)
        #expect(api.json?["message"] == .string("No portal is served on this host"))
    }

    @Test func unknownBrowserPathIs404HTML() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/nope")
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.text.hasPrefix("<!doctype html>"))
        #expect(response.text.contains("404"))
        #expect(response.text.contains("Not Found"))
        #expect(response.json == nil)
    }

    @Test func wrongMethodOnABrowserPathIs405HTMLWithAllow() throws {
        let portal = try TestPortal()
        let response = portal.send("POST", "/")
        #expect(response.status == 405)
        #expect(response.headers["Allow"] == "GET, HEAD")
        #expect(response.headers["Content-Type"] == "text/html; charset=utf-8")
        #expect(response.text.contains("405"))
    }
}
