import Foundation
import GRDB

/// Project tokens: creation (the secret is returned once), lookup by secret, listing and revocation.
public struct ProjectTokenRepository: Sendable {
    let database: PortalDatabase
    /// `last_used_date` is written at most this often per token, so reads stay reads.
    static let touchInterval: TimeInterval = 60

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// Stores `token` (whose `secretHash` is the hash of a secret the caller keeps).
    public func create(_ token: ProjectToken) throws(StorageError) {
        try database.write { db in try token.insert(db) }
    }

    /// The live token whose secret is `secret`, or nil when unknown, deleted or expired. Looked up by
    /// the secret's SHA-256 (an index probe): the secret itself is never compared, and the hash of a
    /// 256-bit random secret tells a timing observer nothing. Records the use.
    public func authenticate(secret: String, now: Date) throws(StorageError) -> ProjectToken? {
        let hash = SecretToken.hash(secret)
        let found = try database.direct.first(.projectToken, hash) { row throws(StorageError) in try ProjectToken(direct: row) }
        guard var token = found else { return nil }
        if let validDate = token.validDate, validDate <= now { return nil }
        if token.lastUsedDate.map({ now.timeIntervalSince($0) >= Self.touchInterval }) ?? true {
            try database.write { db in
                try db.execute(sql: "UPDATE project_tokens SET last_used_date = ? WHERE id = ?", arguments: [now.stored, token.id])
            }
            token.lastUsedDate = now
        }
        return token
    }

    /// Tokens of `portalID` (nil: root tokens), oldest first.
    public func list(portalID: String?) throws(StorageError) -> [ProjectToken] {
        try database.read { db in
            try ProjectToken.filter(Column("portal_id") == portalID).order(Column("issue_date"), Column("id")).fetchAll(db)
        }
    }

    /// Every token, root tokens first (the CLI's list).
    public func all() throws(StorageError) -> [ProjectToken] {
        try database.read { db in
            try ProjectToken.order(sql: "portal_id IS NOT NULL, portal_id, issue_date, id").fetchAll(db)
        }
    }

    /// Deletes the token `id` of `portalID` (nil: any token, for the CLI). False when there is none.
    public func delete(id: String, portalID: String?) throws(StorageError) -> Bool {
        try database.write { db in
            if let portalID {
                try db.execute(sql: "DELETE FROM project_tokens WHERE id = ? AND portal_id = ?", arguments: [id, portalID])
            } else {
                try db.execute(sql: "DELETE FROM project_tokens WHERE id = ?", arguments: [id])
            }
            return db.changesCount > 0
        }
    }
}
