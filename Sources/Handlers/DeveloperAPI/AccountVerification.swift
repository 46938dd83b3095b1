import Storage

/// `POST /verify-account`, `POST /resend-account-verification`, `POST /invalidate-account-verification`
/// (seed 000, tag account). Tokens are single-use JWTs; a used, invalidated, expired or forged
/// token is 401 `{"message": "Unauthorized"}`, a missing one 400 `{"message": "token is required"}`.
enum AccountVerification {
    static func verify(_ request: Request, _ context: RequestContext) throws -> Response {
        let services = context.services
        let tokenID = try TokenField.id(in: request, purpose: .verifyAccount, services: services)
        let portal = context.portal
        guard let developer = try services.accounts.verify(tokenID: tokenID, now: services.now(), newStatus: { _ in
            portal.autoApproveDevelopers ? .approved : .pending
        }), developer.portalID == portal.id else {
            throw DeveloperAPIError.unauthorized
        }
        return .json(.object([("status", .int(developer.kongStatus))]))
    }

    /// Always 204, whether or not the address has an account (no account enumeration).
    static func resend(_ request: Request, _ context: RequestContext) throws -> Response {
        let form = try FormFields(request)
        let services = context.services
        if let email = form["email"]?.trimmingCharacters(in: .whitespaces),
           let developer = try services.developers.find(portalID: context.portal.id, email: email),
           developer.status == .unverified {
            let now = services.now()
            let token = OneTimeToken(developerID: developer.id, purpose: .verifyAccount, createdAt: now, lifetime: services.settings.verificationLifetime)
            let jwt = services.signedTokens.sign(id: token.id, expiresAt: token.expiresAt)
            let mail = AccountEmails.verification(to: developer, token: jwt, portal: context.portal, baseURL: AccountEmails.baseURL(request, context.portal))
            let outboxID = try services.accounts.issue(token, portalID: context.portal.id, mail: mail)
            _ = services.mailer.deliver(id: outboxID, now: now)
        }
        return .noContent
    }

    static func invalidate(_ request: Request, _ context: RequestContext) throws -> Response {
        let services = context.services
        let tokenID = try TokenField.id(in: request, purpose: .verifyAccount, services: services)
        guard try services.accounts.invalidate(tokenID: tokenID, purpose: .verifyAccount, now: services.now()) else {
            throw DeveloperAPIError.unauthorized
        }
        return .noContent
    }
}

/// The `token` field of the account endpoints.
enum TokenField {
    /// The id claim of the request's token if its signature and expiry are good and its row is
    /// still usable for `purpose`.
    static func id(in request: Request, purpose: OneTimeToken.Purpose, services: Services) throws -> String {
        guard let token = try FormFields(request)["token"] else {
            throw DeveloperAPIError.message(status: 400, "token is required")
        }
        let now = services.now()
        guard let id = services.signedTokens.verify(token, now: now),
              try services.accounts.usableToken(id: id, purpose: purpose, now: now) != nil
        else { throw DeveloperAPIError.unauthorized }
        return id
    }
}
