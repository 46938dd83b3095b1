import Foundation
import Handlers
import PortalTesting
import Testing

/// The worker reads bodies per path: up to 8 MiB for the management API (`/api/v2`: custom pages of
/// 1,000,000 characters, appearance images), `max_body_bytes` everywhere else.
@Suite(.serialized) struct ManagementBodyLimitPart2Tests {
    @Test func theManagementAPIReadsLargerBodiesThanTheRest() throws {
        let pool = try PoolProcess(workers: 1, threads: 1, extraConfig: ["max_body_bytes": "2048"])
        let body = Array(repeating: UInt8(ascii: "a"), count: 5000)
        let developer = try pool.client.send(
            method: "POST", uri: "/api/v1/register", headers: [("Content-Type", "application/x-www-form-urlencoded")], body: body)
        #expect(developer.status == 413)
        // Read and answered by the handler (no token: 401, or 421 without a portal for the host), not refused.
        let management = try pool.client.send(method: "POST", uri: "/api/v2/portals", headers: [("Content-Type", "application/json")], body: body)
        #expect(management.status != 413 && management.status < 500, "\(management.status) \(management.text)")
        let tooLarge = try pool.client.send(
            method: "POST", uri: "/api/v2/portals", headers: [("Content-Type", "application/json")],
            body: Array(repeating: UInt8(ascii: "a"), count: (8 << 20) + 1))
        #expect(tooLarge.status == 413)
        #expect(tooLarge.text.contains("\(8 << 20) bytes") && tooLarge.header("Content-Type") == "application/problem+json")
        #expect(try pool.client.send(method: "GET", uri: "/health").status == 200)
    }
}
