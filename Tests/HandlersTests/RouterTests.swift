import Foundation
@testable import Handlers
import PortalTesting
import Testing

/// `Router`: `{param}` placeholders, 404 vs 405 with `Allow`, HEAD served by GET routes.
/// `Application` builds its own router, so routes added here are checked with `match`, and the
/// application's real routes are checked through `TestPortal`.
@Suite struct RouterTests {
    static let ok: PortalHandler = { _, _ in Response(status: 200) }

    static var router: Router {
        var router = Router()
        router.add("GET", "/api/v1/applications/{id}", ok)
        router.add("DELETE", "/api/v1/applications/{id}", ok)
        router.add("GET", "/api/v1/applications/{id}/credentials/{credentialID}", ok)
        router.add("POST", "/api/v1/applications", ok)
        router.addSystem("GET", "/health", { _, _ in Response(status: 200) })
        return router
    }

    /// The bound parameters when `method` + `segments` finds a route, else nil.
    static func parameters(_ method: String, _ segments: [String]) -> [String: String]? {
        guard case let .found(_, parameters, _) = router.match(method: method, segments: segments) else { return nil }
        return parameters
    }

    static func allowed(_ method: String, _ segments: [String]) -> [String]? {
        guard case let .methodNotAllowed(allowed) = router.match(method: method, segments: segments) else { return nil }
        return allowed
    }

    static func isNotFound(_ method: String, _ segments: [String]) -> Bool {
        guard case .notFound = router.match(method: method, segments: segments) else { return false }
        return true
    }

    @Test func placeholdersBindDecodedSegments() {
        #expect(Self.parameters("GET", ["api", "v1", "applications", "a b/c"]) == ["id": "a b/c"])
        #expect(Self.parameters("GET", ["api", "v1", "applications", "42", "credentials", "k-1"])
            == ["id": "42", "credentialID": "k-1"])
        #expect(Self.parameters("POST", ["api", "v1", "applications"]) == [:])
        #expect(Self.parameters("GET", ["health"]) == [:])
    }

    @Test func aMatchNamesTheRoutePatternNotThePath() {
        guard case let .found(_, _, pattern) = Self.router.match(method: "HEAD", segments: ["api", "v1", "applications", "42", "credentials", "k"]) else {
            Issue.record("no match")
            return
        }
        #expect(pattern == "/api/v1/applications/{id}/credentials/{credentialID}")
    }

    @Test func unknownPathsAreNotFound() {
        #expect(Self.isNotFound("GET", ["api", "v1", "nope"]))
        #expect(Self.isNotFound("GET", ["api", "v1", "applications", "42", "extra"]))
        #expect(Self.isNotFound("GET", ["api", "v1"]))
        #expect(Self.isNotFound("GET", []))
    }

    @Test func wrongMethodListsTheAllowedOnes() {
        #expect(Self.allowed("PUT", ["api", "v1", "applications", "42"]).map(Set.init) == ["GET", "HEAD", "DELETE"])
        #expect(Self.allowed("GET", ["api", "v1", "applications"]) == ["POST"])
    }

    @Test func headIsServedByGetRoutes() {
        #expect(Self.parameters("HEAD", ["api", "v1", "applications", "7"]) == ["id": "7"])
        #expect(Self.allowed("HEAD", ["api", "v1", "applications"]) == ["POST"])
    }

    @Test func unknownPathThroughTheAppIs404() throws {
        let portal = try TestPortal()
        #expect(portal.send("GET", "/api/v1/does-not-exist").status == 404)
        #expect(portal.send("GET", "/api/v1/register/extra").status == 404)
    }

    @Test func wrongMethodThroughTheAppIs405WithAllow() throws {
        let portal = try TestPortal()
        let auth = portal.send("PUT", "/api/v1/auth")
        #expect(auth.status == 405)
        let allow = try #require(auth.headers["Allow"])
        #expect(Set(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) == ["GET", "HEAD", "DELETE"])
        #expect(auth.json?.keys == ["message"])

        let register = portal.send("GET", "/api/v1/register")
        #expect(register.status == 405)
        #expect(register.headers["Allow"] == "POST")
    }

    @Test func methodIsCaseInsensitiveThroughTheApp() throws {
        let portal = try TestPortal()
        #expect(portal.send("get", "/health").status == 200)
    }

    @Test func headThroughTheAppAnswersLikeGetWithoutBody() throws {
        let portal = try TestPortal()
        let get = portal.send("GET", "/")
        let head = portal.send("HEAD", "/")
        #expect(get.status == 200)
        #expect(!get.response.body.isEmpty)
        #expect(head.status == 200)
        #expect(head.response.body.isEmpty)
        #expect(head.headers["Content-Type"] == get.headers["Content-Type"])

        let health = portal.send("HEAD", "/health")
        #expect(health.status == 200)
        #expect(health.response.body.isEmpty)
        // HEAD of an error keeps the status and drops the body too.
        let missing = portal.send("HEAD", "/api/v1/nope")
        #expect(missing.status == 404)
        #expect(missing.response.body.isEmpty)
    }

    /// A literal segment beats a parameter at the same position whatever the registration order, the tree
    /// backtracks to the parameter when the literal branch has no match, and each route binds its own names.
    @Test func literalSegmentsWinAndEachRouteNamesItsParameters() {
        var router = Router()
        router.add("GET", "/portals/{portalId}", Self.ok)
        router.add("GET", "/portals/{id}/developers/{developerId}", Self.ok)
        router.add("GET", "/portals/appearance-defaults", Self.ok)
        router.add("DELETE", "/portals/appearance-defaults/{x}", Self.ok)
        func found(_ method: String, _ segments: [String]) -> (String, [String: String])? {
            guard case let .found(_, parameters, pattern) = router.match(method: method, segments: segments) else { return nil }
            return (pattern, parameters)
        }
        #expect(found("GET", ["portals", "appearance-defaults"])?.0 == "/portals/appearance-defaults")
        #expect(found("GET", ["portals", "p1"])?.1 == ["portalId": "p1"])
        #expect(found("GET", ["portals", "p1", "developers", "d1"])?.1 == ["id": "p1", "developerId": "d1"])
        // `appearance-defaults` as a portal id: the literal branch has no such route, the parameter branch does.
        #expect(found("GET", ["portals", "appearance-defaults", "developers", "d1"])?.1 == ["id": "appearance-defaults", "developerId": "d1"])
        guard case let .methodNotAllowed(allowed) = router.match(method: "GET", segments: ["portals", "appearance-defaults", "x"]) else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["DELETE"])
        #expect(found("GET", ["portals", ""]) == nil)
    }
}
