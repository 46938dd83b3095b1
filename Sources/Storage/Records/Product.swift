import Foundation
import GRDB

/// A product of a portal's catalog (seed 001 portal products). Its versions are what developers
/// register applications to.
public struct Product: Codable, Sendable, Equatable {
    public var id: String
    public var portalID: String
    public var name: String
    public var description: String
    /// JSON object of string labels.
    public var labels: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String, name: String, description: String = "",
        labels: String = "{}", createdAt: Date, updatedAt: Date? = nil
    ) {
        self.labels = labels
        self.id = id
        self.portalID = portalID
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, labels
        case portalID = "portal_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension Product: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "products"
}
