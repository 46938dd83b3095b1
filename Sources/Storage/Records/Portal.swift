import Foundation
import GRDB

/// A portal: the tenant that developers, products and pages belong to.
public struct Portal: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    /// Host name the portal is served on by default.
    public var defaultDomain: String
    /// Host name the provider configured for the portal, if any; wins over `defaultDomain`.
    public var customDomain: String?
    /// Serves requests whose Host matches no portal.
    public var isDefault: Bool
    /// New developers are approved at sign-up instead of waiting for an admin.
    public var autoApproveDevelopers: Bool
    /// New developers must confirm their email address (status `unverified` until they do).
    public var emailVerification: Bool
    /// JSON array of the signup fields (seed 000 `/developer/meta_fields` shape).
    public var developerMetaFields: String
    /// Seed 001 settings.
    public var displayName: String
    public var description: String?
    public var isPublic: Bool
    /// Developers see only the product versions one of their teams holds a role for.
    public var rbacEnabled: Bool
    public var autoApproveApplications: Bool
    public var customClientDomain: String?
    public var defaultApplicationAuthStrategyID: String?
    /// JSON object of string labels.
    public var labels: String
    /// Free-form configuration (seed 001 `/configuration`), a JSON object's text.
    public var configuration: String
    /// Developers may log in with email and password (seed 001 auth settings `basic_auth_enabled`).
    public var basicAuthEnabled: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), name: String, defaultDomain: String,
        customDomain: String? = nil, isDefault: Bool = false, autoApproveDevelopers: Bool = true,
        emailVerification: Bool = false, developerMetaFields: String = Portal.defaultMetaFields,
        displayName: String? = nil, description: String? = nil, isPublic: Bool = false, rbacEnabled: Bool = false,
        autoApproveApplications: Bool = false, customClientDomain: String? = nil,
        defaultApplicationAuthStrategyID: String? = nil, labels: String = "{}", configuration: String = "{}",
        basicAuthEnabled: Bool = true, createdAt: Date, updatedAt: Date? = nil
    ) {
        self.basicAuthEnabled = basicAuthEnabled
        self.configuration = configuration
        self.displayName = displayName ?? name
        self.description = description
        self.isPublic = isPublic
        self.rbacEnabled = rbacEnabled
        self.autoApproveApplications = autoApproveApplications
        self.customClientDomain = customClientDomain
        self.defaultApplicationAuthStrategyID = defaultApplicationAuthStrategyID
        self.labels = labels
        self.id = id
        self.name = name
        self.defaultDomain = defaultDomain
        self.customDomain = customDomain
        self.isDefault = isDefault
        self.autoApproveDevelopers = autoApproveDevelopers
        self.emailVerification = emailVerification
        self.developerMetaFields = developerMetaFields
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case defaultDomain = "default_domain"
        case customDomain = "custom_domain"
        case isDefault = "is_default"
        case autoApproveDevelopers = "auto_approve_developers"
        case emailVerification = "email_verification"
        case developerMetaFields = "developer_meta_fields"
        case displayName = "display_name"
        case description
        case isPublic = "is_public"
        case rbacEnabled = "rbac_enabled"
        case autoApproveApplications = "auto_approve_applications"
        case customClientDomain = "custom_client_domain"
        case defaultApplicationAuthStrategyID = "default_application_auth_strategy_id"
        case labels, configuration
        case basicAuthEnabled = "basic_auth_enabled"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension Portal {
    /// The signup fields every portal starts with (the seed's example): a required full name.
    public static let defaultMetaFields =
        #"[{"title":"full_name","label":"Full Name","is_email":false,"validator":{"type":"string","required":true}}]"#
}

extension Portal: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "portals"
}
