import Foundation
import Handlers
import PortalTesting
import Testing

/// `GET /health`: database reachability and the answering worker's pid.
@Suite struct HealthEndpointTests {
    @Test func healthReportsTheDatabaseAndPid() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/health")
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let body = try #require(response.json)
        #expect(body["database"] == .string("reachable"))
        #expect(body["status"] == .string("ok"))
        #expect(body["pid"] == .int(Int64(ProcessInfo.processInfo.processIdentifier)))
    }

    @Test func healthNeedsNoPortalForTheHost() throws {
        let portal = try TestPortal()
        #expect(portal.send("GET", "/health", host: "unknown.example").status == 200)
    }
}
