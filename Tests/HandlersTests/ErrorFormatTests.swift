import Foundation
import Handlers
import PortalTesting
import Testing

/// Each API family renders errors in its own format (DESIGN.md, "Wire compatibility rules").
@Suite struct ErrorFormatTests {
    @Test func developerAPIUnknownPathIsMessageJSON() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/api/v1/nope")
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        #expect(response.json?.keys == ["message"])
        #expect(response.json?["message"]?.stringValue?.isEmpty == false)
    }

    @Test func managementAPIUnknownPathIsProblemJSON() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/api/v2/x")
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let body = try #require(response.json)
        #expect(body.keys == ["status", "title", "type", "instance", "detail"])
        #expect(body["status"] == .int(404))
        #expect(body["title"] == .string("Not Found"))
        #expect(body["instance"]?.stringValue?.isEmpty == false)
        #expect(body["detail"]?.stringValue?.isEmpty == false)
    }

    @Test func keyRequestsAPIUnknownPathIsStatusMessageMeta() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/api/portal/x")
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let body = try #require(response.json)
        #expect(body.keys == ["Status", "Message", "Meta"])
        #expect(body["Status"] == .string("Error"))
        #expect(body["Message"]?.stringValue?.isEmpty == false)
        #expect(body["Meta"] == .null)
    }

    @Test func projectTokensAPIUnknownPathIsMessageCodeStatusInfo() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/api/projects/x")
        #expect(response.status == 404)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let body = try #require(response.json)
        #expect(body.keys == ["message", "code", "status", "info"])
        #expect(body["status"] == .int(404))
        #expect(body["code"] == .string("NOT_FOUND"))
        #expect(body["message"]?.stringValue?.isEmpty == false)
        #expect(body["info"] == .null)
    }

    @Test func otherAPIPathsAreMessageJSON() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/api/unknown")
        #expect(response.status == 404)
        #expect(response.json?.keys == ["message"])
    }

    @Test func familyIsChosenByPathPrefixOnly() {
        #expect(APIFamily(path: "/api/v1") == .developer)
        #expect(APIFamily(path: "/api/v1/developer") == .developer)
        #expect(APIFamily(path: "/api/v10/x") == .site)
        #expect(APIFamily(path: "/api/v2/portals/1/developers") == .management)
        #expect(APIFamily(path: "/api/portal/requests") == .keyRequests)
        #expect(APIFamily(path: "/api/portals") == .site)
        #expect(APIFamily(path: "/api/projects/p1/tokens") == .projectTokens)
        #expect(APIFamily(path: "/") == .site)
    }

    @Test func errorStatusesKeepTheirFormat() throws {
        let problem = APIFamily.management.errorResponse(status: 400, message: "bad sort", path: "/api/v2/portals")
        #expect(problem.status == 400)
        #expect(try JSON.parse(problem.body)["detail"] == .string("bad sort"))
        #expect(try JSON.parse(problem.body)["title"] == .string("Bad Request"))

        let tokens = APIFamily.projectTokens.errorResponse(status: 409, message: "exists", path: "/api/projects/p/tokens")
        #expect(try JSON.parse(tokens.body)["code"] == .string("CONFLICT"))
        let tooLarge = APIFamily.projectTokens.errorResponse(status: 413, message: "big", path: "/api/projects/p/tokens")
        #expect(try JSON.parse(tooLarge.body)["code"] == .string("CONTENT_TOO_LARGE"))

        let developer = APIFamily.developer.errorResponse(status: 503, message: "busy", path: "/api/v1/auth")
        #expect(try JSON.parse(developer.body) == .object([("message", .string("busy"))]))
    }
}
