import Foundation
import GRDB

/// How failed password checks of one account slow down further tries: the first `freeFailures`
/// cost nothing, then each failure locks the account for twice as long as the one before, up to
/// `maximumDelay`. Failures older than `forgetAfter` are forgotten. With the defaults an attacker gets
/// about 20 guesses in the first hour (OWASP ASVS 2.2.1 allows at most 100), and the real owner is
/// never locked out for longer than `maximumDelay`.
public struct LoginThrottlePolicy: Sendable, Equatable {
    public var freeFailures: Int
    public var firstDelay: TimeInterval
    public var maximumDelay: TimeInterval
    public var forgetAfter: TimeInterval

    public init(freeFailures: Int = 10, firstDelay: TimeInterval = 1, maximumDelay: TimeInterval = 900, forgetAfter: TimeInterval = 3600) {
        self.freeFailures = freeFailures
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
        self.forgetAfter = forgetAfter
    }

    /// The lockout after the `failures`-th failure in a row (0 while failures are free).
    func lockout(afterFailures failures: Int) -> TimeInterval {
        guard failures >= freeFailures else { return 0 }
        let doublings = min(failures - freeFailures, 30)
        return min(maximumDelay, firstDelay * pow(2, Double(doublings)))
    }
}

/// Failed password checks per account (login, password change, re-authentication), in the database so
/// that every worker sees the same count. Keyed by the address tried, so unknown addresses are throttled
/// exactly like real ones and the throttle tells nothing about which accounts exist.
public struct LoginThrottleRepository: Sendable {
    let database: PortalDatabase
    public let policy: LoginThrottlePolicy

    public init(_ database: PortalDatabase, policy: LoginThrottlePolicy = LoginThrottlePolicy()) {
        self.database = database
        self.policy = policy
    }

    /// What the throttle says about the next try.
    public enum Verdict: Sendable, Equatable {
        /// Try; `hasFailures` says whether a success must clear earlier failures.
        case allowed(hasFailures: Bool)
        /// Locked: come back after this many seconds.
        case locked(retryAfter: Int)
    }

    /// Whether `email` of `portalID` may try a password now. One cached statement (every login runs it).
    public func check(portalID: String, email: String, now: Date) throws(StorageError) -> Verdict {
        let row = try database.readStatement { db in
            try Row.fetchOne(
                db.cachedStatement(sql: "SELECT locked_until FROM login_failures WHERE portal_id = ? AND email = ?"),
                arguments: [portalID, email])
        }
        guard let row else { return .allowed(hasFailures: false) }
        if let lockedUntil = row.optionalStoredDate("locked_until"), lockedUntil > now {
            return .locked(retryAfter: max(1, Int(lockedUntil.timeIntervalSince(now).rounded(.up))))
        }
        return .allowed(hasFailures: true)
    }

    /// Counts a failed try; returns the lockout it starts (0 while failures are free).
    @discardableResult
    public func recordFailure(portalID: String, email: String, now: Date) throws(StorageError) -> TimeInterval {
        try database.write { db in
            let forgottenBefore = now.addingTimeInterval(-policy.forgetAfter)
            let failures = try Int.fetchOne(db, sql: """
                INSERT INTO login_failures (portal_id, email, failures, last_failure_at) VALUES (?, ?, 1, ?)
                ON CONFLICT (portal_id, email) DO UPDATE SET
                    failures = CASE WHEN last_failure_at < ? THEN 1 ELSE failures + 1 END,
                    last_failure_at = excluded.last_failure_at
                RETURNING failures
                """, arguments: [portalID, email, now.stored, forgottenBefore.stored]) ?? 1
            let lockout = policy.lockout(afterFailures: failures)
            if lockout > 0 {
                try db.execute(
                    sql: "UPDATE login_failures SET locked_until = ? WHERE portal_id = ? AND email = ?",
                    arguments: [now.addingTimeInterval(lockout).stored, portalID, email])
            }
            return lockout
        }
    }

    /// Forgets the failures of an account after a successful try.
    public func clear(portalID: String, email: String) throws(StorageError) {
        try database.write { db in
            try db.execute(sql: "DELETE FROM login_failures WHERE portal_id = ? AND email = ?", arguments: [portalID, email])
        }
    }
}
