import Foundation
import GRDB

/// A developer's key-auth credential (seed 000 `/credentials/key-auth`): an API key the gateway
/// accepts for the developer's consumer. Keys are unique within a portal.
public struct KeyAuthCredential: Codable, Sendable, Equatable {
    public var id: String
    public var portalID: String
    public var developerID: String
    /// The API key itself. Stored as given: the developer reads it back from the list.
    public var key: String
    public var createdAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String, developerID: String, key: String, createdAt: Date
    ) {
        self.id = id
        self.portalID = portalID
        self.developerID = developerID
        self.key = key
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, key
        case portalID = "portal_id"
        case developerID = "developer_id"
        case createdAt = "created_at"
    }
}

extension KeyAuthCredential: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "key_auth_credentials"
}
