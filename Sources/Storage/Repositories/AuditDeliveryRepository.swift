import Foundation
import GRDB

/// Where audit entries are sent: an HTTP(S) endpoint and the Authorization value to send with them.
public struct AuditLogDestination: Sendable, Equatable {
    public var id: String
    public var name: String
    public var endpoint: String
    /// Plain text in memory only: sealed at rest, never returned by the API.
    public var authorization: String?
    public var logFormat: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), name: String, endpoint: String, authorization: String?,
                logFormat: String = "json", createdAt: Date) {
        self.id = id
        self.name = name
        self.endpoint = endpoint
        self.authorization = authorization
        self.logFormat = logFormat
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// A portal's audit-log webhook and the outcome of its last delivery attempt.
public struct AuditLogWebhook: Sendable, Equatable {
    public var enabled = false
    public var destinationID: String?
    public var lastAttemptAt: Date?
    public var lastResponseCode: Int?
    public var lastResponseMessage: String?

    public init() {}
}

/// A request to re-send the entries of a time range.
public struct AuditLogReplayJob: Sendable, Equatable {
    public var startAt: Date
    public var endAt: Date
    /// accepted | pending | running | completed | failed
    public var status: String
    public var updatedAt: Date
}

/// An audit entry as delivered.
public struct DeliverableAuditEntry: Sendable, Equatable {
    public var id: Int64
    public var portalID: String
    public var tokenID: String
    public var action: String
    public var targetType: String
    public var targetID: String
    public var outcome: String
    public var clientAddress: String?
    public var createdAt: Date
}

/// One batch of entries due for a portal's destination.
public struct AuditDelivery: Sendable {
    public enum Kind: Sendable, Equatable {
        /// New entries; success moves the webhook's cursor.
        case live
        /// A replay job's entries; success moves the job's cursor.
        case replay
    }

    public var kind: Kind
    public var portalID: String
    public var destination: AuditLogDestination
    public var entries: [DeliverableAuditEntry]
}

/// Audit-log destinations, webhooks and replay jobs, and the delivery bookkeeping of the background loop.
public struct AuditDeliveryRepository: Sendable {
    let database: PortalDatabase
    let seal: SettingsSeal

    public init(_ database: PortalDatabase) throws(StorageError) {
        self.database = database
        self.seal = try SettingsSeal(database)
    }

    // MARK: Destinations

    public static let destinations = Listing(
        base: "SELECT * FROM audit_log_destinations",
        fields: [
            "name": .init(.string, column: "name"), "endpoint": .init(.string, column: "endpoint"),
            "created_at": .init(.date, column: "created_at", filterable: false),
            "updated_at": .init(.date, column: "updated_at", filterable: false),
        ])

    public func destinations(_ criteria: ListCriteria) throws(StorageError) -> ListSlice<AuditLogDestination> {
        let slice = try database.list(Self.destinations, scope: [], criteria, as: StoredRow.self)
        return ListSlice(items: slice.items.map { destination($0.row) }, total: slice.total)
    }

    /// A fetched row, for lists whose items need more than the row to build (here: opening a seal).
    private struct StoredRow: FetchableRecord, @unchecked Sendable {
        let row: Row
        init(row: Row) { self.row = row.copy() }
    }

    public func destination(id: String) throws(StorageError) -> AuditLogDestination? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM audit_log_destinations WHERE id = ?", arguments: [id]).map(destination)
        }
    }

    private func destination(_ row: Row) -> AuditLogDestination {
        var destination = AuditLogDestination(
            id: row["id"], name: row["name"], endpoint: row["endpoint"], authorization: seal.open(row["authorization_sealed"]),
            logFormat: row["log_format"], createdAt: row.storedDate("created_at"))
        destination.updatedAt = row.storedDate("updated_at")
        return destination
    }

    /// Inserts or updates `destination`; false when another destination has its name.
    public func save(_ destination: AuditLogDestination, audit: AuditEntry) throws(StorageError) -> Bool {
        let sealed = try destination.authorization.map { (value) throws(StorageError) in try seal.seal(value) }
        return try database.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM audit_log_destinations WHERE name = ? AND id != ?",
                                 arguments: [destination.name, destination.id]) == true {
                return false
            }
            try db.execute(sql: """
                INSERT INTO audit_log_destinations (id, name, endpoint, authorization_sealed, log_format, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, endpoint = excluded.endpoint,
                    authorization_sealed = excluded.authorization_sealed, log_format = excluded.log_format, updated_at = excluded.updated_at
                """, arguments: [destination.id, destination.name, destination.endpoint, sealed, destination.logFormat,
                                 destination.createdAt.stored, destination.updatedAt.stored])
            try audit.record(in: db)
            return true
        }
    }

    public enum DestinationDeletion: Sendable, Equatable {
        case deleted, notFound
        /// A portal's webhook sends to it.
        case inUse
    }

    public func deleteDestination(id: String, audit: AuditEntry) throws(StorageError) -> DestinationDeletion {
        try database.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM audit_log_webhooks WHERE destination_id = ?", arguments: [id]) == true {
                return .inUse
            }
            try db.execute(sql: "DELETE FROM audit_log_destinations WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return .notFound }
            try audit.record(in: db)
            return .deleted
        }
    }

    // MARK: Webhook

    public func webhook(portalID: String) throws(StorageError) -> AuditLogWebhook {
        try database.read { db in
            var webhook = AuditLogWebhook()
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM audit_log_webhooks WHERE portal_id = ?", arguments: [portalID]) {
                webhook.enabled = row["enabled"]
                webhook.destinationID = row["destination_id"]
                webhook.lastAttemptAt = row.optionalStoredDate("last_attempt_at")
                webhook.lastResponseCode = row["last_response_code"]
                webhook.lastResponseMessage = row["last_response_message"]
            }
            return webhook
        }
    }

    /// Sets the webhook's configuration. Turning it on (or pointing it elsewhere) starts delivery from
    /// the entries written after this change; the change's own audit entry is the first one sent.
    public func configureWebhook(portalID: String, enabled: Bool, destinationID: String?, now: Date, audit: AuditEntry) throws(StorageError) {
        try database.write { db in
            let current = try Row.fetchOne(db, sql: "SELECT enabled, destination_id FROM audit_log_webhooks WHERE portal_id = ?", arguments: [portalID])
            let wasSending = current.map { (row: Row) -> Bool in row["enabled"] } ?? false
            let previousDestination: String? = current?["destination_id"]
            let restart = enabled && (!wasSending || previousDestination != destinationID)
            let end = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM audit_log") ?? 0
            try db.execute(sql: """
                INSERT INTO audit_log_webhooks (portal_id, enabled, destination_id, cursor, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                ON CONFLICT (portal_id) DO UPDATE SET enabled = ?2, destination_id = ?3, updated_at = ?5,
                    cursor = CASE WHEN ?6 THEN ?4 ELSE cursor END,
                    failures = CASE WHEN ?6 THEN 0 ELSE failures END,
                    next_attempt_at = CASE WHEN ?6 THEN NULL ELSE next_attempt_at END
                """, arguments: [portalID, enabled, destinationID, end, now.stored, restart])
            try audit.record(in: db)
        }
    }

    // MARK: Replay jobs

    public func replayJob(portalID: String) throws(StorageError) -> AuditLogReplayJob? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM audit_log_replay_jobs WHERE portal_id = ?", arguments: [portalID]).map {
                AuditLogReplayJob(startAt: $0.storedDate("start_at"), endAt: $0.storedDate("end_at"), status: $0["status"], updatedAt: $0.storedDate("updated_at"))
            }
        }
    }

    /// Starts a replay of `start…end`; false (nothing written) while another replay of the portal is unfinished.
    public func startReplay(portalID: String, start: Date, end: Date, now: Date, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.write { db in
            let status = try String.fetchOne(db, sql: "SELECT status FROM audit_log_replay_jobs WHERE portal_id = ?", arguments: [portalID])
            if let status, ["accepted", "pending", "running"].contains(status) { return false }
            try db.execute(sql: """
                INSERT OR REPLACE INTO audit_log_replay_jobs (portal_id, start_at, end_at, status, cursor, updated_at)
                VALUES (?, ?, ?, 'accepted', 0, ?)
                """, arguments: [portalID, start.stored, end.stored, now.stored])
            try audit.record(in: db)
            return true
        }
    }

    // MARK: Delivery (the background loop)

    /// Whether any webhook is enabled or any replay unfinished: one read, so a poll with nothing to send
    /// never takes the lease (a write, and an fsync) in every worker.
    public func hasDeliveries() throws(StorageError) -> Bool {
        try database.readStatement { db in
            try Bool.fetchOne(db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM audit_log_webhooks WHERE enabled = 1 AND destination_id IS NOT NULL)
                    OR EXISTS (SELECT 1 FROM audit_log_replay_jobs WHERE status IN ('accepted', 'pending', 'running'))
                """)) ?? false
        }
    }

    /// Takes or renews the lease `name` for `holder` until `now + duration`; false while another holder's
    /// lease runs. One worker delivers at a time, so entries are not sent twice by two workers — as long
    /// as the holder renews it before each piece of work that could outlast what is left of it.
    public func acquireLease(_ name: String, holder: String, now: Date, duration: TimeInterval) throws(StorageError) -> Bool {
        try database.write { db in
            try db.execute(sql: """
                INSERT INTO background_leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (name) DO UPDATE SET holder = ?2, expires_at = ?3 WHERE holder = ?2 OR expires_at < ?4
                """, arguments: [name, holder, now.addingTimeInterval(duration).stored, now.stored])
            return db.changesCount > 0
        }
    }

    /// The next batch due, if any: a replay job's entries first, then a webhook's new entries, for a
    /// webhook that is enabled, has a destination and is not backing off.
    public func nextDelivery(now: Date, limit: Int) throws(StorageError) -> AuditDelivery? {
        try database.write { db in
            // Replay jobs: the accepted ones start running; one whose webhook is gone fails.
            for job in try Row.fetchAll(db, sql: """
                SELECT j.portal_id, j.start_at, j.end_at, j.cursor, w.destination_id, w.enabled, w.next_attempt_at
                FROM audit_log_replay_jobs j LEFT JOIN audit_log_webhooks w ON w.portal_id = j.portal_id
                WHERE j.status IN ('accepted', 'pending', 'running')
                """) {
                let portalID: String = job["portal_id"]
                guard let destinationID: String = job["destination_id"], let destination = try destination(id: destinationID, in: db) else {
                    try db.execute(sql: "UPDATE audit_log_replay_jobs SET status = 'failed', updated_at = ? WHERE portal_id = ?", arguments: [now.stored, portalID])
                    continue
                }
                if let next = job.optionalStoredDate("next_attempt_at"), next > now { continue }
                let entries = try Self.entries(db, """
                    portal_id = ? AND id > ? AND created_at >= ? AND created_at <= ?
                    """, [portalID, job["cursor"] as Int64, job["start_at"] as DatabaseValue, job["end_at"] as DatabaseValue], limit: limit)
                if entries.isEmpty {
                    try db.execute(sql: "UPDATE audit_log_replay_jobs SET status = 'completed', updated_at = ? WHERE portal_id = ?", arguments: [now.stored, portalID])
                    continue
                }
                try db.execute(sql: "UPDATE audit_log_replay_jobs SET status = 'running', updated_at = ? WHERE portal_id = ? AND status != 'running'",
                               arguments: [now.stored, portalID])
                return AuditDelivery(kind: .replay, portalID: portalID, destination: destination, entries: entries)
            }
            for hook in try Row.fetchAll(db, sql: """
                SELECT portal_id, destination_id, cursor FROM audit_log_webhooks
                WHERE enabled = 1 AND destination_id IS NOT NULL AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
                """, arguments: [now.stored]) {
                let portalID: String = hook["portal_id"]
                guard let destination = try destination(id: hook["destination_id"], in: db) else { continue }
                let entries = try Self.entries(db, "portal_id = ? AND id > ?", [portalID, hook["cursor"] as Int64], limit: limit)
                if !entries.isEmpty {
                    return AuditDelivery(kind: .live, portalID: portalID, destination: destination, entries: entries)
                }
            }
            return nil
        }
    }

    private func destination(id: String, in db: Database) throws -> AuditLogDestination? {
        try Row.fetchOne(db, sql: "SELECT * FROM audit_log_destinations WHERE id = ?", arguments: [id]).map(destination)
    }

    private static func entries(_ db: Database, _ condition: String, _ arguments: StatementArguments, limit: Int) throws -> [DeliverableAuditEntry] {
        var arguments = arguments
        arguments += [limit]
        return try Row.fetchAll(db, sql: "SELECT * FROM audit_log WHERE \(condition) ORDER BY id LIMIT ?", arguments: arguments).map {
            DeliverableAuditEntry(
                id: $0["id"], portalID: $0["portal_id"], tokenID: $0["token_id"], action: $0["action"], targetType: $0["target_type"],
                targetID: $0["target_id"], outcome: $0["outcome"], clientAddress: $0["client_address"], createdAt: $0.storedDate("created_at"))
        }
    }

    /// Records the outcome of sending `delivery`: on success the entries count as delivered and the
    /// cursor moves past them (a replay job's `updated_at` too: it made progress); on failure the next
    /// attempt waits `retryAfter`, and a replay job that has made no progress for `replayGiveUpAfter`
    /// seconds is failed (a receiver that stays down must not keep it running, refusing every new replay).
    /// `code` is nil when no HTTP response came back.
    public func recordAttempt(
        _ delivery: AuditDelivery, succeeded: Bool, code: Int?, message: String, now: Date, retryAfter: (Int) -> TimeInterval,
        replayGiveUpAfter: TimeInterval
    ) throws(StorageError) {
        guard let last = delivery.entries.last?.id else { return }
        try database.write { db in
            if delivery.kind == .replay {
                if succeeded {
                    try db.execute(sql: "UPDATE audit_log_replay_jobs SET cursor = max(cursor, ?), updated_at = ? WHERE portal_id = ?",
                                   arguments: [last, now.stored, delivery.portalID])
                } else {
                    try db.execute(sql: """
                        UPDATE audit_log_replay_jobs SET status = 'failed', updated_at = ?
                        WHERE portal_id = ? AND status IN ('accepted', 'pending', 'running') AND updated_at <= ?
                        """, arguments: [now.stored, delivery.portalID, now.addingTimeInterval(-replayGiveUpAfter).stored])
                }
            }
            if succeeded {
                if delivery.kind == .live {
                    try db.execute(sql: "UPDATE audit_log_webhooks SET cursor = max(cursor, ?) WHERE portal_id = ?", arguments: [last, delivery.portalID])
                    try db.execute(sql: "UPDATE audit_log SET delivered_at = ? WHERE portal_id = ? AND id >= ? AND id <= ?",
                                   arguments: [now.stored, delivery.portalID, delivery.entries.first?.id ?? last, last])
                }
                try db.execute(sql: "UPDATE audit_log_webhooks SET failures = 0, next_attempt_at = NULL WHERE portal_id = ?",
                               arguments: [delivery.portalID])
            } else {
                let failures = (try Int.fetchOne(db, sql: "SELECT failures FROM audit_log_webhooks WHERE portal_id = ?",
                                                 arguments: [delivery.portalID]) ?? 0) + 1
                try db.execute(sql: "UPDATE audit_log_webhooks SET failures = ?, next_attempt_at = ? WHERE portal_id = ?",
                               arguments: [failures, now.addingTimeInterval(retryAfter(failures)).stored, delivery.portalID])
            }
            try db.execute(sql: """
                UPDATE audit_log_webhooks SET last_attempt_at = ?, last_response_code = ?, last_response_message = ? WHERE portal_id = ?
                """, arguments: [now.stored, code, String(message.prefix(255)), delivery.portalID])
        }
    }
}
