import Foundation
import GRDB

/// An OAuth2 client credential of an application (seed 000 `/applications/{id}/credentials`).
public struct ApplicationCredential: Codable, Sendable, Equatable {
    public var id: String
    public var portalID: String
    public var applicationID: String
    public var name: String
    /// Random, unique across the installation (the gateway looks clients up by it alone).
    public var clientID: String
    /// The secret itself, or `SecretToken.hash` of it when `hashSecret` is set.
    public var clientSecret: String
    public var hashSecret: Bool
    /// `confidential` or `public` (OAuth 2.0, RFC 6749 §2.1).
    public var clientType: String
    public var redirectURIs: [String]
    public var createdAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String, applicationID: String, name: String,
        clientID: String, clientSecret: String, hashSecret: Bool, clientType: String, redirectURIs: [String],
        createdAt: Date
    ) {
        self.id = id
        self.portalID = portalID
        self.applicationID = applicationID
        self.name = name
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.hashSecret = hashSecret
        self.clientType = clientType
        self.redirectURIs = redirectURIs
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case portalID = "portal_id"
        case applicationID = "application_id"
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case hashSecret = "hash_secret"
        case clientType = "client_type"
        // Stored as a JSON array (GRDB encodes nested Codable values as JSON text).
        case redirectURIs = "redirect_uris"
        case createdAt = "created_at"
    }
}

extension ApplicationCredential: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "application_credentials"
}
