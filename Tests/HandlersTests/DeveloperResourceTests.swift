import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// `GET /api/v1/developer` (seed 000 `get-developer`) and the session's idle and absolute expiry.
@Suite struct DeveloperResourceTests {
    static let lifetime = HandlerSettings().sessionLifetime

    @Test func developerWithCookieMatchesTheRegistration() throws {
        let portal = try TestPortal.atStart()
        let registered = try #require(portal.register().json?["developer"])
        let cookie = try #require(portal.login().sessionCookie)
        let response = portal.developer(cookie: cookie)
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        #expect(response.json?.sortedMembers == registered.sortedMembers)
        #expect(response.json?["email"] == .string(Fixture.email))
    }

    @Test func cookieAmongOtherCookiesIsFound() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        let response = portal.send("GET", "/api/v1/developer", headers: [("Cookie", "theme=dark; portal_session=\(cookie); lang=en")])
        #expect(response.status == 200)
    }

    @Test(arguments: [nil, "portal_session=bogus", "portal_session=", "other=1"])
    func withoutAValidCookieIs401(cookieHeader: String?) throws {
        let portal = try TestPortal.atStart()
        _ = try portal.registerAndLogIn()
        let headers = cookieHeader.map { [("Cookie", $0)] } ?? []
        let response = portal.send("GET", "/api/v1/developer", headers: headers)
        #expect(response.status == 401)
        #expect(response.json == .object([("message", .string("Unauthorized"))]))
    }

    @Test func sessionExpiresAfterTheIdleTimeout() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        portal.now = Fixture.start + Self.lifetime.idleTimeout - 1
        #expect(portal.developer(cookie: cookie).status == 200)
        // Idle time counts from the last use.
        portal.now += Self.lifetime.idleTimeout - 1
        #expect(portal.developer(cookie: cookie).status == 200)
        portal.now += Self.lifetime.idleTimeout + 1
        #expect(portal.developer(cookie: cookie).status == 401)
        // Ended for good: going back in time does not revive it.
        portal.now = Fixture.start
        #expect(portal.developer(cookie: cookie).status == 401)
    }

    @Test func unusedSessionEndsJustAfterTheIdleTimeout() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        portal.now = Fixture.start + Self.lifetime.idleTimeout + 1
        #expect(portal.developer(cookie: cookie).status == 401)
    }

    @Test func sessionExpiresAtTheAbsoluteTimeoutEvenWhenUsedRegularly() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        let step = Self.lifetime.idleTimeout / 2
        let deadline = Fixture.start + Self.lifetime.absoluteTimeout
        var uses = 0
        while portal.now + step < deadline {
            portal.now += step
            let status = portal.developer(cookie: cookie).status
            #expect(status == 200, "at +\(portal.now.timeIntervalSince(Fixture.start)) s")
            if status != 200 { return }
            uses += 1
        }
        #expect(uses > 100)
        portal.now = deadline
        #expect(portal.developer(cookie: cookie).status == 401)
    }

    @Test func sessionIsOnlyValidOnItsOwnPortalsHost() throws {
        let portal = try TestPortal.atStart()
        let cookie = try portal.registerAndLogIn()
        try PortalRepository(portal.database).create(Portal(name: "Other", defaultDomain: "other.example", createdAt: Fixture.start))
        let headers = [("Cookie", "portal_session=\(cookie)")]
        #expect(portal.send("GET", "/api/v1/developer", headers: headers, host: "other.example").status == 401)
        #expect(portal.send("GET", "/api/v1/developer", headers: headers, host: "localhost:8443").status == 200)
    }
}
