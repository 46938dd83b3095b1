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

    /// The most password guesses one account can take in an hour under this policy, trying again the
    /// moment each lockout ends (OWASP ASVS 2.2.1 allows at most 100).
    public var worstCaseTriesPerHour: Int {
        var elapsed: TimeInterval = 0
        var failures = 0
        while elapsed < 3600, failures < 100_000 {
            failures += 1
            elapsed += lockout(afterFailures: failures)
        }
        return failures
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

    /// What the throttle says about a try.
    public enum Reservation: Sendable, Equatable {
        /// The try may go ahead. It is already counted as a failure (so concurrent tries cannot all slip
        /// through before any of them is recorded); `lockout` is the lockout that count started (0 while
        /// failures are free). A right password calls `clear`.
        case counted(lockout: TimeInterval)
        /// Locked: nothing was counted; come back after this many seconds.
        case locked(retryAfter: Int)
    }

    /// Counts a try of `email` of `portalID` as a failure unless the account is locked, in one write
    /// transaction: the check and the count cannot be split by another worker's try, so at most one
    /// try gets through per lockout however many arrive at once.
    public func reserve(portalID: String, email: String, now: Date) throws(StorageError) -> Reservation {
        try database.write { db in
            let forgottenBefore = now.addingTimeInterval(-policy.forgetAfter)
            // The update's WHERE leaves a locked row alone: no row comes back then.
            let failures = try Int.fetchOne(db, sql: """
                INSERT INTO login_failures (portal_id, email, failures, last_failure_at) VALUES (?, ?, 1, ?)
                ON CONFLICT (portal_id, email) DO UPDATE SET
                    failures = CASE WHEN last_failure_at < ? THEN 1 ELSE failures + 1 END,
                    last_failure_at = excluded.last_failure_at
                WHERE locked_until IS NULL OR locked_until <= ?
                RETURNING failures
                """, arguments: [portalID, email, now.stored, forgottenBefore.stored, now.stored])
            guard let failures else {
                let lockedUntil = try Row.fetchOne(
                    db, sql: "SELECT locked_until FROM login_failures WHERE portal_id = ? AND email = ?",
                    arguments: [portalID, email])?.optionalStoredDate("locked_until") ?? now
                return .locked(retryAfter: max(1, Int(lockedUntil.timeIntervalSince(now).rounded(.up))))
            }
            let lockout = policy.lockout(afterFailures: failures)
            if lockout > 0 {
                try db.execute(
                    sql: "UPDATE login_failures SET locked_until = ? WHERE portal_id = ? AND email = ?",
                    arguments: [now.addingTimeInterval(lockout).stored, portalID, email])
            }
            return .counted(lockout: lockout)
        }
    }

    /// Forgets the failures of an account after a successful try.
    public func clear(portalID: String, email: String) throws(StorageError) {
        try database.write { db in
            try db.execute(sql: "DELETE FROM login_failures WHERE portal_id = ? AND email = ?", arguments: [portalID, email])
        }
    }
}
