import Foundation
import Storage

/// The emails of the account flows, and the seed's report of what happened to them
/// (`{"sent": {"emails": {addr: true}, "count": n}, "error": {"emails": {addr: reason}, "count": n}}`).
enum AccountEmails {
    /// The verification email for a new (or re-requested) account.
    static func verification(to developer: Developer, token: String, portal: Portal, baseURL: String) -> OutgoingMail {
        OutgoingMail(
            recipient: developer.email, subject: "Verify your \(portal.name) account",
            body: """
                Welcome to \(portal.name)!

                Confirm your email address to finish signing up:
                \(baseURL)/account/verify?token=\(token)

                API clients can POST this token to \(baseURL)/api/v1/verify-account.
                The link works once and expires in 24 hours. If you did not sign up, ignore this email.
                """)
    }

    /// Sent when the account waits for an administrator's approval.
    static func pendingApproval(to developer: Developer, portal: Portal) -> OutgoingMail {
        OutgoingMail(
            recipient: developer.email, subject: "Your \(portal.name) account request",
            body: """
                Thank you for signing up to \(portal.name).

                An administrator will review your request; you will be able to log in once it is approved.
                """)
    }

    /// The password-reset email.
    static func passwordReset(to developer: Developer, token: String, portal: Portal, baseURL: String) -> OutgoingMail {
        OutgoingMail(
            recipient: developer.email, subject: "Reset your \(portal.name) password",
            body: """
                Somebody asked to reset the password of your \(portal.name) account.

                Choose a new password here:
                \(baseURL)/account/reset-password?token=\(token)

                API clients can POST this token with a new password to \(baseURL)/api/v1/reset-password.
                The link works once and expires in one hour. If you did not ask for this, ignore this email.
                """)
    }

    /// Sent to a new address to confirm an email change (portals that verify emails).
    static func confirmEmailChange(to newEmail: String, token: String, portal: Portal, baseURL: String) -> OutgoingMail {
        OutgoingMail(
            recipient: newEmail, subject: "Confirm your new \(portal.name) email address",
            body: """
                Somebody asked to use this address for a \(portal.name) account.

                Confirm it here to make the change:
                \(baseURL)/account/verify?token=\(token)

                API clients can POST this token to \(baseURL)/api/v1/verify-account.
                The link works once and expires in 24 hours. If you did not ask for this, ignore this email.
                """)
    }

    /// Sent to the old address when the email address changes (or a change awaits confirmation).
    static func emailChangeNotice(to oldEmail: String, newEmail: String, pending: Bool, portal: Portal, baseURL: String) -> OutgoingMail {
        let what = pending
            ? "Somebody asked to change the email address of your \(portal.name) account to \(newEmail). The change takes effect once that address confirms it."
            : "The email address of your \(portal.name) account was changed to \(newEmail)."
        return OutgoingMail(
            recipient: oldEmail, subject: "Your \(portal.name) email address",
            body: """
                \(what)

                If this was not you, reset your password at \(baseURL)/account/forgot-password and contact the portal's administrators.
                """)
    }

    /// Delivers outbox message `id` now and reports it in the seed's shape.
    static func deliverAndReport(_ id: Int64?, recipient: String, services: Services) -> JSON {
        var sent: [(String, JSON)] = []
        var failed: [(String, JSON)] = []
        if let id {
            switch services.mailer.deliver(id: id, now: services.now()) {
            case .sent: sent.append((recipient, .bool(true)))
            // The SMTP detail (relay names, replies) is logged by the mailer, never shown to the client.
            case .failed: failed.append((recipient, .string("the email could not be delivered now; it will be retried")))
            case .notClaimed: break
            }
        }
        return .object([
            ("sent", .object([("emails", .object(sent)), ("count", .int(Int64(sent.count)))])),
            ("error", .object([("emails", .object(failed)), ("count", .int(Int64(failed.count)))])),
        ])
    }

    /// The emailed-token requests (forgot-password, resend-verification) for the request's `email`: a
    /// token of `purpose` goes to an `eligible` account with `mail`. Known and unknown addresses do the
    /// same work (see `AccountRepository.requestToken`); the mail is only queued.
    static func requestToken(
        _ request: Request, _ context: RequestContext, purpose: OneTimeToken.Purpose, lifetime: TimeInterval,
        eligible: (Developer) -> Bool, mail: (Developer, String, Portal, String) -> OutgoingMail
    ) throws {
        let email = try EmailField.required(in: FormFields(request))
        let services = context.services
        let portal = context.portal
        let now = services.now()
        let tokenID = UUID().uuidString.lowercased()
        let jwt = services.signedTokens.sign(id: tokenID, expiresAt: now.addingTimeInterval(lifetime))
        let outcome = try services.accounts.requestToken(
            id: tokenID, purpose: purpose, lifetime: lifetime, portalID: portal.id, email: email,
            quota: services.settings.mailQuota, now: now, eligible: eligible,
            mail: { mail($0, jwt, portal, context.baseURL) })
        queued(outcome, context: context)
    }

    /// After a token request: wakes the sender for queued mail, logs a throttled address (without it).
    static func queued(_ outcome: AccountRepository.TokenRequest, context: RequestContext) {
        switch outcome {
        case .queued: context.services.background.wakeUp()
        case .throttled: context.logger.notice("account mail throttled", metadata: ["portal.id": "\(context.portal.id)"])
        case .noAccount: break
        }
    }
}
