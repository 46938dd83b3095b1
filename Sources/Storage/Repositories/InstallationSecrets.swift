import Foundation
import GRDB

/// Secrets that belong to this installation rather than to a portal, created on first use
/// and shared by every worker through the database.
public struct InstallationSecrets: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// The secret named `name`, made of 256 random bits the first time it is asked for.
    public func secret(named name: String, now: Date = Date()) throws(StorageError) -> String {
        // Read first: every worker asks at start, and a write transaction there would make a starting
        // worker wait for (and, past the busy timeout, die of) any long write elsewhere.
        let stored = try database.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM installation_secrets WHERE name = ?", arguments: [name])
        }
        if let stored { return stored }
        return try database.write { db in
            if let existing = try String.fetchOne(db, sql: "SELECT value FROM installation_secrets WHERE name = ?", arguments: [name]) {
                return existing
            }
            let value = SecretToken.generate()
            try db.execute(
                sql: "INSERT INTO installation_secrets (name, value, created_at) VALUES (?, ?, ?)",
                arguments: [name, value, now.stored])
            return value
        }
    }
}
