import Foundation

import Storage

/// `POST /register` (seed 000, operation `register`).
enum Registration {
    static func register(_ request: Request, _ context: RequestContext) throws -> Response {
        // Accounts made here have a password: none while password login is off.
        try Authentication.requirePasswordLogin(context)
        let form = try FormFields(request)
        var errors: [(String, JSON)] = []

        let email = form["email"]?.trimmingCharacters(in: .whitespaces)
        if let email {
            if !EmailAddress.isValid(email) { errors.append(("email", .string("invalid email address"))) }
        } else {
            errors.append(("email", .string("required field missing")))
        }
        let password = form["password"]
        if let problem = PasswordPolicy.problem(password) {
            errors.append(("password", .string(problem)))
        }
        var meta = ""
        switch MetaField.validate(form["meta"], against: MetaField.of(context.portal)) {
        case .success(let text): meta = text
        case .failure(let fieldErrors): errors.append(("meta", fieldErrors.value))
        }
        guard errors.isEmpty, let email, let password else { throw DeveloperAPIError.invalid(errors) }

        let services = context.services
        if try services.developers.find(portalID: context.portal.id, email: email) != nil {
            throw DeveloperAPIError.alreadyExists("email", email)
        }
        // Hash outside any transaction: it takes tens of milliseconds.
        let hash = try services.passwords.hash(password)
        let portal = context.portal
        let now = services.now()
        let status: Developer.Status = portal.emailVerification ? .unverified : (portal.autoApproveDevelopers ? .approved : .pending)
        let developer = Developer(
            portalID: portal.id, email: email, passwordHash: hash, meta: meta, status: status, createdAt: now)
        var token: OneTimeToken?
        var mail: OutgoingMail?
        switch status {
        case .unverified:
            let issued = OneTimeToken(developerID: developer.id, purpose: .verifyAccount, createdAt: now, lifetime: services.settings.verificationLifetime)
            token = issued
            let jwt = services.signedTokens.sign(id: issued.id, expiresAt: issued.expiresAt)
            mail = AccountEmails.verification(to: developer, token: jwt, portal: portal, baseURL: context.baseURL)
        case .pending:
            mail = AccountEmails.pendingApproval(to: developer, portal: portal)
        default:
            break
        }
        let outboxID: Int64?
        do {
            outboxID = try services.accounts.register(developer, token: token, mail: mail)
        } catch {
            // Registered concurrently since the check above.
            throw error.kind == .uniqueViolation ? DeveloperAPIError.alreadyExists("email", email) : error
        }
        context.logger.info("developer registered", metadata: ["developer.id": "\(developer.id)", "portal.id": "\(portal.id)"])
        let report = AccountEmails.deliverAndReport(outboxID, recipient: email, services: services)
        return .json(.object([("email", report), ("developer", developer.developerAPIJSON)]))
    }
}
