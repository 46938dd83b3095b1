import Foundation
import GRDB

/// A developer's login session. Only the SHA-256 of the session id is stored.
public struct Session: Codable, Sendable, Equatable {
    public var tokenHash: String
    public var developerID: String
    public var portalID: String
    public var createdAt: Date
    /// Last time the session was used; idle expiry counts from here.
    public var lastSeenAt: Date
    /// Absolute expiry: the session ends then however active it is.
    public var expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case tokenHash = "token_hash"
        case developerID = "developer_id"
        case portalID = "portal_id"
        case createdAt = "created_at"
        case lastSeenAt = "last_seen_at"
        case expiresAt = "expires_at"
    }
}

extension Session: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "sessions"
}
