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

    /// Changes the password (`old_password` must match), ends every other session and hands this
    /// client a fresh one.
    static func updatePassword(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let form = try FormFields(request)
        var errors: [(String, JSON)] = []
        if form["old_password"] == nil { errors.append(("old_password", .string("required field missing"))) }
        if let problem = PasswordPolicy.problem(form["password"]) { errors.append(("password", .string(problem))) }
        guard errors.isEmpty, let oldPassword = form["old_password"], let password = form["password"] else {
            throw DeveloperAPIError.invalid(errors)
        }
        let services = context.services
        guard services.passwords.verify(oldPassword, against: developer.passwordHash) else {
            throw DeveloperAPIError.message(status: 400, "Old password is invalid")
        }
        let hash = try services.passwords.hash(password)
        try services.accounts.changePassword(developerID: developer.id, passwordHash: hash, now: services.now())
        let token = try services.sessions.start(developer: developer, now: services.now())
        var response = Response.noContent
        response.headers.add("Set-Cookie", SessionCookie.set(token))
        return response
    }

    /// Changes the email address (unique within the portal).
    static func updateEmail(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        guard let email = try FormFields(request)["email"]?.trimmingCharacters(in: .whitespaces) else {
            throw DeveloperAPIError.invalid([("email", .string("required field missing"))])
        }
        guard EmailAddress.isValid(email) else {
            throw DeveloperAPIError.invalid([("email", .string("invalid email address"))])
        }
        let updated: Developer?
        do {
            updated = try context.services.accounts.changeEmail(developerID: developer.id, email: email, now: context.services.now())
        } catch {
            throw error.kind == .uniqueViolation ? DeveloperAPIError.alreadyExists("email", email) : error
        }
        return .json((updated ?? developer).developerAPIJSON)
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
