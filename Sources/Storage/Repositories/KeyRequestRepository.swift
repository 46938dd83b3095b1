import Foundation
import GRDB

/// A key request (seed 002) as the admin sees it: a developer's registration of an application to a
/// product version, with everything the Tyk-shaped reply shows.
public struct KeyRequest: Sendable, Equatable {
    public var registration: ApplicationRegistration
    /// The request's form fields (seed 002 `fields`), a JSON object's text.
    public var fields: String
    public var application: DeveloperApplication
    public var developer: Developer
    /// When the developer last logged in and set a password.
    public var developerActivity: DeveloperActivity
    public var version: ProductVersion
    public var product: Product
    /// The developer's issued credentials by product version: key-auth credential ids and OAuth2
    /// clients of their applications (seed 002 `portal_developer.keys` / `oauth_clients`).
    public var developerKeys: [(credentialID: String, versionID: String)]
    public var developerClients: [(versionID: String, credential: ApplicationCredential, redirectURI: String, description: String)]

    public static func == (lhs: KeyRequest, rhs: KeyRequest) -> Bool {
        lhs.registration == rhs.registration && lhs.fields == rhs.fields
    }
}

/// The credential an approval issues, chosen by the version's auth strategy. Secrets are made by the
/// caller; basic-auth passwords are stored as their SHA-256 only.
public enum IssuedCredential: Sendable, Equatable {
    case key(String)
    case basicAuth(username: String, password: String)
    case oauth2(clientID: String, secret: String)
}

/// Why a key request cannot be approved.
public enum ApprovalRefusal: Error, Sendable, Equatable {
    case notFound
    case alreadyApproved
    /// The version is unpublished or no longer takes registrations.
    case versionClosed
    /// The developer's account is not approved (pending, revoked, …).
    case developerInactive
}

/// Key requests over the registrations table: list, create, update, delete and approve.
public struct KeyRequestRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// One page (`pageSize` items, newest first) of the portal's key requests, filtered by approval;
    /// `page` nil means all. Returns the items and the number of pages.
    public func list(portalID: String, approved: Bool?, page: Int?, pageSize: Int = 10) throws(StorageError) -> (items: [KeyRequest], pages: Int) {
        try database.read { db in
            var request = ApplicationRegistration.filter(Column("portal_id") == portalID)
            if let approved {
                request = approved ? request.filter(Column("status") == "approved") : request.filter(Column("status") != "approved")
            }
            let total = try request.fetchCount(db)
            request = request.order(Column("created_at").desc, Column("id"))
            if let page { request = request.limit(pageSize, offset: max(0, page - 1) * pageSize) }
            // Requests of one developer or one version share what is looked up for them (`p=-1` lists all).
            var cache = LoadCache()
            let items = try Row.fetchAll(db, request).compactMap { try Self.load($0, cache: &cache, in: db) }
            return (items, page == nil ? (total > 0 ? 1 : 0) : (total + pageSize - 1) / pageSize)
        }
    }

    /// The key request `id` of `portalID`.
    public func find(id: String, portalID: String) throws(StorageError) -> KeyRequest? {
        try database.read { db in try Self.load(id: id, portalID: portalID, in: db) }
    }

    /// What a new key request names.
    public struct NewRequest: Sendable {
        public var portalID: String
        public var developerID: String
        public var versionID: String
        /// The application to register; nil: a new application for this request, named `applicationName`.
        public var applicationID: String?
        public var applicationName: String
        public var fields: String
        public var now: Date

        public init(portalID: String, developerID: String, versionID: String, applicationID: String?, applicationName: String, fields: String, now: Date) {
            self.portalID = portalID
            self.developerID = developerID
            self.versionID = versionID
            self.applicationID = applicationID
            self.applicationName = applicationName
            self.fields = fields
            self.now = now
        }
    }

    /// Why a key request cannot be created.
    public enum CreationRefusal: Error, Sendable, Equatable {
        case unknownDeveloper, unknownApplication, versionClosed
    }

    /// Creates a pending key request (a registration) in one transaction. A second request of the same
    /// application for the same version throws `.uniqueViolation`.
    public func create(_ new: NewRequest) throws(StorageError) -> Result<String, CreationRefusal> {
        try database.write { db in
            guard try Developer.filter(Column("id") == new.developerID && Column("portal_id") == new.portalID).fetchCount(db) == 1 else {
                return .failure(.unknownDeveloper)
            }
            guard let version = try CatalogRepository.openForRegistration(portalID: new.portalID)
                .filter(Column("id") == new.versionID).fetchOne(db)
            else { return .failure(.versionClosed) }
            let applicationID: String
            if let existing = new.applicationID {
                guard try DeveloperApplication.filter(
                    Column("id") == existing && Column("developer_id") == new.developerID && Column("portal_id") == new.portalID
                ).fetchCount(db) == 1 else { return .failure(.unknownApplication) }
                applicationID = existing
            } else {
                let application = DeveloperApplication(
                    portalID: new.portalID, developerID: new.developerID, name: new.applicationName, redirectURI: "", createdAt: new.now)
                try application.insert(db)
                applicationID = application.id
            }
            let registration = ApplicationRegistration(
                portalID: new.portalID, applicationID: applicationID, productVersionID: version.id, status: .pending, createdAt: new.now)
            try registration.insert(db)
            try db.execute(
                sql: "UPDATE application_registrations SET request_fields = ? WHERE id = ?", arguments: [new.fields, registration.id])
            return .success(registration.id)
        }
    }

    /// Replaces the request's fields and, with `revoke`, withdraws an approval (status revoked).
    /// False when there is no such request.
    public func update(id: String, portalID: String, fields: String?, revoke: Bool, now: Date) throws(StorageError) -> Bool {
        try database.write { db in
            guard try ApplicationRegistration.filter(Column("id") == id && Column("portal_id") == portalID).fetchCount(db) == 1 else {
                return false
            }
            if let fields {
                try db.execute(sql: "UPDATE application_registrations SET request_fields = ?, updated_at = ? WHERE id = ?", arguments: [fields, now.stored, id])
            }
            if revoke {
                try db.execute(
                    sql: "UPDATE application_registrations SET status = 'revoked', updated_at = ? WHERE id = ? AND status = 'approved'",
                    arguments: [now.stored, id])
                try Self.deleteIssuedCredentials(registrationID: id, in: db)
            }
            return true
        }
    }

    /// Deletes the request (the registration; the application stays) and the key or basic-auth user its
    /// approval issued. False when there is none.
    public func delete(id: String, portalID: String) throws(StorageError) -> Bool {
        try database.write { db in
            guard try ApplicationRegistration.filter(Column("id") == id && Column("portal_id") == portalID).fetchCount(db) == 1 else {
                return false
            }
            try Self.deleteIssuedCredentials(registrationID: id, in: db)
            try db.execute(sql: "DELETE FROM application_registrations WHERE id = ?", arguments: [id])
            return true
        }
    }

    /// A withdrawn approval takes its credential with it: the API key or basic-auth user it issued.
    /// (OAuth2 clients belong to the application, which the developer manages.)
    static func deleteIssuedCredentials(registrationID: String, in db: Database) throws {
        try db.execute(sql: "DELETE FROM key_auth_credentials WHERE registration_id = ?", arguments: [registrationID])
        try db.execute(sql: "DELETE FROM basic_auth_credentials WHERE registration_id = ?", arguments: [registrationID])
    }

    /// Approves the request and stores the credential `issue` makes for its version's auth strategy,
    /// and queues `mail` — one transaction, so an approval never exists without its credential and a
    /// second approval (409) never issues a second one.
    public func approve(
        id: String, portalID: String, now: Date,
        issue: (ProductVersion.AuthStrategy) -> IssuedCredential, mail: (KeyRequest, IssuedCredential) -> OutgoingMail
    ) throws(StorageError) -> Result<(KeyRequest, IssuedCredential), ApprovalRefusal> {
        try database.write { db in
            guard var request = try Self.load(id: id, portalID: portalID, in: db) else { return .failure(.notFound) }
            guard request.registration.status != .approved else { return .failure(.alreadyApproved) }
            guard request.version.publishStatus == .published, request.version.applicationRegistrationEnabled, request.version.inPortal else {
                return .failure(.versionClosed)
            }
            guard request.developer.status == .approved else { return .failure(.developerInactive) }
            try db.execute(
                sql: "UPDATE application_registrations SET status = 'approved', updated_at = ? WHERE id = ?", arguments: [now.stored, id])
            request.registration.status = .approved
            request.registration.updatedAt = now
            let credential = issue(request.version.authStrategy)
            switch credential {
            case .key(let key):
                try db.execute(sql: """
                    INSERT INTO key_auth_credentials (id, portal_id, developer_id, key, created_at, registration_id)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [UUID().uuidString.lowercased(), portalID, request.developer.id, key, now.stored, id])
            case let .basicAuth(username, password):
                try db.execute(sql: """
                    INSERT INTO basic_auth_credentials (id, portal_id, developer_id, registration_id, username, password_hash, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [UUID().uuidString.lowercased(), portalID, request.developer.id, id, username, SecretToken.hash(password), now.stored])
            case let .oauth2(clientID, secret):
                try ApplicationCredential(
                    portalID: portalID, applicationID: request.application.id, name: "\(request.product.name) \(request.version.name)",
                    clientID: clientID, clientSecret: SecretToken.hash(secret), hashSecret: true, clientType: "confidential",
                    redirectURIs: request.application.redirectURI.isEmpty ? [] : [request.application.redirectURI], createdAt: now
                ).insert(db)
            }
            let message = mail(request, credential)
            _ = try OutboxRepository.enqueue(
                OutboxMessage(portalID: portalID, recipient: message.recipient, subject: message.subject, body: message.body, createdAt: now),
                in: db)
            return .success((request, credential))
        }
    }

    /// The username and password-hash pair of a basic-auth credential (tests, the gateway side).
    public func basicAuthPasswordHash(username: String, portalID: String) throws(StorageError) -> String? {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT password_hash FROM basic_auth_credentials WHERE username = ? AND portal_id = ?",
                                arguments: [username, portalID])
        }
    }

    /// What `load` looked up already, by id.
    private struct LoadCache {
        var versions: [String: (ProductVersion, Product)] = [:]
        var credentials: [String: ([(credentialID: String, versionID: String)], [(versionID: String, credential: ApplicationCredential, redirectURI: String, description: String)])] = [:]
        var activity: [String: DeveloperActivity] = [:]
    }

    /// The key request `id` of `portalID`.
    private static func load(id: String, portalID: String, in db: Database) throws -> KeyRequest? {
        guard let row = try Row.fetchOne(db, ApplicationRegistration.filter(Column("id") == id && Column("portal_id") == portalID))
        else { return nil }
        var cache = LoadCache()
        return try load(row, cache: &cache, in: db)
    }

    /// A key request from its registration's row (which carries `request_fields`).
    private static func load(_ row: Row, cache: inout LoadCache, in db: Database) throws -> KeyRequest? {
        let registration = try ApplicationRegistration(row: row)
        guard let application = try DeveloperApplication.fetchOne(db, key: registration.applicationID),
              let developer = try Developer.fetchOne(db, key: application.developerID)
        else { return nil }
        if cache.versions[registration.productVersionID] == nil,
           let version = try ProductVersion.fetchOne(db, key: registration.productVersionID),
           let product = try Product.fetchOne(db, key: version.productID) {
            cache.versions[version.id] = (version, product)
        }
        guard let (version, product) = cache.versions[registration.productVersionID] else { return nil }
        if cache.credentials[developer.id] == nil {
            cache.credentials[developer.id] = try credentials(of: developer.id, in: db)
            cache.activity[developer.id] = try DeveloperActivity.of(developer.id, in: db)
        }
        let (keys, clients) = cache.credentials[developer.id] ?? ([], [])
        return KeyRequest(
            registration: registration, fields: row["request_fields"] ?? "{}", application: application, developer: developer,
            developerActivity: cache.activity[developer.id] ?? DeveloperActivity(),
            version: version, product: product, developerKeys: keys, developerClients: clients)
    }

    /// The key-auth credentials approvals issued to a developer and the OAuth2 clients of their
    /// approved applications, by product version.
    private static func credentials(of developerID: String, in db: Database) throws
        -> ([(credentialID: String, versionID: String)], [(versionID: String, credential: ApplicationCredential, redirectURI: String, description: String)])
    {
        let keys = try Row.fetchAll(db, sql: """
            SELECT k.id, r.product_version_id FROM key_auth_credentials k
            JOIN application_registrations r ON r.id = k.registration_id
            WHERE k.developer_id = ? ORDER BY k.created_at, k.id
            """, arguments: [developerID]).map { (credentialID: $0[0] as String, versionID: $0[1] as String) }
        let clients = try Row.fetchAll(db, sql: """
            SELECT c.*, r.product_version_id AS version_id, a.redirect_uri AS app_redirect_uri, a.description AS app_description
            FROM application_credentials c
            JOIN applications a ON a.id = c.application_id
            JOIN application_registrations r ON r.application_id = a.id AND r.status = 'approved'
            WHERE a.developer_id = ? ORDER BY c.created_at, c.id
            """, arguments: [developerID]).map { row in
            (versionID: row["version_id"] as String, credential: try ApplicationCredential(row: row),
             redirectURI: row["app_redirect_uri"] as String, description: row["app_description"] as String)
        }
        return (keys, clients)
    }
}
