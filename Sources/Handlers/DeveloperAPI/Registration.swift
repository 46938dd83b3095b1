import Foundation

import Storage

/// `POST /register` (seed 000, operation `register`).
enum Registration {
    static let minimumPasswordLength = 8
    static let maximumPasswordBytes = 1024

    static func register(_ request: Request, _ context: RequestContext) throws -> Response {
        let form = try FormFields(request)
        var errors: [(String, JSON)] = []

        let email = form["email"]?.trimmingCharacters(in: .whitespaces)
        if let email {
            if !EmailAddress.isValid(email) { errors.append(("email", .string("invalid email address"))) }
        } else {
            errors.append(("email", .string("required field missing")))
        }
        let password = form["password"]
        if let password {
            if password.count < minimumPasswordLength {
                errors.append(("password", .string("password must be at least \(minimumPasswordLength) characters")))
            } else if password.utf8.count > maximumPasswordBytes {
                errors.append(("password", .string("password must be at most \(maximumPasswordBytes) bytes")))
            }
        } else {
            errors.append(("password", .string("password is required")))
        }
        var meta = ""
        switch MetaField.validate(form["meta"], against: MetaField.defaults) {
        case .success(let text): meta = text
        case .failure(let fieldErrors): errors.append(("meta", fieldErrors.value))
        }
        guard errors.isEmpty, let email, let password else { throw DeveloperAPIError.invalid(errors) }

        let services = context.services
        if try services.developers.find(portalID: context.portal.id, email: email) != nil {
            throw emailTaken(email)
        }
        // Hash outside any transaction: it takes tens of milliseconds.
        let hash = try services.passwords.hash(password)
        let developer = Developer(
            portalID: context.portal.id, email: email, passwordHash: hash, meta: meta,
            status: context.portal.autoApproveDevelopers ? .approved : .pending, createdAt: services.now())
        do {
            try services.developers.create(developer)
        } catch {
            // Registered concurrently since the check above.
            throw error.kind == .uniqueViolation ? emailTaken(email) : error
        }
        context.logger.info("developer registered", metadata: ["developer.id": "\(developer.id)", "portal.id": "\(context.portal.id)"])

        // No email is sent yet: the report says so truthfully (the outbox comes with issue 3).
        let emailReport: JSON = .object([
            ("sent", .object([("emails", .object([])), ("count", .int(0))])),
            ("error", .object([("emails", .object([])), ("count", .int(0))])),
        ])
        return .json(.object([("email", emailReport), ("developer", developer.developerAPIJSON)]))
    }

    private static func emailTaken(_ email: String) -> DeveloperAPIError {
        .fields(status: 409, .object([("email", .string("already exists with value '\(email)'"))]), code: DeveloperAPIError.uniqueViolation)
    }
}
