import Foundation
import Testing
@testable import PortalFCGI

/// Who may read /status and /metrics, and the request id the scoreboard keeps for the supervisor's logs.
@Suite struct StatusAccessTests {
    @Test func loopbackIsTheWhole127NetworkIPv6LoopbackAndIPv4MappedLoopback() {
        for address in ["127.0.0.1", "127.255.0.9", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"] {
            #expect(StatusAccess.isLoopback(address), "\(address)")
        }
        for address in ["", "128.0.0.1", "10.0.0.1", "203.0.113.9", "::2", "::", "::ffff:10.0.0.1", "fe80::1", "localhost", "127.0.0.1 ", nil] as [String?] {
            #expect(!StatusAccess.isLoopback(address), "\(String(describing: address))")
        }
    }

    @Test func onlyABearerHeaderCarriesTheSecret() {
        #expect(StatusAccess.bearerSecret("Bearer pt_abc") == "pt_abc")
        #expect(StatusAccess.bearerSecret("bearer   pt_abc ") == "pt_abc")
        for header in [nil, "", "pt_abc", "Basic pt_abc", "Bearer", "Bearer ", "Bearer " + String(repeating: "x", count: 513)] as [String?] {
            #expect(StatusAccess.bearerSecret(header) == nil, "\(String(describing: header))")
        }
    }

    @Test func aRefusalIsA403InTheFormatAsked() {
        let text = StatusAccess.refusal(json: false)
        #expect(text.0 == "403 Forbidden" && text.1.hasPrefix("text/plain") && text.2.contains("root project token"))
        let json = StatusAccess.refusal(json: true)
        #expect(json.0 == "403 Forbidden" && json.1 == "application/json" && json.2.hasPrefix("{\"message\":"))
    }

    @Test func theScoreboardKeepsTheRequestIdOfTheRequestInProgress() throws {
        let board = try ScoreboardTests.board(slots: 1, threads: 1)
        var recorder = ScoreboardRecorder(entry: try #require(board.threadEntry(slot: 0, thread: 0)))
        recorder.begin(startedNanos: 7, method: "POST", path: "/api/v1/register", requestID: "0123456789abcdef0123456789abcdef")
        var thread = board.snapshot(slot: 0)[0]
        #expect(thread.busy && thread.requestID == "0123456789abcdef0123456789abcdef" && thread.current == "POST /api/v1/register")
        // The next request's id replaces it, whatever their lengths; ids longer than the field are cut.
        recorder.end(method: "POST", status: 200, route: "/api/v1/register", durationNanos: 1, slow: false)
        recorder.begin(startedNanos: 8, method: "GET", path: "/health", requestID: "short")
        thread = board.snapshot(slot: 0)[0]
        #expect(thread.requestID == "short")
        recorder.end(method: "GET", status: 200, route: "/health", durationNanos: 1, slow: false)
        recorder.begin(startedNanos: 9, method: "GET", path: "/health", requestID: String(repeating: "a", count: 100))
        #expect(board.snapshot(slot: 0)[0].requestID == String(repeating: "a", count: Scoreboard.requestIDBytes))
        // The stuck-request check hands it to the supervisor's log line.
        let stuck = StuckRequests.overdue(board.snapshot(slot: 0), nowNanos: 9 + 3_000_000_000, limit: 2)
        #expect(stuck.map(\.requestID) == [String(repeating: "a", count: Scoreboard.requestIDBytes)])
    }
}
