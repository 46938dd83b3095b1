import Foundation
import Storage

/// `/applications` and `/applications/{id}` (seed 000, tag `application`): the logged-in
/// developer's applications. Another developer's application is 404 `{message: "Not found"}`.
enum Applications {
    static let maximumNameLength = 255

    static func register(on router: inout Router) {
        router.add("GET", DeveloperAPI.prefix + "/applications", list)
        router.add("POST", DeveloperAPI.prefix + "/applications", create)
        router.add("GET", DeveloperAPI.prefix + "/applications/{id}", show)
        router.add("PATCH", DeveloperAPI.prefix + "/applications/{id}", update)
        router.add("DELETE", DeveloperAPI.prefix + "/applications/{id}", delete)
    }

    /// `GET /applications` (operation `list-applications`): `{data, next, total}`.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let (page, pageRequest) = try DeveloperAPIList.fetch(request) { page in
            try context.services.applications.page(developerID: developer.id, portalID: context.portal.id, page)
        }
        return DeveloperAPIList.response(page, size: pageRequest.size, path: request.path) { application, out in
            JSONObjectWriter.write(to: &out, application.developerAPIJSON)
        }
    }

    /// `POST /applications` (operation `post-applications`): 201 with the application.
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let form = try FormFields(request)
        var errors: [(String, JSON)] = []
        let name = validName(form["name"], required: true, errors: &errors)
        let redirectURI = RedirectURI.validate(form["redirect_uri"], field: "redirect_uri", required: true, errors: &errors)
        guard errors.isEmpty, let name, let redirectURI else { throw DeveloperAPIError.invalid(errors) }

        let application = DeveloperApplication(
            portalID: context.portal.id, developerID: developer.id, name: name, redirectURI: redirectURI,
            createdAt: context.services.now())
        try context.services.applications.create(application)
        context.logger.info("application created", metadata: [
            "application.id": "\(application.id)", "developer.id": "\(developer.id)",
        ])
        return .json(utf8: application.developerAPIResponse, status: 201)
    }

    /// `GET /applications/{id}` (operation `get-application`): the application object, as the
    /// spec's `application` example shows it.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, application) = try owned(request, context)
        return .json(utf8: application.developerAPIResponse)
    }

    /// `PATCH /applications/{id}` (operation `update-application`): `name` and `redirect_uri`
    /// (also under the spec's slip `request_uri`); the fields given are changed, the rest kept.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        var (_, application) = try owned(request, context)
        let form = try FormFields(request)
        var errors: [(String, JSON)] = []
        let name = validName(form["name"], required: false, errors: &errors)
        // The spec's request schema names `request_uri` while its example sends `redirect_uri`.
        let uriField = form["redirect_uri"] != nil ? "redirect_uri" : "request_uri"
        let redirectURI = RedirectURI.validate(form[uriField], field: uriField, required: false, errors: &errors)
        guard errors.isEmpty else { throw DeveloperAPIError.invalid(errors) }
        // The spec requires `name`; a PATCH that changes nothing is told so in those terms.
        guard name != nil || redirectURI != nil else {
            throw DeveloperAPIError.invalid([("name", .string("required field missing"))])
        }

        if let name { application.name = name }
        if let redirectURI { application.redirectURI = redirectURI }
        application.updatedAt = context.services.now()
        guard try context.services.applications.update(application) else { throw DeveloperAPIError.notFound }
        return .json(utf8: application.developerAPIResponse)
    }

    /// `DELETE /applications/{id}` (operation `delete-application`): 204; its registrations and
    /// credentials go with it.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        guard let id = request.parameters["id"],
              try context.services.applications.delete(id: id, developerID: developer.id, portalID: context.portal.id)
        else { throw DeveloperAPIError.notFound }
        context.logger.info("application deleted", metadata: ["application.id": "\(id)", "developer.id": "\(developer.id)"])
        return .noContent
    }


    /// The logged-in developer and their application named by the `{id}` path parameter;
    /// 401 without a session, 404 when the application is not theirs.
    static func owned(_ request: Request, _ context: RequestContext) throws -> (Developer, DeveloperApplication) {
        let developer = try context.requireDeveloper(request)
        guard let id = request.parameters["id"],
              let application = try context.services.applications.find(id: id, developerID: developer.id, portalID: context.portal.id)
        else { throw DeveloperAPIError.notFound }
        return (developer, application)
    }

    /// An application or credential name: 1…255 characters, not blank.
    static func validName(_ value: String?, field: String = "name", required: Bool, errors: inout [(String, JSON)]) -> String? {
        guard let value, !value.allSatisfy(\.isWhitespace) else {
            if required || value != nil { errors.append((field, .string("required field missing"))) }
            return nil
        }
        guard value.count <= maximumNameLength else {
            errors.append((field, .string("length must be at most \(maximumNameLength)")))
            return nil
        }
        return value
    }
}

/// Redirect URIs of applications and OAuth2 credentials: absolute `http`/`https` URLs with a
/// host and no fragment (RFC 6749 §3.1.2).
enum RedirectURI {
    static let maximumLength = 2048

    /// Whether `text` is an acceptable redirect URI.
    static func isValid(_ text: String) -> Bool {
        guard text.utf8.count <= maximumLength,
              !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }),
              let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              components.fragment == nil
        else { return false }
        return true
    }

    /// The value of `field` if valid; otherwise records the error (missing only when `required`).
    static func validate(_ value: String?, field: String, required: Bool, errors: inout [(String, JSON)]) -> String? {
        guard let value else {
            if required { errors.append((field, .string("required field missing"))) }
            return nil
        }
        guard isValid(value) else {
            errors.append((field, .string("must be an absolute http or https URL")))
            return nil
        }
        return value
    }
}

extension DeveloperApplication {
    /// `{created_at, id, redirect_uri, updated_at, developer: {id}, name, consumer: {id}}` with
    /// epoch-second times, in the order of the seed's examples.
    /// Written straight into bytes: lists of applications are the developer API's busiest replies.
    func developerAPIJSON(_ object: inout JSONObjectWriter) {
        object.member("created_at", epochSeconds: createdAt)
        object.member("id", id)
        object.member("redirect_uri", redirectURI)
        object.member("updated_at", epochSeconds: updatedAt)
        object.member("developer") { $0.member("id", developerID) }
        object.member("name", name)
        object.member("consumer") { $0.member("id", consumerID) }
    }

    /// The reply to a request for one application.
    var developerAPIResponse: [UInt8] { JSONObjectWriter.bytes(developerAPIJSON) }
}
