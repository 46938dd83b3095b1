import Foundation
import GRDB

/// How long sessions live.
public struct SessionLifetime: Sendable, Equatable {
    /// A session unused for this long ends.
    public var idleTimeout: TimeInterval
    /// A session ends this long after login, however active.
    public var absoluteTimeout: TimeInterval

    public init(idleTimeout: TimeInterval, absoluteTimeout: TimeInterval) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
    }
}

/// Developer sessions. The client holds a random id; the table holds its SHA-256 only.
public struct SessionRepository: Sendable {
    let database: PortalDatabase
    let lifetime: SessionLifetime
    /// `last_seen_at` is written at most this often per session, so reads stay reads.
    static let touchInterval: TimeInterval = 60

    public init(_ database: PortalDatabase, lifetime: SessionLifetime) {
        self.database = database
        self.lifetime = lifetime
    }

    /// Starts a session and returns the id to hand to the client. `replacing`, the id the client
    /// presented, if any, is revoked in the same transaction (rotation at login).
    /// `clearingFailuresOf` names the address whose failed password checks (`LoginThrottleRepository`)
    /// a successful login forgets, in the same transaction.
    public func start(
        developer: Developer, replacing oldToken: String? = nil, clearingFailuresOf email: String? = nil, now: Date = Date()
    ) throws(StorageError) -> String {
        let token = SecretToken.generate()
        let session = Session(
            tokenHash: SecretToken.hash(token), developerID: developer.id, portalID: developer.portalID,
            createdAt: now, lastSeenAt: now, expiresAt: now.addingTimeInterval(lifetime.absoluteTimeout))
        try database.write { db in
            if let oldToken {
                _ = try Session.deleteOne(db, key: SecretToken.hash(oldToken))
            }
            try session.insert(db)
            if let email {
                try db.execute(sql: "DELETE FROM login_failures WHERE portal_id = ? AND email = ?", arguments: [developer.portalID, email])
            }
            DeveloperActivity.record(.lastLogin, of: developer.id, at: now, in: db)
        }
        return token
    }

    /// The developer owning the live session `token` in `portalID`, or nil when the session is
    /// unknown, expired (idle or absolute), in another portal, or its developer is no longer approved.
    public func developer(forToken token: String, portalID: String, now: Date = Date()) throws(StorageError) -> Developer? {
        try authenticate(token: token, portalID: portalID, now: now)?.developer
    }

    /// The live session `token` in `portalID` with its developer (see `developer(forToken:)`).
    public func authenticate(token: String, portalID: String, now: Date = Date()) throws(StorageError) -> (session: Session, developer: Developer)? {
        let hash = SecretToken.hash(token)
        // The hot path of every authenticated request: one direct read, the session and its developer
        // from one row (the developer's columns, then the session's).
        let found = try database.direct.first(.sessionWithDeveloper, hash, portalID) { row throws(StorageError) in
            let developer = try Developer(direct: row)
            let session = Session(
                tokenHash: hash, developerID: developer.id, portalID: portalID, createdAt: try row.date(9),
                lastSeenAt: try row.date(10), expiresAt: try row.date(11))
            return (session, developer)
        }
        guard let (session, developer) = found else { return nil }
        let idleDeadline = session.lastSeenAt.addingTimeInterval(lifetime.idleTimeout)
        guard now < session.expiresAt, now < idleDeadline, developer.status == .approved else {
            try revoke(token: token)
            return nil
        }
        if now.timeIntervalSince(session.lastSeenAt) >= Self.touchInterval {
            try database.write { db in
                try db.execute(
                    sql: "UPDATE sessions SET last_seen_at = ? WHERE token_hash = ?", arguments: [now.stored, hash])
            }
        }
        return (session, developer)
    }

    /// Ends one session (logout). Ending an unknown session is not an error.
    public func revoke(token: String) throws(StorageError) {
        try database.write { db in _ = try Session.deleteOne(db, key: SecretToken.hash(token)) }
    }

    /// Ends every session of a developer (password change, account deletion).
    public func revokeAll(developerID: String) throws(StorageError) {
        try database.write { db in
            _ = try Session.filter(Column("developer_id") == developerID).deleteAll(db)
        }
    }

    /// Deletes sessions past their absolute expiry or idle for longer than the idle timeout.
    @discardableResult
    public func purgeExpired(now: Date = Date()) throws(StorageError) -> Int {
        try database.write { db in
            try db.execute(
                sql: "DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                arguments: [now.stored, now.addingTimeInterval(-lifetime.idleTimeout).stored])
            return db.changesCount
        }
    }
}
