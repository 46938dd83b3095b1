import Foundation
import GRDB

/// A version of a product (seed 001 product versions). Published with application registration
/// enabled, it is an "application service" of seed 000.
public struct ProductVersion: Codable, Sendable, Equatable {
    /// How an approved registration authenticates to the version's API: the credential an approval
    /// issues (seed 002: an API key, a basic-auth user and password, or OAuth2 client credentials).
    public enum AuthStrategy: String, Codable, Sendable, CaseIterable {
        case keyAuth = "key-auth"
        case basicAuth = "basic-auth"
        case oauth2
    }

    /// Whether developers can see the version.
    public enum PublishStatus: String, Codable, Sendable, CaseIterable {
        case published, unpublished
    }

    public var id: String
    public var productID: String
    public var portalID: String
    public var name: String
    public var description: String
    public var publishStatus: PublishStatus
    /// Developers may register applications to this version.
    public var applicationRegistrationEnabled: Bool
    /// New registrations start approved instead of pending.
    public var autoApproveRegistration: Bool
    public var authStrategy: AuthStrategy
    /// Still served, but developers are told to move on.
    public var deprecated: Bool
    /// The application auth strategy (seed 001 `auth_strategy_ids`, at most one).
    public var authStrategyID: String?
    /// Listed in its portal (a seed-001 portal product version).
    public var inPortal: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), productID: String, portalID: String, name: String,
        description: String = "", publishStatus: PublishStatus = .published,
        applicationRegistrationEnabled: Bool = false, autoApproveRegistration: Bool = false,
        authStrategy: AuthStrategy = .keyAuth, deprecated: Bool = false, authStrategyID: String? = nil, inPortal: Bool = true,
        createdAt: Date, updatedAt: Date? = nil
    ) {
        self.authStrategy = authStrategy
        self.deprecated = deprecated
        self.authStrategyID = authStrategyID
        self.inPortal = inPortal
        self.id = id
        self.productID = productID
        self.portalID = portalID
        self.name = name
        self.description = description
        self.publishStatus = publishStatus
        self.applicationRegistrationEnabled = applicationRegistrationEnabled
        self.autoApproveRegistration = autoApproveRegistration
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case productID = "product_id"
        case portalID = "portal_id"
        case publishStatus = "publish_status"
        case applicationRegistrationEnabled = "application_registration_enabled"
        case autoApproveRegistration = "auto_approve_registration"
        case authStrategy = "auth_strategy"
        case deprecated
        case authStrategyID = "auth_strategy_id"
        case inPortal = "in_portal"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension ProductVersion: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "product_versions"
}

/// A product version open for registration, with its product's name and description: what
/// seed 000 calls an application service (`GET /application_services`).
public struct ApplicationService: Decodable, Sendable, Equatable {
    /// The product version's id (the service id of seed 000).
    public var id: String
    public var productName: String
    public var productDescription: String
    public var versionName: String
    public var versionDescription: String
    public var autoApproveRegistration: Bool
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id
        case productName = "product_name"
        case productDescription = "product_description"
        case versionName = "name"
        case versionDescription = "description"
        case autoApproveRegistration = "auto_approve_registration"
        case createdAt = "created_at"
    }
}

extension ApplicationService: FetchableRecord, TableRecord {
    /// Read from `product_versions`, so lists page on its `created_at` and `rowid`.
    public static let databaseTableName = "product_versions"

    /// The version's columns plus its product's name and description.
    static var selection: QueryInterfaceRequest<ApplicationService> {
        ApplicationService.select(sql: """
            id, name, description, auto_approve_registration, created_at,
            (SELECT name FROM products WHERE products.id = product_versions.product_id) AS product_name,
            (SELECT description FROM products WHERE products.id = product_versions.product_id) AS product_description
            """)
    }
}
