import Foundation
import Testing
@testable import PortalFCGI

/// The shared scoreboard, the stuck-request rules and the status renderings, without a pool.
@Suite struct ScoreboardTests {
    static func board(slots: Int = 2, threads: Int = 2) throws -> Scoreboard {
        try Scoreboard.create(directory: FileManager.default.temporaryDirectory.path, workerSlots: slots, threads: threads)
    }

    @Test func aThreadsRecordsAreReadBackThroughAnotherMappingOfTheSameFile() throws {
        let board = try Self.board()
        // A worker maps the inherited descriptor; here a second mapping through a dup of it.
        let worker = try Scoreboard.attach(descriptor: dup(board.descriptor))
        #expect(worker.workerSlots == 2 && worker.threads == 2)
        var recorder = ScoreboardRecorder(entry: try #require(worker.threadEntry(slot: 1, thread: 1)))

        recorder.begin(startedNanos: 42, method: "POST", path: "/api/v1/register")
        var thread = board.snapshot(slot: 1)[1]
        #expect(thread.busy && thread.startedNanos == 42 && thread.current == "POST /api/v1/register")
        #expect(board.snapshot(slot: 1)[0] == ThreadSnapshot())

        recorder.end(method: "POST", status: 200, route: "/api/v1/register", durationNanos: 30_000_000, slow: false)
        recorder.begin(startedNanos: 43, method: "GET", path: "/health")
        recorder.end(method: "GET", status: 200, route: "/health", durationNanos: 2_000_000_000, slow: true)
        recorder.begin(startedNanos: 44, method: "BREW", path: "/")
        recorder.end(method: "BREW", status: 404, route: "unmatched", durationNanos: 20_000_000_000, slow: true)
        thread = board.snapshot(slot: 1)[1]
        #expect(!thread.busy)
        #expect(thread.requests == 3 && thread.slow == 2)
        #expect(thread.durationNanos == 22_030_000_000)
        #expect(thread.routes == ["POST 200 /api/v1/register": 1, "GET 200 /health": 1, "OTHER 404 unmatched": 1])
        // 30 ms → le 0.05; 2 s → le 2.5; 20 s → +Inf.
        let bounds = Scoreboard.bucketBounds
        #expect(thread.buckets[bounds.firstIndex(of: 0.05)!] == 1)
        #expect(thread.buckets[bounds.firstIndex(of: 2.5)!] == 1)
        #expect(thread.buckets[bounds.count] == 1)

        board.reset(slot: 1)
        #expect(board.snapshot(slot: 1)[1] == ThreadSnapshot())
    }

    @Test func entriesOutsideTheBoardAreRefused() throws {
        let board = try Self.board()
        #expect(board.threadEntry(slot: 2, thread: 0) == nil)
        #expect(board.threadEntry(slot: 0, thread: 2) == nil)
        #expect(board.threadEntry(slot: -1, thread: 0) == nil)
        #expect(throws: Scoreboard.MapError.self) { try Scoreboard.attach(descriptor: open("/dev/null", O_RDONLY)) }
    }

    @Test func moreRouteKeysThanEntriesCountAsUnlabelledAndLongTextIsCutAtACharacter() throws {
        let board = try Self.board(slots: 1, threads: 1)
        var recorder = ScoreboardRecorder(entry: try #require(board.threadEntry(slot: 0, thread: 0)))
        for status in 0..<(Scoreboard.routeEntries + 5) {
            recorder.begin(startedNanos: 1, method: "GET", path: "/x")
            recorder.end(method: "GET", status: 100 + status, route: "/x", durationNanos: 1, slow: false)
        }
        let thread = board.snapshot(slot: 0)[0]
        #expect(thread.routes.count == Scoreboard.routeEntries && thread.overflow == 5 && thread.requests == UInt64(Scoreboard.routeEntries + 5))

        let long = "GET /" + String(repeating: "é", count: 100)
        recorder.begin(startedNanos: 1, method: "GET", path: "/" + String(repeating: "é", count: 100))
        let current = board.snapshot(slot: 0)[0].current
        #expect(current.utf8.count <= Scoreboard.currentBytes && long.hasPrefix(current) && current.hasSuffix("é"))
    }

    static func busy(since: Int64) -> ThreadSnapshot {
        var thread = ThreadSnapshot()
        thread.busy = true
        thread.startedNanos = since
        return thread
    }

    @Test func stuckRequestsAreThoseBusyPastTheLimit() {
        let second: Int64 = 1_000_000_000
        let now = 100 * second
        let threads = [Self.busy(since: now - 5 * second), Self.busy(since: now - 1 * second), ThreadSnapshot()]
        #expect(StuckRequests.overdue(threads, nowNanos: now, limit: 3).map(\.startedNanos) == [now - 5 * second])
        #expect(StuckRequests.overdue(threads, nowNanos: now, limit: 0).isEmpty)  // 0 = off
        #expect(StuckRequests.overdue(threads, nowNanos: now, limit: 10).isEmpty)
        // The 1 s request still runs: wait for it before killing the worker.
        #expect(!StuckRequests.onlyOverdueLeft(threads, nowNanos: now, limit: 3))
        #expect(StuckRequests.onlyOverdueLeft([threads[0], threads[2]], nowNanos: now, limit: 3))
        #expect(StuckRequests.saturated([[threads[0], threads[1]], [threads[0]]]))
        #expect(!StuckRequests.saturated([[threads[0], threads[2]]]))
        #expect(!StuckRequests.saturated([]))
    }

    @Test func theMonitorFoldsAnExitedWorkersCountersIntoTheTotals() throws {
        let board = try Self.board()
        let monitor = PoolMonitor(board: board, threadsPerWorker: 2)
        let slot = try #require(monitor.claimBoardSlot())
        monitor.started(WorkerRecord(pid: 4242, slot: 0, boardSlot: slot, startedAt: Date()))
        #expect(monitor.claimBoardSlot() != slot)
        var recorder = ScoreboardRecorder(entry: try #require(board.threadEntry(slot: slot, thread: 0)))
        recorder.begin(startedNanos: 1, method: "GET", path: "/health")
        recorder.end(method: "GET", status: 200, route: "/health", durationNanos: 1000, slow: false)
        #expect(monitor.report().totals.requests == 1)
        monitor.exited(pid: 4242)
        let report = monitor.report()
        #expect(report.workers.isEmpty && report.totals.requests == 1 && report.totals.routes == ["GET 200 /health": 1])
        #expect(monitor.claimBoardSlot() == slot)  // free again, and zeroed
        #expect(monitor.report().totals.requests == 1)
    }

    @Test func statusPageFormatsAndPrometheusText() throws {
        let board = try Self.board()
        let monitor = PoolMonitor(board: board, threadsPerWorker: 2)
        let slot = try #require(monitor.claimBoardSlot())
        monitor.started(WorkerRecord(pid: getpid(), slot: 0, boardSlot: slot, startedAt: Date()))
        var recorder = ScoreboardRecorder(entry: try #require(board.threadEntry(slot: slot, thread: 0)))
        recorder.begin(startedNanos: 1, method: "GET", path: "/health")
        recorder.end(method: "GET", status: 200, route: "/health", durationNanos: 3_000_000, slow: false)
        recorder.begin(startedNanos: Scoreboard.monotonicNanos(), method: "POST", path: "/api/v1/register")
        monitor.update { $0.respawns = 2 }
        let extras = StatusPage.Extras(
            gauges: .init(outboxDepth: 3, outboxOldestAgeSeconds: 12.5, auditQueueDepth: 4, databaseBytes: 4096),
            listenQueue: .init(queued: 1, backlog: 511), listenBacklog: 511)
        let report = monitor.report()

        let text = StatusPage.render(report, extras, query: .init(queryString: "")).body
        #expect(text.contains("accepted conn:        1\n") && text.contains("active threads:       1\n"))
        #expect(text.contains("listen queue:         1\n") && text.contains("respawns:             2\n"))
        #expect(!text.contains("pid:"))
        let full = StatusPage.render(report, extras, query: .init(queryString: "full")).body
        #expect(full.contains("pid:                  \(getpid())") && full.contains("POST /api/v1/register ("))
        let json = StatusPage.render(report, extras, query: .init(queryString: "json&full"))
        #expect(json.contentType == "application/json")
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(json.body.utf8)) as? [String: Any])
        #expect(decoded["outbox depth"] as? Int == 3 && (decoded["processes"] as? [Any])?.count == 1)

        let metrics = PrometheusText.render(report, extras)
        #expect(metrics.contains("portal_requests_total{method=\"GET\",route=\"/health\",status=\"200\"} 1\n"))
        #expect(metrics.contains("portal_request_duration_seconds_bucket{le=\"0.005\"} 1\n"))
        #expect(metrics.contains("portal_request_duration_seconds_bucket{le=\"+Inf\"} 1\n"))
        #expect(metrics.contains("portal_request_duration_seconds_sum 0.003\n"))
        #expect(metrics.contains("portal_worker_threads{state=\"busy\"} 1\n") && metrics.contains("portal_worker_threads{state=\"idle\"} 1\n"))
        #expect(metrics.contains("portal_worker_respawns_total 2\n") && metrics.contains("portal_outbox_depth 3\n"))
        #expect(metrics.contains("portal_outbox_oldest_age_seconds 12.5\n") && metrics.contains("portal_listen_queue 1\n"))
        #expect(PrometheusText.escape("a\"b\\c\nd") == "a\\\"b\\\\c\\nd")
    }

    @Test func statusQueryTakesPhpFpmNames() {
        #expect(StatusPage.Query(queryString: "") == .init(queryString: "nothing"))
        let both = StatusPage.Query(queryString: "json&full")
        #expect(both.json && both.full)
        #expect(StatusPage.Query(queryString: "full=1").full && !StatusPage.Query(queryString: "full=1").json)
    }

    @Test func theListenQueueOfAUnixSocketIsReadFromSockDiag() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("lq-\(UUID().uuidString.prefix(8)).sock").path
        let socket = try ListeningSocket(path: path, mode: 0o600, backlog: 7)
        defer { socket.close() }
        #expect(ListenQueue.read(descriptor: socket.descriptor) == .init(queued: 0, backlog: 7))
        var clients: [Int32] = []
        defer { clients.forEach { close($0) } }
        for _ in 0..<2 {
            let fd = Glibc.socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                buffer.copyBytes(from: Array(path.utf8) + [0])
            }
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            #expect(connected == 0)
            clients.append(fd)
        }
        #expect(ListenQueue.read(descriptor: socket.descriptor) == .init(queued: 2, backlog: 7))
    }

    @Test func requestIdsFromNginxAreKeptAndOthersReplaced() {
        let fromNginx = RequestSummary(params: [("REQUEST_METHOD", "POST"), ("DOCUMENT_URI", "/api/v1/register"), ("REQUEST_ID", "0123456789abcdef0123456789abcdef")])
        #expect(fromNginx.requestID == "0123456789abcdef0123456789abcdef")
        #expect(fromNginx.route == "POST /api/v1/register")
        for bad in ["", "a b", "x\ny", String(repeating: "a", count: 65), "é"] {
            let summary = RequestSummary(params: [("REQUEST_ID", bad)])
            #expect(summary.requestID.utf8.count == 32 && summary.requestID.allSatisfy(\.isHexDigit), "\(bad)")
        }
        #expect(RequestSummary(params: []).requestID != RequestSummary(params: []).requestID)
        #expect(RequestSummary(params: []).route == "GET /")
    }
}
