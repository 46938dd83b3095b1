import Foundation
import Handlers
import Storage

/// The pool status page (PHP-FPM's `pm.status_path`: text by default, `?json`, `?full`) and the
/// Prometheus text exposition (`/metrics`), rendered from one `PoolReport`. Pure functions.
enum StatusPage {
    /// What a status request asked for.
    struct Query: Equatable {
        var json = false
        var full = false

        /// `json`, `full`, `json&full` (names only, as PHP-FPM takes them).
        init(queryString: String) {
            let names = Set(queryString.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "" })
            json = names.contains("json")
            full = names.contains("full")
        }
    }

    /// Everything the page shows besides the report.
    struct Extras {
        var gauges: DatabaseGauges.Reading?
        var listenQueue: ListenQueue.Length?
        var listenBacklog: Int
    }

    /// (name, value) lines of the pool summary, in display order.
    static func summary(_ report: PoolReport, _ extras: Extras) -> [(String, JSON)] {
        let state = report.state
        let uptime = max(0, Int(report.takenAt.timeIntervalSince(state.startedAt)))
        var lines: [(String, JSON)] = [
            ("pool", .string("portal")),
            ("process manager", .string("static")),
            ("state", .string(state.state)),
            ("start time", .string(timestamp(state.startedAt))),
            ("start since", .int(Int64(uptime))),
            ("accepted conn", .int(Int64(clamping: report.totals.requests))),
            ("listen queue", extras.listenQueue.map { .int(Int64($0.queued)) } ?? .null),
            ("listen queue len", .int(Int64(extras.listenQueue?.backlog ?? extras.listenBacklog))),
            ("worker processes", .int(Int64(report.workers.count))),
            ("active processes", .int(Int64(report.workers.filter { $0.busyThreads > 0 }.count))),
            ("idle threads", .int(Int64(report.totalThreads - report.busyThreads))),
            ("active threads", .int(Int64(report.busyThreads))),
            ("total threads", .int(Int64(report.totalThreads))),
            ("max children reached", .int(Int64(state.maxChildrenReached))),
            ("slow requests", .int(Int64(clamping: report.totals.slow))),
            ("respawns", .int(Int64(state.respawns))),
            ("recycled", .int(Int64(state.recycled))),
            ("terminated", .int(Int64(state.terminated))),
        ]
        if let gauges = extras.gauges {
            lines += [
                ("outbox depth", .int(Int64(gauges.outboxDepth))),
                ("outbox oldest age", .double((gauges.outboxOldestAgeSeconds * 10).rounded() / 10)),
                ("audit queue depth", .int(Int64(gauges.auditQueueDepth))),
                ("database bytes", .int(Int64(gauges.databaseBytes))),
            ]
        }
        return lines
    }

    /// `2026-12-02T10:00:00Z`.
    static func timestamp(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// Per-worker lines for `?full`.
    static func workerLines(_ report: PoolReport) -> [[(String, JSON)]] {
        report.workers.map { worker in
            let running = worker.threads.filter(\.busy).map { thread in
                let seconds = Double(report.nowNanos - thread.startedNanos) / 1e9
                return JSON.string("\(thread.current) (\(String(format: "%.3f", seconds)) s)")
            }
            return [
                ("pid", .int(Int64(worker.record.pid))),
                ("slot", .int(Int64(worker.record.slot))),
                ("state", .string(worker.record.retiring ? "Finishing" : worker.busyThreads > 0 ? "Running" : "Idle")),
                ("start time", .string(timestamp(worker.record.startedAt))),
                ("start since", .int(Int64(max(0, Int(report.takenAt.timeIntervalSince(worker.record.startedAt)))))),
                ("requests", .int(Int64(clamping: worker.requests))),
                ("busy threads", .int(Int64(worker.busyThreads))),
                ("rss bytes", ProcessMemory.residentBytes(pid: worker.record.pid).map { .int(Int64($0)) } ?? .null),
                ("current requests", .array(running)),
            ]
        }
    }

    /// The status page body and its content type.
    static func render(_ report: PoolReport, _ extras: Extras, query: Query) -> (contentType: String, body: String) {
        let summary = summary(report, extras)
        let workers = query.full ? workerLines(report) : []
        if query.json {
            var members = summary
            if query.full { members.append(("processes", .array(workers.map { JSON.object($0) }))) }
            return ("application/json", String(decoding: JSON.object(members).bytes, as: UTF8.self))
        }
        var text = summary.map(textLine).joined()
        for worker in workers {
            text += "\n************************\n" + worker.map(textLine).joined()
        }
        return ("text/plain; charset=utf-8", text)
    }

    private static func textLine(_ line: (String, JSON)) -> String {
        let label = (line.0 + ":").padding(toLength: max(22, line.0.count + 2), withPad: " ", startingAt: 0)
        let value: String
        switch line.1 {
        case .string(let text): value = text
        case .int(let number): value = String(number)
        case .double(let number): value = String(number)
        case .null: value = "-"
        case .array(let items):
            value = items.compactMap { if case .string(let text) = $0 { text } else { nil } }.joined(separator: "; ")
        default: value = line.1.text
        }
        return label + value + "\n"
    }
}

/// Resident memory of a process, from `/proc/<pid>/statm` (second field, in pages).
enum ProcessMemory {
    static func residentBytes(pid: pid_t) -> Int? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/statm") else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
