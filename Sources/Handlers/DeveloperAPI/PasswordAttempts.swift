import Foundation
import Storage

/// Password checks of one account under the shared failed-attempt throttle (login, password change,
/// re-authentication for an email change). A locked account answers 429 before any hashing.
enum PasswordAttempts {
    /// Whether `password` is the password of `developer` (nil: no such account; a decoy hash is
    /// verified so the answer takes as long). `email` is the address the client named: failures are
    /// counted per address, known or not.
    ///
    /// A right password clears the count, unless `clearingOnSuccess` is false: login clears it in the
    /// transaction that starts the session (`SessionRepository.start(clearingFailuresOf:)`), one commit
    /// fewer on the path every login takes.
    static func verify(
        _ password: String, email: String, developer: Developer?, context: RequestContext, clearingOnSuccess: Bool = true
    ) throws -> Bool {
        let services = context.services
        guard email.utf8.count <= 254 else {
            // No account can have a longer address: refuse like a wrong password, without storing it.
            services.passwords.verifyDecoy(password)
            return false
        }
        let portalID = context.portal.id
        // Counted before hashing, in one transaction with the lock check: tries arriving together
        // cannot all pass an unlocked account before any of them is recorded.
        let lockout: TimeInterval
        switch try services.loginThrottle.reserve(portalID: portalID, email: email, now: services.now()) {
        case .locked(let retryAfter): throw DeveloperAPIError.tooManyAttempts(retryAfter: retryAfter)
        case .counted(let started): lockout = started
        }
        let matches: Bool
        if let developer {
            matches = services.passwords.verify(password, against: developer.passwordHash)
        } else {
            services.passwords.verifyDecoy(password)
            matches = false
        }
        if matches {
            if clearingOnSuccess { try services.loginThrottle.clear(portalID: portalID, email: email) }
        } else if lockout > 0 {
            context.logger.notice("account locked after failed password checks", metadata: [
                "portal.id": "\(portalID)", "lockout.seconds": "\(Int(lockout))",
            ])
        }
        return matches
    }
}
