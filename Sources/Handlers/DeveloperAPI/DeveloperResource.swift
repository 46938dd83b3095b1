import Foundation
import Storage

/// `/developer`: the logged-in developer's account (seed 000, tag developer).
enum DeveloperResource {
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        return .json(developer.developerAPIJSON)
    }

    /// Deletes the account with its sessions, credentials and applications; clears the cookie.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        _ = try context.services.accounts.delete(developerID: developer.id, portalID: context.portal.id)
        context.logger.info("developer deleted", metadata: ["developer.id": "\(developer.id)"])
        var response = Response.noContent
        response.headers.add("Set-Cookie", SessionCookie.clear)
        return response
    }

    /// The portal's signup fields. Public: sign-up forms need them before anybody is logged in.
    static func metaFields(_ request: Request, _ context: RequestContext) throws -> Response {
        .json(.array(MetaField.of(context.portal).map(\.json)))
    }

    /// Changes the password (`old_password` must match, under the failed-attempt throttle), ends every
    /// other session and hands this client a fresh one.
    static func updatePassword(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let form = try FormFields(request)
        var errors: [(String, JSON)] = []
        if form["old_password"] == nil { errors.append(("old_password", .string("required field missing"))) }
        if let problem = PasswordPolicy.problem(form["password"]) { errors.append(("password", .string(problem))) }
        guard errors.isEmpty, let oldPassword = form["old_password"], let password = form["password"] else {
            // The Kong spec requires `message` on this 400 beside Kong's `fields`/`code`.
            throw DeveloperAPIError.invalid(errors, message: "Invalid password change request")
        }
        let services = context.services
        guard try PasswordAttempts.verify(oldPassword, email: developer.email, developer: developer, context: context) else {
            throw DeveloperAPIError.message(status: 400, "Old password is invalid")
        }
        let hash = try services.passwords.hash(password)
        try services.accounts.changePassword(developerID: developer.id, passwordHash: hash, now: services.now())
        let token = try services.sessions.start(developer: developer, now: services.now())
        var response = Response.noContent
        response.headers.add("Set-Cookie", SessionCookie.set(token))
        return response
    }

    /// Changes the email address (unique within the portal). The seed's request carries only `email`;
    /// the change needs a recent login (ASVS 3.7.1: a session younger than the re-authentication
    /// window) or the current password as `password`. The old address is told; the developer's other
    /// sessions end; where the portal verifies emails the new address takes effect only once confirmed.
    static func updateEmail(_ request: Request, _ context: RequestContext) throws -> Response {
        let (session, developer) = try context.requireSession(request)
        let form = try FormFields(request)
        let email = try EmailField.required(in: form)
        if email.lowercased() == developer.email.lowercased() {
            return .json(developer.developerAPIJSON)
        }
        let services = context.services
        let now = services.now()
        if let password = form["password"] {
            guard try PasswordAttempts.verify(password, email: developer.email, developer: developer, context: context) else {
                throw DeveloperAPIError.message(status: 400, "Password is invalid")
            }
        } else if now.timeIntervalSince(session.createdAt) > services.settings.reauthenticationWindow {
            throw DeveloperAPIError.message(
                status: 401, "Log in again, or send your current password as `password`, to change your email address")
        }
        let portal = context.portal
        let baseURL = context.baseURL
        if portal.emailVerification {
            let change = EmailChange(developerID: developer.id, newEmail: email, createdAt: now, lifetime: services.settings.verificationLifetime)
            let jwt = services.signedTokens.sign(id: change.id, expiresAt: change.expiresAt)
            try takenEmailIsConflict(email) { () throws(StorageError) in
                try services.accounts.requestEmailChange(
                    change, portalID: portal.id, keepingSession: session.tokenHash,
                    confirmation: AccountEmails.confirmEmailChange(to: email, token: jwt, portal: portal, baseURL: baseURL),
                    notice: AccountEmails.emailChangeNotice(to: developer.email, newEmail: email, pending: true, portal: portal, baseURL: baseURL),
                    quota: services.settings.mailQuota)
            }
            services.background.wakeUp()
            return .json(developer.developerAPIJSON)  // unchanged until the new address confirms
        }
        let notice = AccountEmails.emailChangeNotice(to: developer.email, newEmail: email, pending: false, portal: portal, baseURL: baseURL)
        let updated = try takenEmailIsConflict(email) { () throws(StorageError) in
            try services.accounts.changeEmail(
                developerID: developer.id, email: email, keepingSession: session.tokenHash, notice: notice,
                quota: services.settings.mailQuota, now: now)
        }
        services.background.wakeUp()
        context.logger.info("developer email changed", metadata: ["developer.id": "\(developer.id)"])
        return .json((updated ?? developer).developerAPIJSON)
    }

    /// Runs `body`, turning a unique violation into the seed's 409 for `email` and a spent mail quota
    /// (of the old or the new address) into 429.
    private static func takenEmailIsConflict<T>(_ email: String, _ body: () throws(StorageError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            switch error.kind {
            case .uniqueViolation: throw DeveloperAPIError.alreadyExists("email", email)
            case .mailQuotaSpent: throw DeveloperAPIError.message(status: 429, "Too many account emails to this address this hour: try again later")
            default: throw error
            }
        }
    }

    /// Updates meta fields: the given keys replace the stored ones, and the result must satisfy
    /// the portal's signup fields.
    static func updateMeta(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        guard let text = try FormFields(request)["meta"] else {
            throw DeveloperAPIError.invalid([("meta", .string("required field missing"))])
        }
        guard case .object(let changes)? = try? JSON.parse(text) else {
            throw DeveloperAPIError.invalid([("meta", .string("meta must be a JSON object, e.g. {\"full_name\":\"Ada Lovelace\"}"))])
        }
        var merged: [(String, JSON)] = []
        if case .object(let current)? = try? JSON.parse(developer.meta) { merged = current }
        for (key, value) in changes {
            if let index = merged.firstIndex(where: { $0.0 == key }) { merged[index].1 = value } else { merged.append((key, value)) }
        }
        switch MetaField.validate(JSON.object(merged).text, against: MetaField.of(context.portal)) {
        case .success(let meta):
            try context.services.accounts.changeMeta(developerID: developer.id, meta: meta, now: context.services.now())
            return Response(status: 200)
        case .failure(let errors):
            throw DeveloperAPIError.invalid([("meta", errors.value)])
        }
    }
}
