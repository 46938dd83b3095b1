import Foundation
import GRDB

/// An application auth strategy (Konnect application-auth-strategies): how applications authenticate to
/// a product version. `configs` is the Konnect-shaped JSON (`{"key_auth": {"key_names": [...]}}`,
/// `{"openid_connect": {"issuer": …, "scopes": […], "auth_methods": […]}}`, `{"basic_auth": {}}`).
public struct AuthStrategy: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "application_auth_strategies"

    public enum StrategyType: String, Codable, Sendable, CaseIterable {
        case keyAuth = "key_auth"
        case openIDConnect = "openid_connect"
        case basicAuth = "basic_auth"

        /// The credential an approved key request gets (seed 002).
        public var credential: ProductVersion.AuthStrategy {
            switch self {
            case .keyAuth: .keyAuth
            case .basicAuth: .basicAuth
            case .openIDConnect: .oauth2
            }
        }
    }

    public var id: String
    public var name: String
    public var displayName: String
    public var strategyType: StrategyType
    public var configs: String
    public var labels: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), name: String, displayName: String, strategyType: StrategyType, configs: String, labels: String = "{}", createdAt: Date) {
        self.id = id
        self.name = name
        self.displayName = displayName
        self.strategyType = strategyType
        self.configs = configs
        self.labels = labels
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, configs, labels
        case displayName = "display_name"
        case strategyType = "strategy_type"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A product with its number of versions.
public struct ManagedProduct: Sendable, Equatable, FetchableRecord {
    public var product: Product
    public var versionCount: Int

    public init(row: Row) throws {
        product = try Product(row: row)
        versionCount = row["version_count"]
    }
}

/// A product version with the strategy it uses (nil: none attached).
public struct ManagedVersion: Sendable, Equatable, FetchableRecord {
    public var version: ProductVersion
    public var specification: String?
    public var strategy: AuthStrategy?

    public init(row: Row) throws {
        version = try ProductVersion(row: row)
        specification = row["specification"]
        if let id: String = row["strategy_id"] {
            strategy = AuthStrategy(
                id: id, name: row["strategy_name"], displayName: row["strategy_display_name"],
                strategyType: AuthStrategy.StrategyType(rawValue: row["strategy_type"]) ?? .keyAuth,
                configs: row["strategy_configs"], createdAt: row.storedDate("strategy_created_at"))
        }
    }
}

/// The catalog as the management API edits it: API products and versions (our documented extension),
/// portal product versions (seed 001) and application auth strategies. Writes are audited.
extension CatalogRepository {
    // MARK: products

    /// ?1 a portal id, or NULL for every portal; ?2 1 to list only products with a version in the portal
    /// (then `version_count` counts the published, listed versions, as the v2 file's portal products do).
    public static let products = Listing(
        base: """
            SELECT p.*, (SELECT count(*) FROM product_versions v WHERE v.product_id = p.id
                           AND (?2 = 0 OR (v.in_portal = 1 AND v.publish_status = 'published'))) AS version_count
            FROM products p
            WHERE (?1 IS NULL OR p.portal_id = ?1)
              AND (?2 = 0 OR EXISTS (SELECT 1 FROM product_versions v WHERE v.product_id = p.id AND v.in_portal = 1))
            """,
        fields: [
            "id": .init(.uuid, column: "id", sortable: false),
            "name": .init(.string, column: "name"), "description": .init(.string, column: "description"),
            "created_at": .init(.date, column: "created_at", filterable: false),
        ])

    public func products(portalID: String?, listedOnly: Bool, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<ManagedProduct> {
        try database.list(Self.products, scope: [portalID, listedOnly ? 1 : 0], criteria, as: ManagedProduct.self)
    }

    /// The product `id` (in `portalID`, or anywhere when nil).
    public func managedProduct(id: String, portalID: String?) throws(StorageError) -> ManagedProduct? {
        try database.read { db in
            try ManagedProduct.fetchOne(db, sql: "SELECT * FROM (\(Self.products.base)) WHERE id = ?3", arguments: [portalID, 0, id])
        }
    }

    /// Saves a product (insert or update) with its audit entry; a name taken in the portal throws `.uniqueViolation`.
    public func saveProduct(_ product: Product, audit: AuditEntry) throws(StorageError) {
        try database.write { db in
            if try Product.filter(Column("portal_id") == product.portalID && Column("name") == product.name && Column("id") != product.id)
                .fetchCount(db) > 0 {
                throw StorageError(kind: .uniqueViolation, message: "a product of this name exists in the portal")
            }
            try product.save(db)
            try audit.record(in: db)
        }
    }

    /// Deletes the product with its versions, their registrations and the credentials those were issued,
    /// and the team roles held on it.
    public func deleteProduct(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.write { db in
            guard try Product.filter(Column("id") == id && Column("portal_id") == portalID).fetchCount(db) == 1 else { return false }
            for registration in try String.fetchAll(db, sql: """
                SELECT r.id FROM application_registrations r JOIN product_versions v ON v.id = r.product_version_id WHERE v.product_id = ?
                """, arguments: [id]) {
                try KeyRequestRepository.deleteIssuedCredentials(registrationID: registration, in: db)
            }
            try db.execute(sql: "DELETE FROM team_roles WHERE entity_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM products WHERE id = ?", arguments: [id])
            try audit.record(in: db)
            return true
        }
    }

    // MARK: versions

    static let versionColumns = """
        SELECT v.*, s.id AS strategy_id, s.name AS strategy_name, s.display_name AS strategy_display_name,
          s.strategy_type AS strategy_type, s.configs AS strategy_configs, s.created_at AS strategy_created_at
        FROM product_versions v LEFT JOIN application_auth_strategies s ON s.id = v.auth_strategy_id
        """

    /// ?1 the portal; the portal's listed versions (seed 001 portal product versions).
    public static let portalVersions = Listing(
        base: versionColumns + " WHERE v.portal_id = ?1 AND v.in_portal = 1",
        fields: [
            // A portal product version is its product version's row: `id` and `product_version_id` are one id.
            "id": .init(.uuid, column: "id", sortable: false),
            "publish_status": .init(.keyword, column: "publish_status"), "product_version_id": .init(.uuid, column: "id"),
            "application_registration_enabled": .init(.boolean, column: "application_registration_enabled"),
            "auto_approve_registration": .init(.boolean, column: "auto_approve_registration"),
            "deprecated": .init(.boolean, column: "deprecated"), "auth_strategy_ids": .init(.uuid, column: "auth_strategy_id"),
            "created_at": .init(.date, column: "created_at"), "updated_at": .init(.date, column: "updated_at"),
        ])

    /// ?1 the product; all its versions (the API-products extension).
    public static let productVersions = Listing(
        base: versionColumns + " WHERE v.product_id = ?1",
        fields: ["name": .init(.string, column: "name"), "created_at": .init(.date, column: "created_at", filterable: false)])

    public func portalVersions(portalID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<ManagedVersion> {
        try database.list(Self.portalVersions, scope: [portalID], criteria, as: ManagedVersion.self)
    }

    public func versions(productID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<ManagedVersion> {
        try database.list(Self.productVersions, scope: [productID], criteria, as: ManagedVersion.self)
    }

    public func managedVersion(id: String, portalID: String) throws(StorageError) -> ManagedVersion? {
        try database.read { db in try Self.managedVersion(id: id, portalID: portalID, in: db) }
    }

    static func managedVersion(id: String, portalID: String, in db: Database) throws -> ManagedVersion? {
        try ManagedVersion.fetchOne(db, sql: versionColumns + " WHERE v.id = ? AND v.portal_id = ?", arguments: [id, portalID])
    }

    /// Saves a version (insert or update), keeping its credential kind in step with its strategy; a name
    /// taken by another version of the product throws `.uniqueViolation`. An unknown strategy id throws
    /// `.foreignKeyViolation`.
    public func saveVersion(_ version: ProductVersion, audit: AuditEntry) throws(StorageError) -> ManagedVersion {
        try database.write { db in
            var version = version
            if try ProductVersion.filter(Column("product_id") == version.productID && Column("name") == version.name && Column("id") != version.id)
                .fetchCount(db) > 0 {
                throw StorageError(kind: .uniqueViolation, message: "a version of this name exists for the product")
            }
            if let strategyID = version.authStrategyID {
                guard let strategy = try AuthStrategy.fetchOne(db, key: strategyID) else {
                    throw StorageError(kind: .foreignKeyViolation, message: "unknown auth strategy")
                }
                version.authStrategy = strategy.strategyType.credential
            }
            try version.save(db)
            try audit.record(in: db)
            guard let saved = try Self.managedVersion(id: version.id, portalID: version.portalID, in: db) else {
                throw StorageError(kind: .other, message: "version vanished")
            }
            return saved
        }
    }

    /// Deletes the version with its registrations (and the credentials they were issued).
    public func deleteVersion(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.write { db in
            for registration in try String.fetchAll(db, sql: "SELECT id FROM application_registrations WHERE product_version_id = ?", arguments: [id]) {
                try KeyRequestRepository.deleteIssuedCredentials(registrationID: registration, in: db)
            }
            try db.execute(sql: "DELETE FROM product_versions WHERE id = ? AND portal_id = ?", arguments: [id, portalID])
            guard db.changesCount > 0 else { return false }
            try audit.record(in: db)
            return true
        }
    }

    /// Stores the version's API description (already validated by the caller).
    public func setSpecification(versionID: String, portalID: String, text: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.write { db in
            try db.execute(sql: "UPDATE product_versions SET specification = ?, updated_at = ? WHERE id = ? AND portal_id = ?",
                           arguments: [text, audit.at.stored, versionID, portalID])
            guard db.changesCount > 0 else { return false }
            try audit.record(in: db)
            return true
        }
    }

    // MARK: auth strategies

    public static let strategies = Listing(
        base: "SELECT * FROM application_auth_strategies",
        fields: [
            "name": .init(.string, column: "name"), "display_name": .init(.string, column: "display_name"),
            "strategy_type": .init(.string, column: "strategy_type"), "created_at": .init(.date, column: "created_at", filterable: false),
        ])

    public func strategies(_ criteria: ListCriteria) throws(StorageError) -> ListSlice<AuthStrategy> {
        try database.list(Self.strategies, scope: [], criteria, as: AuthStrategy.self)
    }

    public func strategy(id: String) throws(StorageError) -> AuthStrategy? {
        try database.read { db in try AuthStrategy.fetchOne(db, key: id) }
    }

    /// The strategy a new version issuing `credential` uses: the portal's default strategy when it issues
    /// that credential, else the built-in key-auth strategy (for key-auth), else the oldest strategy of the
    /// matching type; nil when there is none (the version then issues `credential` without a strategy).
    public func strategyID(issuing credential: ProductVersion.AuthStrategy, portalDefault: String?) throws(StorageError) -> String? {
        try database.read { db in
            let strategies = try AuthStrategy.order(sql: "created_at, rowid").fetchAll(db).filter { $0.strategyType.credential == credential }
            if let portalDefault, strategies.contains(where: { $0.id == portalDefault }) { return portalDefault }
            return (strategies.first { $0.name == "key-auth" && credential == .keyAuth } ?? strategies.first)?.id
        }
    }

    /// The portal's product named `name`, if any.
    public func product(named name: String, portalID: String) throws(StorageError) -> Product? {
        try database.read { db in
            try Product.filter(Column("portal_id") == portalID && Column("name") == name).order(sql: "created_at, rowid").fetchOne(db)
        }
    }

    /// The built-in key-auth strategy (new versions use it unless told otherwise).
    public func defaultStrategy() throws(StorageError) -> AuthStrategy? {
        try database.read { db in try AuthStrategy.filter(Column("name") == "key-auth").fetchOne(db) }
    }

    /// Saves a strategy; a taken name throws `.uniqueViolation`. Versions using it follow its type.
    public func saveStrategy(_ strategy: AuthStrategy, audit: AuditEntry) throws(StorageError) {
        try database.write { db in
            try strategy.save(db)
            try db.execute(sql: "UPDATE product_versions SET auth_strategy = ? WHERE auth_strategy_id = ?",
                           arguments: [strategy.strategyType.credential.rawValue, strategy.id])
            try audit.record(in: db)
        }
    }

    /// Why a strategy cannot be deleted.
    public enum StrategyDeletion: Sendable, Equatable { case deleted, notFound, inUse }

    public func deleteStrategy(id: String, audit: AuditEntry) throws(StorageError) -> StrategyDeletion {
        try database.write { db in
            guard try AuthStrategy.fetchOne(db, key: id) != nil else { return .notFound }
            if try ProductVersion.filter(Column("auth_strategy_id") == id).fetchCount(db) > 0 { return .inUse }
            if try Portal.filter(Column("default_application_auth_strategy_id") == id).fetchCount(db) > 0 { return .inUse }
            try db.execute(sql: "DELETE FROM application_auth_strategies WHERE id = ?", arguments: [id])
            try audit.record(in: db)
            return .deleted
        }
    }
}
