import Foundation
import Storage

/// `POST /verify-account`, `POST /resend-account-verification`, `POST /invalidate-account-verification`
/// (seed 000, tag account). Tokens are single-use JWTs; a used, invalidated, expired or forged
/// token is 401 `{"message": "Unauthorized"}`, a missing one 400 `{"message": "token is required"}`.
enum AccountVerification {
    /// Confirms an account's address, or the new address of an email change (both are mailed as
    /// `/account/verify?token=…`). The token is checked against the portal inside the transaction that
    /// consumes it: another portal's token is neither used nor spent.
    static func verify(_ request: Request, _ context: RequestContext) throws -> Response {
        let services = context.services
        let tokenID = try TokenField.signedID(in: request, context: context)
        let portal = context.portal
        let now = services.now()
        let newStatus: Developer.Status = portal.autoApproveDevelopers ? .approved : .pending
        if let developer = try services.accounts.verify(tokenID: tokenID, portalID: portal.id, now: now, newStatus: { _ in newStatus }) {
            return .json(.object([("status", .int(developer.kongStatus))]))
        }
        guard let changed = try confirmEmailChange(tokenID, context: context, now: now) else {
            throw DeveloperAPIError.unauthorized
        }
        context.logger.info("developer email changed", metadata: ["developer.id": "\(changed.id)"])
        return .json(.object([("status", .int(changed.kongStatus))]))
    }

    private static func confirmEmailChange(_ tokenID: String, context: RequestContext, now: Date) throws -> Developer? {
        do {
            return try context.services.accounts.confirmEmailChange(id: tokenID, portalID: context.portal.id, now: now)
        } catch {
            throw error.kind == .uniqueViolation ? DeveloperAPIError.message(status: 409, "The new email address is already registered") : error
        }
    }

    /// Always 204, whether or not the address has an unverified account (no account enumeration);
    /// both cases do the same work (see `PasswordReset.forgot`).
    static func resend(_ request: Request, _ context: RequestContext) throws -> Response {
        try AccountEmails.requestToken(
            request, context, purpose: .verifyAccount, lifetime: context.services.settings.verificationLifetime,
            eligible: { $0.status == .unverified }, mail: AccountEmails.verification)
        return .noContent
    }

    static func invalidate(_ request: Request, _ context: RequestContext) throws -> Response {
        let services = context.services
        let tokenID = try TokenField.signedID(in: request, context: context)
        guard try services.accounts.invalidate(
            tokenID: tokenID, purpose: .verifyAccount, portalID: context.portal.id, now: services.now())
        else {
            throw DeveloperAPIError.unauthorized
        }
        return .noContent
    }
}

/// The `token` field of the account endpoints.
enum TokenField {
    /// The id claim of the request's token if we signed it and it has not expired (the row is not
    /// checked: the caller consumes it in a transaction that checks it).
    static func signedID(in request: Request, context: RequestContext) throws -> String {
        guard let token = try FormFields(request)["token"] else {
            throw DeveloperAPIError.message(status: 400, "token is required")
        }
        guard let id = context.services.signedTokens.verify(token, now: context.services.now()) else {
            throw DeveloperAPIError.unauthorized
        }
        return id
    }

    /// The id claim of the request's token if it is signed, unexpired, and its row is still usable
    /// for `purpose` by a developer of this portal.
    static func usableID(in request: Request, purpose: OneTimeToken.Purpose, context: RequestContext) throws -> String {
        let id = try signedID(in: request, context: context)
        guard try context.services.accounts.usableToken(
            id: id, purpose: purpose, portalID: context.portal.id, now: context.services.now()) != nil
        else { throw DeveloperAPIError.unauthorized }
        return id
    }
}

/// The `email` field of the account endpoints.
enum EmailField {
    /// The trimmed, syntactically valid address; a 400 field error otherwise.
    static func required(in form: FormFields) throws -> String {
        guard let email = form["email"]?.trimmingCharacters(in: .whitespaces) else {
            throw DeveloperAPIError.invalid([("email", .string("required field missing"))])
        }
        guard EmailAddress.isValid(email) else {
            throw DeveloperAPIError.invalid([("email", .string("invalid email address"))])
        }
        return email
    }
}
