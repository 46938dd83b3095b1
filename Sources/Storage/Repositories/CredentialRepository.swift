import Foundation
import GRDB

/// A developer's own gateway credentials (seed 000 `/credentials/key-auth` and `/credentials/jwt`).
/// Every lookup is scoped by developer and portal: another developer's credential is not found.
public struct CredentialRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    // MARK: key-auth

    /// One page of the developer's key-auth credentials, in creation order.
    public func keyAuthPage(developerID: String, portalID: String, _ page: PageRequest) throws(StorageError) -> Page<KeyAuthCredential> {
        try database.page(Self.ownedKeyAuth, developerID: developerID, portalID: portalID, page)
    }

    /// How many key-auth credentials the developer has in the portal.
    public func keyAuthCount(developerID: String, portalID: String) throws(StorageError) -> Int {
        try database.count(Self.ownedKeyAuth, developerID: developerID, portalID: portalID)
    }

    /// The developer's key-auth credentials as the request path lists them (the dashboard, the API).
    static let ownedKeyAuth = OwnedList<KeyAuthCredential>(
        table: "key_auth_credentials", columns: "id, key, created_at",
        decode: { row, owner throws(StorageError) in
            KeyAuthCredential(id: row.text(0), portalID: owner.portalID, developerID: owner.developerID, key: row.text(1), createdAt: try row.date(2))
        },
        id: \.id)

    /// Inserts a key-auth credential. A key already used in the portal throws `.uniqueViolation`.
    public func createKeyAuth(_ credential: KeyAuthCredential) throws(StorageError) {
        try database.write { db in try credential.insert(db) }
    }

    /// The developer's key-auth credential with this id.
    public func findKeyAuth(id: String, developerID: String, portalID: String) throws(StorageError) -> KeyAuthCredential? {
        try database.read { db in
            try KeyAuthCredential
                .filter(Column("id") == id && Column("developer_id") == developerID && Column("portal_id") == portalID)
                .fetchOne(db)
        }
    }

    // MARK: JWT

    /// One page of the developer's JWT credentials, in creation order.
    public func jwtPage(developerID: String, portalID: String, _ page: PageRequest) throws(StorageError) -> Page<JWTCredential> {
        let request = JWTCredential.filter(Column("developer_id") == developerID && Column("portal_id") == portalID)
        return try database.page(request, page, id: \.id)
    }

    /// Inserts a JWT credential. A key already used in the portal throws `.uniqueViolation`.
    public func createJWT(_ credential: JWTCredential) throws(StorageError) {
        try database.write { db in try credential.insert(db) }
    }

    /// The developer's JWT credential with this id.
    public func findJWT(id: String, developerID: String, portalID: String) throws(StorageError) -> JWTCredential? {
        try database.read { db in
            try JWTCredential
                .filter(Column("id") == id && Column("developer_id") == developerID && Column("portal_id") == portalID)
                .fetchOne(db)
        }
    }

    /// Saves the key, secret, algorithm and public key of `credential`, if it still exists and
    /// belongs to its developer and portal; returns false otherwise. A key already used by another
    /// credential of the portal throws `.uniqueViolation`.
    public func updateJWT(_ credential: JWTCredential) throws(StorageError) -> Bool {
        try database.write { db in
            // Scoped by owner in the WHERE clause, not only by the earlier find: the row may have
            // been deleted (or the caller may hold a stale copy) between the two.
            try db.execute(
                sql: """
                    UPDATE jwt_credentials SET key = ?, secret = ?, algorithm = ?, rsa_public_key = ?
                    WHERE id = ? AND developer_id = ? AND portal_id = ?
                    """,
                arguments: [
                    credential.key, credential.secret, credential.algorithm.rawValue, credential.rsaPublicKey,
                    credential.id, credential.developerID, credential.portalID,
                ])
            return db.changesCount > 0
        }
    }

    /// Deletes the developer's JWT credential with this id; false when there was none.
    public func deleteJWT(id: String, developerID: String, portalID: String) throws(StorageError) -> Bool {
        try database.write { db in
            try JWTCredential
                .filter(Column("id") == id && Column("developer_id") == developerID && Column("portal_id") == portalID)
                .deleteAll(db) > 0
        }
    }
}
