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
        #expect(response.text.contains("https://localhost/api/v1/register"))
    }

    @Test func homeLinksUseTheRequestsHost() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/", host: "portal.example:8443")
        #expect(response.text.contains("https://portal.example:8443/api/v1/auth"))
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
