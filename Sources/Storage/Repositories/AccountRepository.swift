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

    /// What became of a request for an emailed token (password reset, verification resend).
    public enum TokenRequest: Sendable, Equatable {
        /// A token was issued and its mail queued with this outbox id.
        case queued(outboxID: Int64)
        /// No eligible account has this address: nothing was issued.
        case noAccount
        /// The address had its share of mail this hour: nothing was issued, earlier links keep working.
        case throttled
    }

    /// Issues a token of `purpose` with id `tokenID` to the developer of `portalID` with address `email`
    /// if `eligible` says so, voiding earlier unused ones, and queues `mail` for it — all in one
    /// transaction. Known and unknown addresses cost the same: both take a share of the address's mail
    /// quota (one write) before the account is looked up, so timing does not tell them apart.
    public func requestToken(
        id tokenID: String, purpose: OneTimeToken.Purpose, lifetime: TimeInterval, portalID: String, email: String,
        quota: MailQuota, now: Date, eligible: (Developer) -> Bool, mail: (Developer) -> OutgoingMail
    ) throws(StorageError) -> TokenRequest {
        try database.write { db in
            guard try quota.take(portalID: portalID, recipient: email, now: now, in: db) else { return .throttled }
            guard let developer = try Developer
                .filter(Column("portal_id") == portalID && Column("email") == email)
                .fetchOne(db), eligible(developer)
            else { return .noAccount }
            try Self.consumeOutstanding(developerID: developer.id, purpose: purpose, now: now, in: db)
            try OneTimeToken(id: tokenID, developerID: developer.id, purpose: purpose, createdAt: now, lifetime: lifetime).insert(db)
            let message = mail(developer)
            let outboxID = try OutboxRepository.enqueue(
                OutboxMessage(portalID: portalID, recipient: message.recipient, subject: message.subject, body: message.body, createdAt: now),
                in: db)
            return .queued(outboxID: outboxID)
        }
    }

    /// The token with this id if it is of `purpose`, unused, unexpired and a developer's of `portalID`
    /// (does not consume it).
    public func usableToken(id: String, purpose: OneTimeToken.Purpose, portalID: String, now: Date) throws(StorageError) -> OneTimeToken? {
        try database.read { db in
            try OneTimeToken.fetchOne(db, sql: """
                SELECT t.* FROM one_time_tokens t JOIN developers d ON d.id = t.developer_id
                WHERE t.id = ? AND t.purpose = ? AND t.consumed_at IS NULL AND t.expires_at > ? AND d.portal_id = ?
                """, arguments: [id, purpose.rawValue, now.stored, portalID])
        }
    }

    /// Marks a token of a developer of `portalID` used; false if it was not usable (already used,
    /// expired, wrong purpose, another portal).
    public func invalidate(tokenID: String, purpose: OneTimeToken.Purpose, portalID: String, now: Date) throws(StorageError) -> Bool {
        try database.write { db in try Self.consume(tokenID, purpose: purpose, portalID: portalID, now: now, in: db) != nil }
    }

    /// Consumes a verification token of a developer of `portalID` and sets the developer's new status.
    /// Returns the developer after the change, or nil if the token was not usable there (a token of
    /// another portal's developer is left untouched).
    public func verify(
        tokenID: String, portalID: String, now: Date, newStatus: (Developer) -> Developer.Status
    ) throws(StorageError) -> Developer? {
        try database.write { db in
            guard let token = try Self.consume(tokenID, purpose: .verifyAccount, portalID: portalID, now: now, in: db),
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

    /// Consumes a reset token of a developer of `portalID`, stores the new password hash and ends every
    /// session of the developer. False if the token was not usable there.
    public func resetPassword(tokenID: String, portalID: String, passwordHash: String, now: Date) throws(StorageError) -> Bool {
        try database.write { db in
            guard let token = try Self.consume(tokenID, purpose: .resetPassword, portalID: portalID, now: now, in: db) else { return false }
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

    /// Changes the email address at once (unique per portal: a taken one throws `.uniqueViolation`),
    /// ends the developer's other sessions (all but `keepingSession`, a token hash) and queues `notice`
    /// to the old address, within that address's `quota` (a spent share throws `.mailQuotaSpent` and
    /// changes nothing). Returns the developer after the change.
    public func changeEmail(
        developerID: String, email: String, keepingSession: String?, notice: OutgoingMail, quota: MailQuota, now: Date
    ) throws(StorageError) -> Developer? {
        try database.write { db in
            guard let developer = try Self.setEmail(developerID: developerID, email: email, now: now, in: db) else { return nil }
            try Self.endSessions(of: developerID, except: keepingSession, in: db)
            try Self.enqueue([notice], portalID: developer.portalID, quota: quota, now: now, in: db)
            return developer
        }
    }

    /// Records an email change that takes effect when the new address confirms it (`confirmEmailChange`):
    /// earlier pending changes are voided, the developer's other sessions end, and `confirmation` (to the
    /// new address) and `notice` (to the old one) are queued, each within its recipient's `quota` (a spent
    /// share throws `.mailQuotaSpent` and changes nothing). A new address another developer of the
    /// portal already has throws `.uniqueViolation`.
    public func requestEmailChange(
        _ change: EmailChange, portalID: String, keepingSession: String?, confirmation: OutgoingMail, notice: OutgoingMail,
        quota: MailQuota
    ) throws(StorageError) {
        try database.write { db in
            if try Developer.filter(Column("portal_id") == portalID && Column("email") == change.newEmail).fetchCount(db) > 0 {
                throw StorageError(kind: .uniqueViolation, message: "email already registered in the portal")
            }
            try db.execute(
                sql: "UPDATE email_changes SET consumed_at = ? WHERE developer_id = ? AND consumed_at IS NULL",
                arguments: [change.createdAt.stored, change.developerID])
            try change.insert(db)
            try Self.endSessions(of: change.developerID, except: keepingSession, in: db)
            try Self.enqueue([confirmation, notice], portalID: portalID, quota: quota, now: change.createdAt, in: db)
        }
    }

    /// Queues account mail, each message taking a share of its recipient's quota first, so changing an
    /// address back and forth cannot flood either inbox. Throws `.mailQuotaSpent` (rolling the whole
    /// transaction back) when a recipient's share is spent.
    private static func enqueue(_ mails: [OutgoingMail], portalID: String, quota: MailQuota, now: Date, in db: Database) throws {
        for mail in mails {
            guard try quota.take(portalID: portalID, recipient: mail.recipient, now: now, in: db) else {
                throw StorageError(kind: .mailQuotaSpent, message: "the recipient had its share of account mail this hour")
            }
            _ = try OutboxRepository.enqueue(
                OutboxMessage(portalID: portalID, recipient: mail.recipient, subject: mail.subject, body: mail.body, createdAt: now),
                in: db)
        }
    }

    /// Applies a pending email change of a developer of `portalID` (the new address was confirmed).
    /// Nil if the change is unknown, used, expired or another portal's; a new address taken meanwhile
    /// throws `.uniqueViolation`.
    public func confirmEmailChange(id: String, portalID: String, now: Date) throws(StorageError) -> Developer? {
        try database.write { db in
            guard let change = try EmailChange.fetchOne(db, sql: """
                UPDATE email_changes SET consumed_at = ?
                WHERE id = ? AND consumed_at IS NULL AND expires_at > ?
                  AND developer_id IN (SELECT id FROM developers WHERE portal_id = ?)
                RETURNING *
                """, arguments: [now.stored, id, now.stored, portalID])
            else { return nil }
            return try Self.setEmail(developerID: change.developerID, email: change.newEmail, now: now, in: db)
        }
    }

    private static func setEmail(developerID: String, email: String, now: Date, in db: Database) throws -> Developer? {
        try db.execute(
            sql: "UPDATE developers SET email = ?, updated_at = ? WHERE id = ?", arguments: [email, now.stored, developerID])
        return try Developer.fetchOne(db, key: developerID)
    }

    private static func endSessions(of developerID: String, except tokenHash: String?, in db: Database) throws {
        try db.execute(
            sql: "DELETE FROM sessions WHERE developer_id = ? AND token_hash IS NOT ?", arguments: [developerID, tokenHash])
    }

    /// Replaces the developer's meta JSON.
    public func changeMeta(developerID: String, meta: String, now: Date) throws(StorageError) {
        try database.write { db in
            try db.execute(
                sql: "UPDATE developers SET meta = ?, updated_at = ? WHERE id = ?", arguments: [meta, now.stored, developerID])
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
            arguments: [passwordHash, now.stored, developerID])
        DeveloperActivity.record(.passwordUpdate, of: developerID, at: now, in: db)
        try db.execute(sql: "DELETE FROM sessions WHERE developer_id = ?", arguments: [developerID])
    }

    private static func consume(
        _ id: String, purpose: OneTimeToken.Purpose, portalID: String, now: Date, in db: Database
    ) throws -> OneTimeToken? {
        try OneTimeToken.fetchOne(db, sql: """
            UPDATE one_time_tokens SET consumed_at = ?
            WHERE id = ? AND purpose = ? AND consumed_at IS NULL AND expires_at > ?
              AND developer_id IN (SELECT id FROM developers WHERE portal_id = ?)
            RETURNING *
            """, arguments: [now.stored, id, purpose.rawValue, now.stored, portalID])
    }

    private static func consumeOutstanding(developerID: String, purpose: OneTimeToken.Purpose, now: Date, in db: Database) throws {
        try db.execute(
            sql: "UPDATE one_time_tokens SET consumed_at = ? WHERE developer_id = ? AND purpose = ? AND consumed_at IS NULL",
            arguments: [now.stored, developerID, purpose.rawValue])
    }
}
