import Foundation
import GRDB

/// A portal with the counts the management API reports.
public struct ManagedPortal: Sendable, Equatable, FetchableRecord {
    public var portal: Portal
    public var applicationCount: Int
    public var developerCount: Int
    public var publishedProductCount: Int

    public init(row: Row) throws {
        portal = try Portal(row: row)
        applicationCount = row["application_count"]
        developerCount = row["developer_count"]
        publishedProductCount = row["published_product_count"]
    }
}

/// A developer as the management API shows one.
public struct ManagedDeveloper: Sendable, Equatable, FetchableRecord {
    public var id: String
    public var portalID: String
    public var email: String
    public var fullName: String
    public var status: Developer.Status
    public var applicationCount: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(row: Row) throws {
        id = row["id"]
        portalID = row["portal_id"]
        email = row["email"]
        fullName = row["full_name"]
        status = Developer.Status(rawValue: row["status"]) ?? .pending
        applicationCount = row["application_count"]
        createdAt = row.storedDate("created_at")
        updatedAt = row.storedDate("updated_at")
    }
}

/// An application as the management API shows one.
public struct ManagedApplication: Sendable, Equatable, FetchableRecord {
    public var id: String
    public var portalID: String
    public var name: String
    public var description: String
    public var referenceID: String
    public var developerID: String
    public var developerName: String
    public var developerEmail: String
    public var registrationCount: Int
    /// The scopes its approved registrations were granted, each once, sorted.
    public var grantedScopes: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(row: Row) throws {
        id = row["id"]
        portalID = row["portal_id"]
        grantedScopes = Array(Set(scopeList(row["granted_scopes"]))).sorted()
        name = row["name"]
        description = row["description"]
        referenceID = row["reference_id"]
        developerID = row["developer_id"]
        developerName = row["developer_name"]
        developerEmail = row["developer_email"]
        registrationCount = row["registration_count"]
        createdAt = row.storedDate("created_at")
        updatedAt = row.storedDate("updated_at")
    }
}

/// A registration as the management API shows one, with the names around it.
public struct ManagedRegistration: Sendable, Equatable, FetchableRecord {
    public var id: String
    public var portalID: String
    public var status: ApplicationRegistration.Status
    public var applicationID: String
    public var applicationName: String
    public var developerID: String
    public var developerName: String
    public var developerEmail: String
    public var productID: String
    public var productName: String
    public var versionID: String
    public var versionName: String
    /// The OAuth scopes stored on the registration when it was approved (empty unless approved on an
    /// openid_connect strategy with scopes).
    public var grantedScopes: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(row: Row) throws {
        grantedScopes = scopeList(row["granted_scopes"])
        id = row["id"]
        portalID = row["portal_id"]
        status = ApplicationRegistration.Status(rawValue: row["status"]) ?? .pending
        applicationID = row["application_id"]
        applicationName = row["application_name"]
        developerID = row["developer_id"]
        developerName = row["developer_name"]
        developerEmail = row["developer_email"]
        productID = row["product_id"]
        productName = row["product_name"]
        versionID = row["version_id"]
        versionName = row["version_name"]
        createdAt = row.storedDate("created_at")
        updatedAt = row.storedDate("updated_at")
    }
}

/// A JSON array of strings as stored in `granted_scopes` (nil, "[]" or unreadable: none).
func scopeList(_ text: String?) -> [String] {
    guard let text, text != "[]", let scopes = try? JSONDecoder().decode([String].self, from: Data(text.utf8)) else { return [] }
    return scopes
}

/// The management API's reads and writes (seed 001, part 1): portals, developers, applications and
/// registrations. Every write records an `AuditEntry` in its own transaction.
public struct ManagementRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    // MARK: portals

    /// `scope` ?1: a portal id, or NULL for every portal (root tokens).
    public static let portals = Listing(
        base: """
            SELECT p.*,
              (SELECT count(*) FROM applications a WHERE a.portal_id = p.id) AS application_count,
              (SELECT count(*) FROM developers d WHERE d.portal_id = p.id) AS developer_count,
              (SELECT count(DISTINCT v.product_id) FROM product_versions v
                 WHERE v.portal_id = p.id AND v.in_portal = 1 AND v.publish_status = 'published') AS published_product_count
            FROM portals p WHERE (?1 IS NULL OR p.id = ?1)
            """,
        fields: [
            "id": .init(.uuid, column: "id", sortable: false), "name": .init(.string, column: "name"),
            "description": .init(.string, column: "description"), "is_public": .init(.boolean, column: "is_public"),
            "rbac_enabled": .init(.boolean, column: "rbac_enabled"),
            "auto_approve_applications": .init(.boolean, column: "auto_approve_applications"),
            "auto_approve_developers": .init(.boolean, column: "auto_approve_developers"),
            "default_domain": .init(.string, column: "default_domain"), "custom_domain": .init(.string, column: "custom_domain"),
            "custom_client_domain": .init(.string, column: "custom_client_domain"),
            "created_at": .init(.date, column: "created_at", filterable: false), "updated_at": .init(.date, column: "updated_at", filterable: false),
        ])

    /// Portals visible to a token of `scope` (nil: all).
    public func portals(scope: String?, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<ManagedPortal> {
        try database.list(Self.portals, scope: [scope], criteria, as: ManagedPortal.self)
    }

    public func portal(id: String) throws(StorageError) -> ManagedPortal? {
        try database.read { db in try Self.portal(id: id, in: db) }
    }

    static func portal(id: String, in db: Database) throws -> ManagedPortal? {
        try ManagedPortal.fetchOne(db, sql: "SELECT * FROM (\(portals.base))", arguments: [id])
    }

    /// Why a portal cannot be written.
    public enum PortalConflict: Error, Sendable, Equatable {
        case nameTaken, domainTaken
    }

    /// Inserts or saves `portal` (already merged with the change); a name or domain another portal has
    /// is a conflict.
    public func savePortal(_ portal: Portal, audit: AuditEntry) throws(StorageError) -> Result<ManagedPortal, PortalConflict> {
        try database.write { db in
            if let conflict = try Self.conflict(for: portal, in: db) { return .failure(conflict) }
            try portal.save(db)
            try audit.record(in: db)
            guard let saved = try Self.portal(id: portal.id, in: db) else { throw StorageError(kind: .other, message: "portal vanished") }
            return .success(saved)
        }
    }

    private static func conflict(for portal: Portal, in db: Database) throws -> PortalConflict? {
        if try Int.fetchOne(db, sql: "SELECT count(*) FROM portals WHERE name = ? COLLATE NOCASE AND id != ?",
                            arguments: [portal.name, portal.id]) ?? 0 > 0 {
            return .nameTaken
        }
        let domains = [portal.defaultDomain, portal.customDomain, portal.customClientDomain].compactMap { $0 }
        for domain in domains {
            let taken = try Int.fetchOne(db, sql: """
                SELECT count(*) FROM portals WHERE id != ?
                  AND (default_domain = ?2 OR custom_domain = ?2 OR custom_client_domain = ?2)
                """, arguments: [portal.id, domain]) ?? 0
            if taken > 0 { return .domainTaken }
        }
        return nil
    }

    /// Why a portal cannot be deleted.
    public enum DeletionRefusal: Error, Sendable, Equatable {
        case notFound
        /// It has developers or versions open for registration and `force` was not given.
        case inUse
        /// The default portal serves the installation's own host names.
        case isDefault
    }

    /// Deletes the portal and, through the foreign keys, everything of it, in one transaction.
    public func deletePortal(id: String, force: Bool, audit: AuditEntry) throws(StorageError) -> Result<Void, DeletionRefusal> {
        try database.write { db in
            guard let portal = try Portal.fetchOne(db, key: id) else { return .failure(.notFound) }
            if portal.isDefault { return .failure(.isDefault) }
            if !force {
                let developers = try Int.fetchOne(db, sql: "SELECT count(*) FROM developers WHERE portal_id = ?", arguments: [id]) ?? 0
                let open = try Int.fetchOne(db, sql: """
                    SELECT count(*) FROM product_versions WHERE portal_id = ? AND application_registration_enabled = 1
                    """, arguments: [id]) ?? 0
                if developers + open > 0 { return .failure(.inUse) }
            }
            try db.execute(sql: "DELETE FROM portals WHERE id = ?", arguments: [id])
            try audit.record(in: db)
            return .success(())
        }
    }

    /// Publishes or unpublishes products in the portal (seed 001 `publish`): every listed version of
    /// each product takes the given status. Returns false for an unknown portal.
    public func publish(portalID: String, products: [(String, ProductVersion.PublishStatus)], audit: AuditEntry) throws(StorageError) -> Bool {
        try database.write { db in
            guard try Portal.fetchOne(db, key: portalID) != nil else { return false }
            for (productID, status) in products {
                try db.execute(sql: """
                    UPDATE product_versions SET publish_status = ?, updated_at = ? WHERE portal_id = ? AND product_id = ? AND in_portal = 1
                    """, arguments: [status.rawValue, audit.at.stored, portalID, productID])
            }
            try db.execute(sql: "UPDATE portals SET published_at = ? WHERE id = ?", arguments: [audit.at.stored, portalID])
            try audit.record(in: db)
            return true
        }
    }

    /// Queues one mail to each developer with a registration to the version (a change they should know of).
    public func notifyRegisteredDevelopers(versionID: String, portalID: String, now: Date, subject: String, body: String) throws(StorageError) {
        try database.write { db in
            let recipients = try String.fetchAll(db, sql: """
                SELECT DISTINCT d.email FROM application_registrations r
                JOIN applications a ON a.id = r.application_id JOIN developers d ON d.id = a.developer_id
                WHERE r.product_version_id = ? AND r.portal_id = ?
                """, arguments: [versionID, portalID])
            for recipient in recipients {
                _ = try OutboxRepository.enqueue(
                    OutboxMessage(portalID: portalID, recipient: recipient, subject: subject, body: body, createdAt: now), in: db)
            }
        }
    }

    // MARK: developers

    public static let developers = Listing(
        base: """
            SELECT d.id, d.portal_id, d.email, d.created_at, d.updated_at,
              -- The management API knows four states: invited and unverified accounts wait like pending ones.
              CASE WHEN d.status IN ('invited', 'unverified') THEN 'pending' ELSE d.status END AS status,
              \(developerFullNameSQL("d")) AS full_name,
              (SELECT count(*) FROM applications a WHERE a.developer_id = d.id) AS application_count
            FROM developers d WHERE d.portal_id = ?1
            """,
        fields: [
            "email": .init(.string, column: "email"), "name": .init(.string, column: "full_name"),
            "status": .init(.string, column: "status"),
            "created_at": .init(.date, column: "created_at", filterable: false), "updated_at": .init(.date, column: "updated_at", filterable: false),
        ],
        unfilteredTotal: "SELECT coalesce((SELECT developers FROM portal_counts WHERE portal_id = ?1), 0)")

    public func developers(portalID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<ManagedDeveloper> {
        try database.list(Self.developers, scope: [portalID], criteria, as: ManagedDeveloper.self)
    }

    public func developer(id: String, portalID: String) throws(StorageError) -> ManagedDeveloper? {
        try database.read { db in try Self.developer(id: id, portalID: portalID, in: db) }
    }

    static func developer(id: String, portalID: String, in db: Database) throws -> ManagedDeveloper? {
        try ManagedDeveloper.fetchOne(db, sql: "SELECT * FROM (\(developers.base)) WHERE id = ?2", arguments: [portalID, id])
    }

    /// Sets the developer's status. Leaving `approved` ends every session at once; becoming approved
    /// queues `approvalMail` for the developer. Nil for an unknown developer.
    public func setDeveloperStatus(
        id: String, portalID: String, status: Developer.Status, audit: AuditEntry, approvalMail: (ManagedDeveloper) -> OutgoingMail
    ) throws(StorageError) -> ManagedDeveloper? {
        try database.write { db in
            guard let before = try Self.developer(id: id, portalID: portalID, in: db) else { return nil }
            if before.status != status {
                try db.execute(sql: "UPDATE developers SET status = ?, updated_at = ? WHERE id = ?", arguments: [status.rawValue, audit.at.stored, id])
            }
            if status != .approved {
                try db.execute(sql: "DELETE FROM sessions WHERE developer_id = ?", arguments: [id])
            } else if before.status != .approved {
                let mail = approvalMail(before)
                _ = try OutboxRepository.enqueue(
                    OutboxMessage(portalID: portalID, recipient: mail.recipient, subject: mail.subject, body: mail.body, createdAt: audit.at),
                    in: db)
            }
            try audit.record(in: db)
            return try Self.developer(id: id, portalID: portalID, in: db)
        }
    }

    /// Deletes the developer with its sessions, applications, registrations and credentials.
    public func deleteDeveloper(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM developers WHERE id = ? AND portal_id = ?", [id, portalID], audit: audit)
    }

    // MARK: applications

    public static let applications = Listing(
        base: """
            SELECT a.id, a.portal_id, a.name, a.description, a.created_at, a.updated_at, a.consumer_id AS reference_id,
              a.developer_id, d.email AS developer_email,
              \(developerFullNameSQL("d")) AS developer_name,
              (SELECT count(*) FROM application_registrations r WHERE r.application_id = a.id) AS registration_count,
              (SELECT json_group_array(j.value)
                 FROM application_registrations r, json_each(CASE WHEN json_valid(r.granted_scopes) THEN r.granted_scopes END) j
                 WHERE r.application_id = a.id AND r.status = 'approved') AS granted_scopes
            FROM applications a JOIN developers d ON d.id = a.developer_id WHERE a.portal_id = ?1
            """,
        fields: [
            "name": .init(.string, column: "name"), "developer_id": .init(.uuid, column: "developer_id"),
            "developer_name": .init(.string, column: "developer_name", sortable: false),
            "developer_email": .init(.string, column: "developer_email", sortable: false),
            "created_at": .init(.date, column: "created_at", filterable: false),
        ])

    public func applications(portalID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<ManagedApplication> {
        try database.list(Self.applications, scope: [portalID], criteria, as: ManagedApplication.self)
    }

    /// The application `id`, in `portalID` (nil: in any portal).
    public func application(id: String, portalID: String?) throws(StorageError) -> ManagedApplication? {
        try database.read { db in
            guard let owner = try String.fetchOne(db, sql: "SELECT portal_id FROM applications WHERE id = ?", arguments: [id]),
                  portalID == nil || portalID == owner
            else { return nil }
            return try ManagedApplication.fetchOne(db, sql: "SELECT * FROM (\(Self.applications.base)) WHERE id = ?2", arguments: [owner, id])
        }
    }

    /// Deletes the application with its registrations and credentials.
    public func deleteApplication(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM applications WHERE id = ? AND portal_id = ?", [id, portalID], audit: audit)
    }

    // MARK: registrations

    /// `scope` ?1 the portal, ?2 an application id or NULL for all of the portal's.
    public static let registrations = Listing(
        base: """
            SELECT r.id, r.portal_id, r.status, r.created_at, r.updated_at, r.granted_scopes, r.application_id, a.name AS application_name,
              a.developer_id, d.email AS developer_email,
              \(developerFullNameSQL("d")) AS developer_name,
              p.id AS product_id, p.name AS product_name, v.id AS version_id, v.name AS version_name
            FROM application_registrations r
            JOIN applications a ON a.id = r.application_id
            JOIN developers d ON d.id = a.developer_id
            JOIN product_versions v ON v.id = r.product_version_id
            JOIN products p ON p.id = v.product_id
            WHERE r.portal_id = ?1 AND (?2 IS NULL OR r.application_id = ?2)
            """,
        fields: [
            "status": .init(.string, column: "status"), "developer_id": .init(.uuid, column: "developer_id"),
            "developer_name": .init(.string, column: "developer_name", sortable: false),
            "application_name": .init(.string, column: "application_name", sortable: false),
            "created_at": .init(.date, column: "created_at", filterable: false), "updated_at": .init(.date, column: "updated_at", filterable: false),
        ])

    /// The registrations of one application: the v2 file sorts them by time and status and filters by status.
    public static let applicationRegistrations = Listing(
        base: registrations.base,
        fields: [
            "status": .init(.string, column: "status"),
            "created_at": .init(.date, column: "created_at", filterable: false), "updated_at": .init(.date, column: "updated_at", filterable: false),
        ])

    public func registrations(portalID: String, applicationID: String?, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<ManagedRegistration> {
        try database.list(applicationID == nil ? Self.registrations : Self.applicationRegistrations,
                          scope: [portalID, applicationID], criteria, as: ManagedRegistration.self)
    }

    public func registration(id: String, applicationID: String, portalID: String) throws(StorageError) -> ManagedRegistration? {
        try database.read { db in try Self.registration(id: id, applicationID: applicationID, portalID: portalID, in: db) }
    }

    static func registration(id: String, applicationID: String, portalID: String, in db: Database) throws -> ManagedRegistration? {
        try ManagedRegistration.fetchOne(db, sql: "SELECT * FROM (\(registrations.base)) WHERE id = ?3", arguments: [portalID, applicationID, id])
    }

    /// Sets a registration's status — the same row as the developer API's application instance and
    /// the key request. Becoming approved queues `approvalMail`. Nil when unknown.
    public func setRegistrationStatus(
        id: String, applicationID: String, portalID: String, status: ApplicationRegistration.Status, audit: AuditEntry,
        approvalMail: (ManagedRegistration) -> OutgoingMail
    ) throws(StorageError) -> ManagedRegistration? {
        try database.write { db in
            guard let before = try Self.registration(id: id, applicationID: applicationID, portalID: portalID, in: db) else { return nil }
            if before.status != status {
                try db.execute(sql: "UPDATE application_registrations SET status = ?, updated_at = ? WHERE id = ?",
                               arguments: [status.rawValue, audit.at.stored, id])
                if before.status == .approved {
                    try KeyRequestRepository.deleteIssuedCredentials(registrationID: id, in: db)
                }
                if status == .approved {
                    let mail = approvalMail(before)
                    _ = try OutboxRepository.enqueue(
                        OutboxMessage(portalID: portalID, recipient: mail.recipient, subject: mail.subject, body: mail.body, createdAt: audit.at),
                        in: db)
                }
            }
            try audit.record(in: db)
            return try Self.registration(id: id, applicationID: applicationID, portalID: portalID, in: db)
        }
    }

    public func deleteRegistration(id: String, applicationID: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.write { db in
            guard try ApplicationRegistration
                .filter(Column("id") == id && Column("application_id") == applicationID && Column("portal_id") == portalID)
                .fetchCount(db) == 1
            else { return false }
            try KeyRequestRepository.deleteIssuedCredentials(registrationID: id, in: db)
            try db.execute(sql: "DELETE FROM application_registrations WHERE id = ?", arguments: [id])
            try audit.record(in: db)
            return true
        }
    }
}
