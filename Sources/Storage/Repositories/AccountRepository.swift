import Foundation
import GRDB

/// An email to write to the outbox together with an account change.
public struct OutgoingMail: Sendable {
    public var recipient: String
    public var subject: String
    public var body: String

    public init(recipient: String, subject: String, body: String) {
        self.recipient = recipient
        self.subject = subject
        self.body = body
    }
}

/// Account changes that must happen atomically with a token or an email: sign-up, verification,
/// password reset, email change, deletion. The outbox row is written in the same transaction.
public struct AccountRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// Inserts a developer, with an optional single-use token and an optional email (built from the
    /// token's id by `mail`). Returns the outbox id of the email. A taken email throws `.uniqueViolation`.
    public func register(
        _ developer: Developer, token: OneTimeToken?, mail: OutgoingMail?
    ) throws(StorageError) -> Int64? {
        try database.write { db in
            try developer.insert(db)
            if let token { try token.insert(db) }
            guard let mail else { return nil }
            return try OutboxRepository.enqueue(
                OutboxMessage(portalID: developer.portalID, recipient: mail.recipient, subject: mail.subject, body: mail.body, createdAt: developer.createdAt),
                in: db)
        }
    }

    /// Issues a new token of `token.purpose` (earlier unused ones of that purpose stop working) and
    /// queues its email. Returns the outbox id.
    public func issue(_ token: OneTimeToken, portalID: String, mail: OutgoingMail) throws(StorageError) -> Int64 {
        try database.write { db in
            try Self.consumeOutstanding(developerID: token.developerID, purpose: token.purpose, now: token.createdAt, in: db)
            try token.insert(db)
            return try OutboxRepository.enqueue(
                OutboxMessage(portalID: portalID, recipient: mail.recipient, subject: mail.subject, body: mail.body, createdAt: token.createdAt),
                in: db)
        }
    }

    /// The token with this id if it is of `purpose`, unused and unexpired (does not consume it).
    public func usableToken(id: String, purpose: OneTimeToken.Purpose, now: Date) throws(StorageError) -> OneTimeToken? {
        try database.read { db in
            try OneTimeToken
                .filter(Column("id") == id && Column("purpose") == purpose.rawValue && Column("consumed_at") == nil && Column("expires_at") > now)
                .fetchOne(db)
        }
    }

    /// Marks a token used; false if it was not usable (already used, expired, wrong purpose).
    public func invalidate(tokenID: String, purpose: OneTimeToken.Purpose, now: Date) throws(StorageError) -> Bool {
        try database.write { db in try Self.consume(tokenID, purpose: purpose, now: now, in: db) != nil }
    }

    /// Consumes a verification token and sets the developer's new status. Returns the developer
    /// after the change, or nil if the token was not usable.
    public func verify(
        tokenID: String, now: Date, newStatus: (Developer) -> Developer.Status
    ) throws(StorageError) -> Developer? {
        try database.write { db in
            guard let token = try Self.consume(tokenID, purpose: .verifyAccount, now: now, in: db),
                  var developer = try Developer.fetchOne(db, key: token.developerID)
            else { return nil }
            if developer.status == .unverified {
                developer.status = newStatus(developer)
                developer.updatedAt = now
                try developer.update(db)
            }
            return developer
        }
    }

    /// Consumes a reset token, stores the new password hash and ends every session of the
    /// developer. False if the token was not usable.
    public func resetPassword(tokenID: String, passwordHash: String, now: Date) throws(StorageError) -> Bool {
        try database.write { db in
            guard let token = try Self.consume(tokenID, purpose: .resetPassword, now: now, in: db) else { return false }
            try Self.setPassword(developerID: token.developerID, passwordHash: passwordHash, now: now, in: db)
            return true
        }
    }

    /// Stores a new password hash and ends every session of the developer (password change).
    public func changePassword(developerID: String, passwordHash: String, now: Date) throws(StorageError) {
        try database.write { db in
            try Self.setPassword(developerID: developerID, passwordHash: passwordHash, now: now, in: db)
        }
    }

    /// Changes the email address (unique per portal: a taken one throws `.uniqueViolation`).
    public func changeEmail(developerID: String, email: String, now: Date) throws(StorageError) -> Developer? {
        try database.write { db in
            try db.execute(
                sql: "UPDATE developers SET email = ?, updated_at = ? WHERE id = ?", arguments: [email, now, developerID])
            return try Developer.fetchOne(db, key: developerID)
        }
    }

    /// Replaces the developer's meta JSON.
    public func changeMeta(developerID: String, meta: String, now: Date) throws(StorageError) {
        try database.write { db in
            try db.execute(
                sql: "UPDATE developers SET meta = ?, updated_at = ? WHERE id = ?", arguments: [meta, now, developerID])
        }
    }

    /// Deletes the developer; sessions, tokens, credentials, applications and their registrations
    /// and credentials go with it (ON DELETE CASCADE).
    public func delete(developerID: String, portalID: String) throws(StorageError) -> Bool {
        try database.write { db in
            try db.execute(sql: "DELETE FROM developers WHERE id = ? AND portal_id = ?", arguments: [developerID, portalID])
            return db.changesCount > 0
        }
    }

    /// A new password ends every session: whoever held one may have known the old password.
    private static func setPassword(developerID: String, passwordHash: String, now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE developers SET password_hash = ?, updated_at = ? WHERE id = ?",
            arguments: [passwordHash, now, developerID])
        try db.execute(sql: "DELETE FROM sessions WHERE developer_id = ?", arguments: [developerID])
    }

    private static func consume(_ id: String, purpose: OneTimeToken.Purpose, now: Date, in db: Database) throws -> OneTimeToken? {
        try OneTimeToken.fetchOne(db, sql: """
            UPDATE one_time_tokens SET consumed_at = ?
            WHERE id = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ?
            RETURNING *
            """, arguments: [now, id, purpose.rawValue, now])
    }

    private static func consumeOutstanding(developerID: String, purpose: OneTimeToken.Purpose, now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE one_time_tokens SET consumed_at = ? WHERE developer_id = ? AND purpose = ? AND consumed_at IS NULL",
            arguments: [now, developerID, purpose.rawValue])
    }
}
