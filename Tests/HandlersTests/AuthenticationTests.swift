import Foundation
import Handlers
import PortalTesting
import Testing

/// `GET /api/v1/auth` (log in with HTTP Basic, seed 000 `create-session`) and
/// `DELETE /api/v1/auth` (`delete-session`), with the `portal_session` cookie (DESIGN.md).
@Suite struct AuthenticationTests {
    @Test func loginSetsTheSessionCookieExactly() throws {
        let portal = try TestPortal.atStart()
        portal.register()
        let response = portal.login()
        #expect(response.status == 204)
        #expect(response.response.body.isEmpty)
        let cookies = response.headers.values("Set-Cookie")
        #expect(cookies.count == 1)
        let token = try #require(response.sessionCookie)
        #expect(token.count == 43)
        #expect(token.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        #expect(cookies.first == "portal_session=\(token); Path=/; SameSite=Strict; HttpOnly; Secure")
        #expect(response.headers["Cache-Control"] == "no-store")
    }

    @Test func loginEmailIsCaseInsensitive() throws {
        let portal = try TestPortal.atStart()
        portal.register()
        #expect(portal.login(email: "ADA@EXAMPLE.com").status == 204)
    }

    @Test func eachLoginGivesADifferentToken() throws {
        let portal = try TestPortal.atStart()
        portal.register()
        let first = try #require(portal.login().sessionCookie)
        let second = try #require(portal.login().sessionCookie)
        #expect(first != second)
        // Without presenting the first cookie, both sessions stay live (two browsers).
        #expect(portal.developer(cookie: first).status == 200)
        #expect(portal.developer(cookie: second).status == 200)
    }

    /// 401 `{message}` and no cookie.
    static func expectRefused(_ response: TestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == 401, sourceLocation: sourceLocation)
        #expect(response.json?.keys == ["message"], "\(response.text)", sourceLocation: sourceLocation)
        #expect(response.json?["message"]?.stringValue?.isEmpty == false, sourceLocation: sourceLocation)
        #expect(response.headers.values("Set-Cookie") == [], sourceLocation: sourceLocation)
    }

    @Test func wrongPasswordIs401() throws {
        let portal = try TestPortal.atStart()
        portal.register()
        Self.expectRefused(portal.login(password: "wrong password"))
        Self.expectRefused(portal.login(password: Fixture.password.uppercased()))
    }

    @Test func unknownEmailIs401WithTheSameMessageAsAWrongPassword() throws {
        let portal = try TestPortal.atStart()
        portal.register()
        let unknown = portal.login(email: "nobody@example.com")
        let wrong = portal.login(password: "wrong password")
        Self.expectRefused(unknown)
        #expect(unknown.json == wrong.json)
    }

    @Test func noAuthorizationHeaderIsUnauthorized() throws {
        let portal = try TestPortal.atStart()
        portal.register()
        let response = portal.send("GET", "/api/v1/auth")
        Self.expectRefused(response)
        #expect(response.json == .object([("message", .string("Unauthorized"))]))
    }

    @Test(arguments: [
        "Basic !!!not-base64!!!",
        "Basic " + Data("ada@example.com".utf8).base64EncodedString(),  // no colon
        "Basic " + Data(":correct horse battery".utf8).base64EncodedString(),  // empty user
        "Basic " + Data("ada@example.com:".utf8).base64EncodedString(),  // empty password
        "Basic",
        "Basic ",
        "Bearer x",
        "Digest username=\"ada@example.com\"",
        "correct horse battery",
    ])
    func malformedAuthorizationIs401(header: String) throws {
        let portal = try TestPortal.atStart()
        portal.register()
        Self.expectRefused(portal.send("GET", "/api/v1/auth", headers: [("Authorization", header)]))
    }

    @Test func basicSchemeIsCaseInsensitive() throws {
        let portal = try TestPortal.atStart()
        portal.register()
        let credentials = Data("\(Fixture.email):\(Fixture.password)".utf8).base64EncodedString()
        #expect(portal.send("GET", "/api/v1/auth", headers: [("Authorization", "basic " + credentials)]).status == 204)
    }

    @Test func passwordMayContainAColon() throws {
        let portal = try TestPortal.atStart()
        portal.register(password: "pass:word:with:colons")
        #expect(portal.login(password: "pass:word:with:colons").status == 204)
    }

    @Test func loginAgainWithTheOldCookieRotatesTheSession() throws {
        let portal = try TestPortal.atStart()
        let old = try portal.registerAndLogIn()
        let response = portal.login(cookie: old)
        #expect(response.status == 204)
        let new = try #require(response.sessionCookie)
        #expect(new != old)
        #expect(portal.developer(cookie: old).status == 401)
        #expect(portal.developer(cookie: new).status == 200)
    }

    @Test func logoutEndsTheSessionAndClearsTheCookie() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        let response = portal.send("DELETE", "/api/v1/auth", headers: [("Cookie", "portal_session=\(cookie)")])
        #expect(response.status == 200)
        let cleared = try #require(response.headers.values("Set-Cookie").first)
        #expect(cleared.hasPrefix("portal_session=;"))
        #expect(cleared.contains("Max-Age=0"))
        #expect(cleared.contains("Path=/"))
        #expect(response.sessionCookie == nil)
        #expect(portal.developer(cookie: cookie).status == 401)
    }

    @Test func logoutWithSessionLogoutQueryWorksTheSame() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        let other = try #require(portal.login().sessionCookie)
        let response = portal.send("DELETE", "/api/v1/auth?session_logout=true", headers: [("Cookie", "portal_session=\(cookie)")])
        #expect(response.status == 200)
        #expect(response.headers.values("Set-Cookie").first?.contains("Max-Age=0") == true)
        #expect(portal.developer(cookie: cookie).status == 401)
        // Only the presented session ends.
        #expect(portal.developer(cookie: other).status == 200)
    }

    @Test func logoutWithoutASessionStillAnswers200() throws {
        let portal = try TestPortal.atStart()
        #expect(portal.send("DELETE", "/api/v1/auth").status == 200)
        #expect(portal.send("DELETE", "/api/v1/auth", headers: [("Cookie", "portal_session=bogus")]).status == 200)
    }

    @Test func loginAfterLogoutWorks() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        _ = portal.send("DELETE", "/api/v1/auth", headers: [("Cookie", "portal_session=\(cookie)")])
        let again = try #require(portal.login(cookie: cookie).sessionCookie)
        #expect(portal.developer(cookie: again).status == 200)
    }
}
