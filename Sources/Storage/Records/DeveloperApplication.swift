import Foundation
import GRDB

/// A developer's application (seed 000 `/applications`). Each has its own gateway consumer,
/// distinct from the developer's, that its OAuth2 credentials belong to.
/// (Not named `Application`: that is the HTTP application of the Handlers module.)
public struct DeveloperApplication: Codable, Sendable, Equatable {
    public var id: String
    public var portalID: String
    public var developerID: String
    public var name: String
    public var description: String
    /// Where the OAuth2 flow sends the user back; the default of new credentials' `redirect_uris`.
    public var redirectURI: String
    /// Identifier of the application's gateway consumer (seed 000 `consumer.id`).
    public var consumerID: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String, developerID: String, name: String,
        description: String = "", redirectURI: String, consumerID: String = UUID().uuidString.lowercased(),
        createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.portalID = portalID
        self.developerID = developerID
        self.name = name
        self.description = description
        self.redirectURI = redirectURI
        self.consumerID = consumerID
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case portalID = "portal_id"
        case developerID = "developer_id"
        case redirectURI = "redirect_uri"
        case consumerID = "consumer_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension DeveloperApplication: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "applications"

    /// The columns `init(direct:developerID:portalID:)` reads, in its order.
    static let directColumns = "id, name, description, redirect_uri, consumer_id, created_at, updated_at"

    /// An application of the given owner from a direct read of `directColumns`.
    init(direct row: DirectRow, developerID: String, portalID: String) throws(StorageError) {
        self.init(
            id: row.text(0), portalID: portalID, developerID: developerID, name: row.text(1), description: row.text(2),
            redirectURI: row.text(3), consumerID: row.text(4), createdAt: try row.date(5), updatedAt: try row.date(6))
    }
}
