import Storage

/// `POST /forgot-password`, `POST /validate-reset`, `POST /reset-password` (seed 000, tag account).
enum PasswordReset {
    /// 200 with no body whether or not the address has an account (no account enumeration).
    static func forgot(_ request: Request, _ context: RequestContext) throws -> Response {
        let form = try FormFields(request)
        guard let email = form["email"]?.trimmingCharacters(in: .whitespaces) else {
            throw DeveloperAPIError.invalid([("email", .string("required field missing"))])
        }
        let services = context.services
        if let developer = try services.developers.find(portalID: context.portal.id, email: email),
           developer.status != .rejected, developer.status != .revoked {
            let now = services.now()
            let token = OneTimeToken(developerID: developer.id, purpose: .resetPassword, createdAt: now, lifetime: services.settings.resetLifetime)
            let jwt = services.signedTokens.sign(id: token.id, expiresAt: token.expiresAt)
            let mail = AccountEmails.passwordReset(to: developer, token: jwt, portal: context.portal, baseURL: AccountEmails.baseURL(request, context.portal))
            let outboxID = try services.accounts.issue(token, portalID: context.portal.id, mail: mail)
            _ = services.mailer.deliver(id: outboxID, now: now)
        } else {
            // Spend about the time a real reset takes, so timing does not tell either.
            services.passwords.verifyDecoy(email)
        }
        return Response(status: 200)
    }

    /// 200 if the token could reset a password; does not consume it.
    static func validate(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try TokenField.id(in: request, purpose: .resetPassword, services: context.services)
        return Response(status: 200)
    }

    /// Consumes the token, sets the new password and ends every session of the developer.
    static func reset(_ request: Request, _ context: RequestContext) throws -> Response {
        let services = context.services
        let tokenID = try TokenField.id(in: request, purpose: .resetPassword, services: services)
        let password = try FormFields(request)["password"]
        if let problem = PasswordPolicy.problem(password) {
            throw DeveloperAPIError.invalid([("password", .string(problem))])
        }
        let hash = try services.passwords.hash(password ?? "")
        guard try services.accounts.resetPassword(tokenID: tokenID, passwordHash: hash, now: services.now()) else {
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
