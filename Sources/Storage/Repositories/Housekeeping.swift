import Foundation
import GRDB

/// Deletes rows that can never be used again, so tables stay as small as the live data: expired
/// sessions, spent or expired emailed tokens, delivered mail, and rate-limit rows past their window.
/// Every worker runs it now and then; the deletes are idempotent.
public struct Housekeeping: Sendable {
    let database: PortalDatabase
    let sessionLifetime: SessionLifetime
    /// Spent tokens and delivered mail are kept this long for diagnostics.
    public static let retention: TimeInterval = 7 * 86_400

    public init(_ database: PortalDatabase, sessionLifetime: SessionLifetime) {
        self.database = database
        self.sessionLifetime = sessionLifetime
    }

    /// Deletes what expired before `now`; returns how many rows went.
    @discardableResult
    public func purge(now: Date, throttle: LoginThrottlePolicy, quota: MailQuota) throws(StorageError) -> Int {
        let kept = now.addingTimeInterval(-Self.retention).stored
        return try database.write { db in
            var deleted = 0
            let statements: [(String, StatementArguments)] = [
                ("DELETE FROM sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                 [now.stored, now.addingTimeInterval(-sessionLifetime.idleTimeout).stored]),
                ("DELETE FROM one_time_tokens WHERE expires_at <= ? OR consumed_at <= ?", [kept, kept]),
                ("DELETE FROM email_changes WHERE expires_at <= ? OR consumed_at <= ?", [kept, kept]),
                ("DELETE FROM outbox WHERE sent_at <= ? OR (attempts >= ? AND created_at <= ?)",
                 [kept, OutboxRepository.maximumAttempts, kept]),
                ("DELETE FROM mail_quota WHERE window_started_at <= ?", [now.addingTimeInterval(-quota.window).stored]),
                ("DELETE FROM login_failures WHERE last_failure_at <= ? AND (locked_until IS NULL OR locked_until <= ?)",
                 [now.addingTimeInterval(-throttle.forgetAfter).stored, now.stored]),
            ]
            for (sql, arguments) in statements {
                try db.execute(sql: sql, arguments: arguments)
                deleted += db.changesCount
            }
            return deleted
        }
    }
}
