import Foundation
import GRDB

/// A developer's new email address waiting for confirmation from that address. Its `id` is the
/// claim of the emailed JWT; it works once, until `expiresAt`.
public struct EmailChange: Codable, Sendable, Equatable {
    public var id: String
    public var developerID: String
    public var newEmail: String
    public var createdAt: Date
    public var expiresAt: Date
    public var consumedAt: Date?

    public init(id: String = UUID().uuidString.lowercased(), developerID: String, newEmail: String, createdAt: Date, lifetime: TimeInterval) {
        self.id = id
        self.developerID = developerID
        self.newEmail = newEmail
        self.createdAt = createdAt
        self.expiresAt = createdAt.addingTimeInterval(lifetime)
        self.consumedAt = nil
    }

    enum CodingKeys: String, CodingKey {
        case id
        case developerID = "developer_id"
        case newEmail = "new_email"
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case consumedAt = "consumed_at"
    }
}

extension EmailChange: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "email_changes"
}
