import Foundation
import GRDB

/// At most `limit` account emails per recipient address per `window` (password resets, verification
/// resends), counted in the database so every worker shares the count. Keeps anyone from flooding an
/// inbox, or from voiding someone's fresh reset link again and again.
public struct MailQuota: Sendable, Equatable {
    public var limit: Int
    public var window: TimeInterval

    public init(limit: Int = 5, window: TimeInterval = 3600) {
        self.limit = limit
        self.window = window
    }

    /// Takes one email from `recipient`'s share inside an open write transaction; false when the
    /// share of the current window is spent.
    func take(portalID: String, recipient: String, now: Date, in db: Database) throws -> Bool {
        let windowStartedBefore = now.addingTimeInterval(-window)
        let sent = try Int.fetchOne(db, sql: """
            INSERT INTO mail_quota (portal_id, recipient, window_started_at, sent) VALUES (?, ?, ?, 1)
            ON CONFLICT (portal_id, recipient) DO UPDATE SET
                sent = CASE WHEN window_started_at <= ? THEN 1 ELSE sent + 1 END,
                window_started_at = CASE WHEN window_started_at <= ? THEN excluded.window_started_at ELSE window_started_at END
            RETURNING sent
            """, arguments: [portalID, recipient, now.stored, windowStartedBefore.stored, windowStartedBefore.stored]) ?? 1
        return sent <= limit
    }
}
