import Foundation
import Storage

/// The pool's counters in Prometheus' text exposition format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/), written by hand from the
/// supervisor's report: no metrics library in the request path.
enum PrometheusText {
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    static func render(_ report: PoolReport, _ extras: StatusPage.Extras) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)] = [], _ value: String) {
            let rendered = labels.isEmpty ? "" : "{" + labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",") + "}"
            out += name + rendered + " " + value + "\n"
        }

        family("portal_requests_total", "counter", "Requests answered by the workers, by method, route pattern and status.")
        for (key, count) in report.totals.routes.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count == 3 else { continue }
            sample("portal_requests_total", [("method", parts[0]), ("route", parts[2]), ("status", parts[1])], String(count))
        }
        if report.totals.unlabelled > 0 {
            sample("portal_requests_total", [("method", "OTHER"), ("route", "unlabelled"), ("status", "0")], String(report.totals.unlabelled))
        }

        family("portal_request_duration_seconds", "histogram", "Time from accepting a request to writing its response.")
        var cumulative: UInt64 = 0
        for (index, bound) in Scoreboard.bucketBounds.enumerated() {
            cumulative &+= report.totals.buckets[index]
            sample("portal_request_duration_seconds_bucket", [("le", number(bound))], String(cumulative))
        }
        cumulative &+= report.totals.buckets[Scoreboard.bucketBounds.count]
        sample("portal_request_duration_seconds_bucket", [("le", "+Inf")], String(cumulative))
        sample("portal_request_duration_seconds_sum", [], number(Double(report.totals.durationNanos) / 1e9))
        sample("portal_request_duration_seconds_count", [], String(cumulative))

        family("portal_slow_requests_total", "counter", "Requests slower than request_slowlog_timeout_seconds.")
        sample("portal_slow_requests_total", [], String(report.totals.slow))
        family("portal_worker_threads", "gauge", "Accept threads of the live workers, by state.")
        sample("portal_worker_threads", [("state", "busy")], String(report.busyThreads))
        sample("portal_worker_threads", [("state", "idle")], String(report.totalThreads - report.busyThreads))
        family("portal_worker_processes", "gauge", "Live worker processes, by state (busy: at least one request in progress).")
        let busyProcesses = report.workers.filter { $0.busyThreads > 0 }.count
        sample("portal_worker_processes", [("state", "busy")], String(busyProcesses))
        sample("portal_worker_processes", [("state", "idle")], String(report.workers.count - busyProcesses))
        family("portal_worker_respawns_total", "counter", "Workers started to replace one that died.")
        sample("portal_worker_respawns_total", [], String(report.state.respawns))
        family("portal_worker_recycled_total", "counter", "Workers that exited after max_requests and were replaced.")
        sample("portal_worker_recycled_total", [], String(report.state.recycled))
        family("portal_worker_terminated_total", "counter", "Workers replaced because a request ran past request_terminate_timeout_seconds.")
        sample("portal_worker_terminated_total", [], String(report.state.terminated))
        family("portal_max_children_reached_total", "counter", "Times every accept thread of the pool was seen busy (sampled every 250 ms).")
        sample("portal_max_children_reached_total", [], String(report.state.maxChildrenReached))
        if let queue = extras.listenQueue {
            family("portal_listen_queue", "gauge", "Connections waiting in the FastCGI socket's backlog.")
            sample("portal_listen_queue", [], String(queue.queued))
        }
        family("portal_listen_queue_length", "gauge", "Size of the FastCGI socket's backlog.")
        sample("portal_listen_queue_length", [], String(extras.listenQueue?.backlog ?? extras.listenBacklog))
        family("portal_start_time_seconds", "gauge", "When the supervisor started, in seconds since 1970.")
        sample("portal_start_time_seconds", [], number(report.state.startedAt.timeIntervalSince1970.rounded()))
        if let gauges = extras.gauges {
            family("portal_outbox_depth", "gauge", "Mail waiting for delivery (and still to be tried).")
            sample("portal_outbox_depth", [], String(gauges.outboxDepth))
            family("portal_outbox_oldest_age_seconds", "gauge", "Age of the oldest mail waiting for delivery.")
            sample("portal_outbox_oldest_age_seconds", [], number(gauges.outboxOldestAgeSeconds))
            family("portal_audit_queue_depth", "gauge", "Audit-log entries waiting for an enabled webhook.")
            sample("portal_audit_queue_depth", [], String(gauges.auditQueueDepth))
            family("portal_database_size_bytes", "gauge", "Size of the SQLite file and its WAL.")
            sample("portal_database_size_bytes", [], String(gauges.databaseBytes))
        }
        family("portal_database_up", "gauge", "1 when the supervisor could read the database for this scrape.")
        sample("portal_database_up", [], extras.gauges == nil ? "0" : "1")
        return out
    }

    /// Label values escape backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
