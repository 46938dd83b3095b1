import Foundation
import GRDB

/// An email waiting in the outbox (or already delivered: `sentAt` set, body scrubbed).
public struct OutboxMessage: Codable, Sendable, Equatable {
    public var id: Int64?
    public var portalID: String
    public var recipient: String
    public var subject: String
    public var body: String
    public var createdAt: Date
    public var attempts: Int
    public var nextAttemptAt: Date
    public var claimedUntil: Date?
    public var sentAt: Date?
    public var lastError: String?

    public init(portalID: String, recipient: String, subject: String, body: String, createdAt: Date) {
        self.id = nil
        self.portalID = portalID
        self.recipient = recipient
        self.subject = subject
        self.body = body
        self.createdAt = createdAt
        self.attempts = 0
        self.nextAttemptAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, recipient, subject, body, attempts
        case portalID = "portal_id"
        case createdAt = "created_at"
        case nextAttemptAt = "next_attempt_at"
        case claimedUntil = "claimed_until"
        case sentAt = "sent_at"
        case lastError = "last_error"
    }
}

extension OutboxMessage: FetchableRecord, MutablePersistableRecord, StoredDateRecord {
    public static let databaseTableName = "outbox"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
}
