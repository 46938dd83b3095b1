import Foundation
import GRDB

/// A developer's JWT credential (seed 000 `/credentials/jwt`): the gateway accepts tokens whose
/// `iss` is `key`, signed with `secret` (HS*) or the private half of `rsaPublicKey` (RS*, ES256).
/// Keys are unique within a portal.
public struct JWTCredential: Codable, Sendable, Equatable {
    /// The signing algorithms of Kong's JWT plugin that seed 000 offers (the table's CHECK list).
    public enum Algorithm: String, Codable, Sendable, CaseIterable {
        case hs256 = "HS256", hs384 = "HS384", hs512 = "HS512"
        case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
        case es256 = "ES256"

        /// RS* and ES* verify with a public key; HS* with the shared secret alone.
        public var usesPublicKey: Bool {
            switch self {
            case .hs256, .hs384, .hs512: false
            case .rs256, .rs384, .rs512, .es256: true
            }
        }
    }

    public var id: String
    public var portalID: String
    public var developerID: String
    public var key: String
    public var secret: String
    public var algorithm: Algorithm
    /// PEM public key for RS*/ES256 (the seed's name, also for EC keys); nil for HS*.
    public var rsaPublicKey: String?
    public var createdAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String, developerID: String, key: String,
        secret: String, algorithm: Algorithm, rsaPublicKey: String? = nil, createdAt: Date
    ) {
        self.id = id
        self.portalID = portalID
        self.developerID = developerID
        self.key = key
        self.secret = secret
        self.algorithm = algorithm
        self.rsaPublicKey = rsaPublicKey
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, key, secret, algorithm
        case portalID = "portal_id"
        case developerID = "developer_id"
        case rsaPublicKey = "rsa_public_key"
        case createdAt = "created_at"
    }
}

extension JWTCredential: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "jwt_credentials"
}
