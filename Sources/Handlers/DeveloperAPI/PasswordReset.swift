import Foundation
import Storage

/// `POST /forgot-password`, `POST /validate-reset`, `POST /reset-password` (seed 000, tag account).
enum PasswordReset {
    /// 200 with no body whether or not the address has an account (no account enumeration). Known and
    /// unknown addresses do the same work: one write transaction that takes a share of the address's
    /// mail quota; the mail itself is only queued (the background sender delivers it).
    static func forgot(_ request: Request, _ context: RequestContext) throws -> Response {
        try AccountEmails.requestToken(
            request, context, purpose: .resetPassword, lifetime: context.services.settings.resetLifetime,
            eligible: { $0.status != .rejected && $0.status != .revoked }, mail: AccountEmails.passwordReset)
        return Response(status: 200)
    }

    /// 200 if the token could reset a password; does not consume it.
    static func validate(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try TokenField.usableID(in: request, purpose: .resetPassword, context: context)
        return Response(status: 200)
    }

    /// Consumes the token, sets the new password and ends every session of the developer.
    static func reset(_ request: Request, _ context: RequestContext) throws -> Response {
        let services = context.services
        let tokenID = try TokenField.usableID(in: request, purpose: .resetPassword, context: context)
        let password = try FormFields(request)["password"]
        if let problem = PasswordPolicy.problem(password) {
            throw DeveloperAPIError.invalid([("password", .string(problem))])
        }
        let hash = try services.passwords.hash(password ?? "")
        guard try services.accounts.resetPassword(
            tokenID: tokenID, portalID: context.portal.id, passwordHash: hash, now: services.now())
        else {
            throw DeveloperAPIError.unauthorized  // used concurrently since the check
        }
        return Response(status: 200)
    }
}

/// Password rules shared by sign-up, reset and change.
enum PasswordPolicy {
    static let minimumLength = 8
    static let maximumBytes = 1024

    /// Why `password` is not acceptable (the seed's "password is required" when absent), or nil.
    static func problem(_ password: String?) -> String? {
        guard let password, !password.isEmpty else { return "password is required" }
        if password.count < minimumLength { return "password must be at least \(minimumLength) characters" }
        if password.utf8.count > maximumBytes { return "password must be at most \(maximumBytes) bytes" }
        return nil
    }
}
