import Foundation
import GRDB

/// The server side of an emailed JWT: its `id` claim, what it is for, and whether it was used.
public struct OneTimeToken: Codable, Sendable, Equatable {
    public enum Purpose: String, Codable, Sendable {
        case verifyAccount = "verify_account"
        case resetPassword = "reset_password"
    }

    public var id: String
    public var developerID: String
    public var purpose: Purpose
    public var createdAt: Date
    public var expiresAt: Date
    /// Set when the token is used or invalidated: it never works again.
    public var consumedAt: Date?

    public init(id: String = UUID().uuidString.lowercased(), developerID: String, purpose: Purpose, createdAt: Date, lifetime: TimeInterval) {
        self.id = id
        self.developerID = developerID
        self.purpose = purpose
        self.createdAt = createdAt
        self.expiresAt = createdAt.addingTimeInterval(lifetime)
        self.consumedAt = nil
    }

    enum CodingKeys: String, CodingKey {
        case id, purpose
        case developerID = "developer_id"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case consumedAt = "consumed_at"
    }
}

extension OneTimeToken: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "one_time_tokens"
}
