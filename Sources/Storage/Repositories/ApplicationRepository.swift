import Foundation
import GRDB

/// Developers' applications with their registrations and OAuth2 credentials.
/// Applications are always looked up by developer and portal; registrations and credentials by
/// application and portal, after the caller found the application for its developer.
public struct ApplicationRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    // MARK: applications

    /// Inserts an application.
    public func create(_ application: DeveloperApplication) throws(StorageError) {
        try database.write { db in try application.insert(db) }
    }

    /// The developer's application with this id; another developer's or portal's is not found.
    public func find(id: String, developerID: String, portalID: String) throws(StorageError) -> DeveloperApplication? {
        try database.read { db in try Self.owned(id: id, developerID: developerID, portalID: portalID).fetchOne(db) }
    }

    /// One page of the developer's applications, in creation order.
    public func page(developerID: String, portalID: String, _ page: PageRequest) throws(StorageError) -> Page<DeveloperApplication> {
        try database.page(Self.owned, developerID: developerID, portalID: portalID, page)
    }

    /// The developer's applications as the request path lists them (the dashboard, `GET /applications`).
    static let owned = OwnedList<DeveloperApplication>(
        table: "applications", columns: DeveloperApplication.directColumns,
        decode: { row, owner throws(StorageError) in try DeveloperApplication(direct: row, developerID: owner.developerID, portalID: owner.portalID) },
        id: \.id)

    /// Saves the name, description, redirect URI and update time of `application` if it still
    /// exists for its developer and portal; false otherwise.
    public func update(_ application: DeveloperApplication) throws(StorageError) -> Bool {
        try database.write { db in
            // Scoped in the WHERE clause too: the row may have gone since the caller read it.
            try db.execute(
                sql: """
                    UPDATE applications SET name = ?, description = ?, redirect_uri = ?, updated_at = ?
                    WHERE id = ? AND developer_id = ? AND portal_id = ?
                    """,
                arguments: [
                    application.name, application.description, application.redirectURI, application.updatedAt.stored,
                    application.id, application.developerID, application.portalID,
                ])
            return db.changesCount > 0
        }
    }

    /// Deletes the developer's application with this id, and by cascade its registrations and
    /// credentials; false when there was none.
    public func delete(id: String, developerID: String, portalID: String) throws(StorageError) -> Bool {
        try database.write { db in
            try Self.owned(id: id, developerID: developerID, portalID: portalID).deleteAll(db) > 0
        }
    }

    static func owned(id: String, developerID: String, portalID: String) -> QueryInterfaceRequest<DeveloperApplication> {
        DeveloperApplication.filter(Column("id") == id && Column("developer_id") == developerID && Column("portal_id") == portalID)
    }

    // MARK: registrations (application instances)

    /// Registers the application to the portal's application service `serviceID`: pending, or
    /// approved when the version auto-approves. Returns nil when no published version of the
    /// portal with that id takes registrations. A second registration to the same version throws
    /// `.uniqueViolation`; an application deleted meanwhile throws `.foreignKeyViolation`.
    public func register(
        applicationID: String, portalID: String, serviceID: String, consumer developerID: String? = nil, now: Date = Date()
    ) throws(StorageError) -> ApplicationRegistration? {
        try database.write { db in
            // Read the version in the same transaction as the insert, so a version unpublished
            // meanwhile cannot be registered to. With RBAC (`consumer`), the developer's teams must
            // hold the consumer role on the product.
            guard let service = try CatalogRepository.openForRegistration(
                portalID: portalID, visibleTo: developerID, roles: [TeamRepository.consumerRole])
                .filter(Column("id") == serviceID).fetchOne(db)
            else { return nil }
            let registration = ApplicationRegistration(
                portalID: portalID, applicationID: applicationID, productVersionID: service.id,
                status: service.autoApproveRegistration ? .approved : .pending, createdAt: now)
            try registration.insert(db)
            return registration
        }
    }

    /// One page of the application's registrations, in creation order.
    public func registrations(applicationID: String, portalID: String, _ page: PageRequest) throws(StorageError) -> Page<ApplicationRegistration> {
        let request = ApplicationRegistration.filter(Column("application_id") == applicationID && Column("portal_id") == portalID)
        return try database.page(request, page, id: \.id)
    }

    /// The application's registration with this id.
    public func findRegistration(id: String, applicationID: String, portalID: String) throws(StorageError) -> ApplicationRegistration? {
        try database.read { db in
            try ApplicationRegistration
                .filter(Column("id") == id && Column("application_id") == applicationID && Column("portal_id") == portalID)
                .fetchOne(db)
        }
    }

    /// Deletes the application's registration with this id; false when there was none.
    public func deleteRegistration(id: String, applicationID: String, portalID: String) throws(StorageError) -> Bool {
        try database.write { db in
            let owned = ApplicationRegistration
                .filter(Column("id") == id && Column("application_id") == applicationID && Column("portal_id") == portalID)
            guard try owned.fetchCount(db) == 1 else { return false }
            // The key or basic-auth user an approval issued goes with the registration.
            try KeyRequestRepository.deleteIssuedCredentials(registrationID: id, in: db)
            return try owned.deleteAll(db) > 0
        }
    }

    // MARK: OAuth2 credentials

    /// Inserts a credential. A `client_id` already used throws `.uniqueViolation`.
    public func createCredential(_ credential: ApplicationCredential) throws(StorageError) {
        try database.write { db in try credential.insert(db) }
    }

    /// One page of the application's credentials, in creation order.
    public func credentials(applicationID: String, portalID: String, _ page: PageRequest) throws(StorageError) -> Page<ApplicationCredential> {
        let request = ApplicationCredential.filter(Column("application_id") == applicationID && Column("portal_id") == portalID)
        return try database.page(request, page, id: \.id)
    }

    /// The application's credential with this id.
    public func findCredential(id: String, applicationID: String, portalID: String) throws(StorageError) -> ApplicationCredential? {
        try database.read { db in
            try ApplicationCredential
                .filter(Column("id") == id && Column("application_id") == applicationID && Column("portal_id") == portalID)
                .fetchOne(db)
        }
    }

    /// Deletes the application's credential with this id; false when there was none.
    public func deleteCredential(id: String, applicationID: String, portalID: String) throws(StorageError) -> Bool {
        try database.write { db in
            try ApplicationCredential
                .filter(Column("id") == id && Column("application_id") == applicationID && Column("portal_id") == portalID)
                .deleteAll(db) > 0
        }
    }
}
