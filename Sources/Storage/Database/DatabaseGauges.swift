import Foundation
import GRDB

/// Queue depths and size of the database, for the supervisor's status page and metrics. Read through
/// one read-only connection the supervisor keeps: it never takes a write lock, so it answers while
/// every worker is busy writing.
public final class DatabaseGauges: @unchecked Sendable {
    /// One reading.
    public struct Reading: Sendable, Equatable {
        /// Mail not yet delivered that will still be tried.
        public var outboxDepth: Int
        /// Age in seconds of the oldest such mail (0 when there is none).
        public var outboxOldestAgeSeconds: Double
        /// Audit-log entries waiting for an enabled webhook.
        public var auditQueueDepth: Int
        /// Bytes of the database file plus its WAL.
        public var databaseBytes: Int

        public init(outboxDepth: Int, outboxOldestAgeSeconds: Double, auditQueueDepth: Int, databaseBytes: Int) {
            self.outboxDepth = outboxDepth
            self.outboxOldestAgeSeconds = outboxOldestAgeSeconds
            self.auditQueueDepth = auditQueueDepth
            self.databaseBytes = databaseBytes
        }
    }

    private let path: String
    // Used by the status thread only (one request at a time), so no lock.
    private var queue: DatabaseQueue?

    public init(path: String) {
        self.path = path
    }

    /// Reads the gauges; opens the connection on first use (and again after a failure).
    public func read() throws(StorageError) -> Reading {
        do {
            let queue = try self.queue ?? DatabaseQueue(path: path, configuration: SQLiteFile.readOnlyConfiguration)
            self.queue = queue
            var reading = try queue.read { db in
                let outbox = try Row.fetchOne(db, sql: """
                    SELECT count(*) AS depth,
                           coalesce((julianday('now') - julianday(min(created_at))) * 86400.0, 0) AS age
                    FROM outbox WHERE sent_at IS NULL AND attempts < ?
                    """, arguments: [OutboxRepository.maximumAttempts])
                let audit = try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM audit_log_webhooks w
                    JOIN audit_log a ON a.portal_id = w.portal_id AND a.id > w.cursor
                    WHERE w.enabled = 1
                    """) ?? 0
                return Reading(
                    outboxDepth: outbox?["depth"] ?? 0, outboxOldestAgeSeconds: max(0, outbox?["age"] ?? 0),
                    auditQueueDepth: audit, databaseBytes: 0)
            }
            reading.databaseBytes = Self.size(path) + Self.size(path + "-wal")
            return reading
        } catch {
            queue = nil
            throw StorageError(error)
        }
    }

    private static func size(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : 0
    }
}
