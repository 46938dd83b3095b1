import Foundation
import GRDB

/// The mail outbox. Messages are inserted inside the transaction of the change they report
/// (`enqueue(_:in:)`), then claimed and delivered by a sender; a claim expires so a crashed
/// sender's messages are retried by another.
public struct OutboxRepository: Sendable {
    let database: PortalDatabase
    /// How long a claim protects a message from other senders.
    static let claimDuration: TimeInterval = 60
    /// Attempts before a message is given up (it stays in the table with its last error).
    public static let maximumAttempts = 8

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// Inserts `message` within an open write transaction; returns its id.
    static func enqueue(_ message: OutboxMessage, in db: Database) throws -> Int64 {
        var message = message
        try message.insert(db)
        return message.id ?? db.lastInsertedRowID
    }

    /// Claims one specific message for immediate delivery (nil if already sent or claimed).
    public func claim(id: Int64, now: Date) throws(StorageError) -> OutboxMessage? {
        try database.write { db in
            try OutboxMessage.fetchOne(db, sql: """
                UPDATE outbox SET claimed_until = ?
                WHERE id = ? AND sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?)
                RETURNING *
                """, arguments: [now.addingTimeInterval(Self.claimDuration).stored, id, now.stored])
        }
    }

    /// Claims up to `limit` messages that are due.
    public func claimDue(now: Date, limit: Int = 10) throws(StorageError) -> [OutboxMessage] {
        try database.write { db in
            try OutboxMessage.fetchAll(db, sql: """
                UPDATE outbox SET claimed_until = ?
                WHERE id IN (
                    SELECT id FROM outbox
                    WHERE sent_at IS NULL AND attempts < ? AND next_attempt_at <= ?
                      AND (claimed_until IS NULL OR claimed_until < ?)
                    ORDER BY next_attempt_at LIMIT ?)
                RETURNING *
                """, arguments: [now.addingTimeInterval(Self.claimDuration).stored, Self.maximumAttempts, now.stored, now.stored, limit])
        }
    }

    /// Records a delivery. The body is scrubbed: it may carry a single-use link.
    public func markSent(id: Int64, now: Date) throws(StorageError) {
        try database.write { db in
            try db.execute(sql: """
                UPDATE outbox SET sent_at = ?, claimed_until = NULL, attempts = attempts + 1, body = '', last_error = NULL
                WHERE id = ?
                """, arguments: [now.stored, id])
        }
    }

    /// Records a failed attempt; the next one is due after an exponential backoff (30 s, 1 min, … 1 h).
    public func markFailed(id: Int64, error: String, now: Date) throws(StorageError) {
        try database.write { db in
            let attempts = try Int.fetchOne(db, sql: "SELECT attempts FROM outbox WHERE id = ?", arguments: [id]) ?? 0
            let delay = min(3600, 30 * pow(2, Double(attempts)))
            try db.execute(sql: """
                UPDATE outbox SET attempts = attempts + 1, claimed_until = NULL, last_error = ?, next_attempt_at = ?
                WHERE id = ?
                """, arguments: [String(error.prefix(500)), now.addingTimeInterval(delay).stored, id])
        }
    }

    /// Messages to `recipient`, oldest first (tests, diagnostics).
    public func messages(to recipient: String) throws(StorageError) -> [OutboxMessage] {
        try database.read { db in
            try OutboxMessage.filter(Column("recipient") == recipient).order(Column("id")).fetchAll(db)
        }
    }
}
