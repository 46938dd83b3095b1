import Foundation
import GRDB

/// Developer accounts, always looked up within one portal.
public struct DeveloperRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// Inserts a developer. An email already registered in the portal throws `.uniqueViolation`.
    public func create(_ developer: Developer) throws(StorageError) {
        try database.write { db in try developer.insert(db) }
    }

    /// The developer of `portalID` with this email (case-insensitive).
    public func find(portalID: String, email: String) throws(StorageError) -> Developer? {
        try database.read { db in
            try Developer
                .filter(Column("portal_id") == portalID && Column("email") == email)
                .fetchOne(db)
        }
    }

    /// The developer of `portalID` with this id; another portal's developer is not found.
    public func find(portalID: String, id: String) throws(StorageError) -> Developer? {
        try database.read { db in
            try Developer
                .filter(Column("portal_id") == portalID && Column("id") == id)
                .fetchOne(db)
        }
    }

    /// Replaces the stored password hash (rehash at login after a parameter change).
    public func updatePasswordHash(developerID: String, hash: String, now: Date = Date()) throws(StorageError) {
        try database.write { db in
            try db.execute(
                sql: "UPDATE developers SET password_hash = ?, updated_at = ? WHERE id = ?",
                arguments: [hash, now.stored, developerID])
        }
    }
}
