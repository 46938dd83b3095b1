import Storage

/// `/applications/{id}/credentials` (seed 000, tag `application-credentials`): the application's
/// OAuth2 client credentials. Only the owner's applications are found.
enum ApplicationCredentials {
    static let clientTypes = ["confidential", "public"]
    static let maximumRedirectURIs = 32
    /// 24 random bytes are 32 base64url characters, the length of Kong's client ids and secrets.
    static let randomBytes = 24

    static func register(on router: inout Router) {
        let base = DeveloperAPI.prefix + "/applications/{id}/credentials"
        router.add("GET", base, list)
        router.add("POST", base, create)
        router.add("GET", base + "/{credential}", show)
        router.add("DELETE", base + "/{credential}", delete)
    }

    /// `GET …/credentials` (operation `list-application-credentials`): `{data, next, total}`.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, application) = try Applications.owned(request, context)
        let (page, pageRequest) = try DeveloperAPIList.fetch(request) { page in
            try context.services.applications.credentials(applicationID: application.id, portalID: context.portal.id, page)
        }
        return DeveloperAPIList.response(page, size: pageRequest.size, path: request.path) {
            $0.developerAPIJSON(consumerID: application.consumerID)
        }
    }

    /// `POST …/credentials` (operation `create-application-credentials`): a new client with a random
    /// `client_id` and `client_secret`. With `hash_secret=true` only the secret's hash is kept, so
    /// this 201 response is the one place the secret is ever shown.
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let (developer, application) = try Applications.owned(request, context)
        let form = try FormFields(request)
        var errors: [(String, JSON)] = []

        let name = form["name"] == nil ? application.name : Applications.validName(form["name"], required: true, errors: &errors)
        var hashSecret = false
        if let text = form["hash_secret"] {
            switch text.lowercased() {
            case "true": hashSecret = true
            case "false": hashSecret = false
            default: errors.append(("hash_secret", .string("expected a boolean")))
            }
        }
        let clientType = form["client_type"] ?? "confidential"
        if !clientTypes.contains(clientType) {
            errors.append(("client_type", .string("expected one of: \(clientTypes.joined(separator: ", "))")))
        }
        let redirectURIs = try redirectURIs(request, form, default: application.redirectURI, errors: &errors)
        guard errors.isEmpty, let name else { throw DeveloperAPIError.invalid(errors) }

        let secret = SecretToken.generate(byteCount: randomBytes)
        var credential = ApplicationCredential(
            portalID: context.portal.id, applicationID: application.id, name: name, clientID: "",
            clientSecret: hashSecret ? SecretToken.hash(secret) : secret, hashSecret: hashSecret,
            clientType: clientType, redirectURIs: redirectURIs, createdAt: context.services.now())
        try insert(&credential, context)
        context.logger.info("application credential created", metadata: [
            "application.id": "\(application.id)", "developer.id": "\(developer.id)", "credential.id": "\(credential.id)",
        ])
        return .json(credential.developerAPIJSON(consumerID: application.consumerID, secret: secret), status: 201)
    }

    /// `GET …/credentials/{credential}` (operation `get-application-credential`): the credential
    /// object, like the POST response. A hashed secret shows as its stored hash.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, application) = try Applications.owned(request, context)
        guard let id = request.parameters["credential"],
              let credential = try context.services.applications.findCredential(
                  id: id, applicationID: application.id, portalID: context.portal.id)
        else { throw DeveloperAPIError.notFound }
        return .json(credential.developerAPIJSON(consumerID: application.consumerID))
    }

    /// `DELETE …/credentials/{credential}` (operation `delete-application-credential`): 204.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, application) = try Applications.owned(request, context)
        guard let id = request.parameters["credential"],
              try context.services.applications.deleteCredential(id: id, applicationID: application.id, portalID: context.portal.id)
        else { throw DeveloperAPIError.notFound }
        return .noContent
    }

    /// Inserts `credential` with a fresh random `client_id`. Client ids are unique across the
    /// installation; a collision of 192 random bits will not happen, but costs nothing to retry.
    private static func insert(_ credential: inout ApplicationCredential, _ context: RequestContext) throws {
        for attempt in 1...3 {
            credential.clientID = SecretToken.generate(byteCount: randomBytes)
            do {
                try context.services.applications.createCredential(credential)
                return
            } catch {
                if error.kind == .foreignKeyViolation { throw DeveloperAPIError.notFound }
                if error.kind != .uniqueViolation || attempt == 3 { throw error }
            }
        }
    }

    /// `redirect_uris`: repeated form fields (`redirect_uris` or `redirect_uris[]`), a JSON array
    /// (in a JSON body, or as one form value), or one URL; the application's `redirect_uri` when absent.
    static func redirectURIs(_ request: Request, _ form: FormFields, default fallback: String, errors: inout [(String, JSON)]) throws -> [String] {
        var values: [String] = []
        if request.mediaType == nil || request.mediaType == "application/x-www-form-urlencoded" {
            let pairs = try URLEncodedForm(parsing: request.body)
            values = (pairs.values("redirect_uris") + pairs.values("redirect_uris[]")).filter { !$0.isEmpty }
        } else if let value = form["redirect_uris"] {
            values = [value]
        }
        if values.count == 1, let only = values.first, only.hasPrefix("[") {
            guard case .array(let items)? = try? JSON.parse(only) else {
                errors.append(("redirect_uris", .string("expected an array of URLs")))
                return []
            }
            values = []
            for item in items {
                guard let text = item.stringValue else {
                    errors.append(("redirect_uris", .string("expected an array of URLs")))
                    return []
                }
                values.append(text)
            }
        }
        if values.isEmpty { return [fallback] }
        guard values.count <= maximumRedirectURIs else {
            errors.append(("redirect_uris", .string("at most \(maximumRedirectURIs) URLs")))
            return []
        }
        guard values.allSatisfy(RedirectURI.isValid) else {
            errors.append(("redirect_uris", .string("each must be an absolute http or https URL")))
            return []
        }
        return values
    }
}

extension ApplicationCredential {
    /// `{consumer: {id}, created_at, id, client_type, name, hash_secret, client_id, client_secret,
    /// redirect_uris}` in the order of the seed's example. `secret` replaces the stored value in
    /// the creation response, where a hashed secret is shown in clear once.
    func developerAPIJSON(consumerID: String, secret: String? = nil) -> JSON {
        .object([
            ("consumer", .object([("id", .string(consumerID))])),
            ("created_at", .epochSeconds(createdAt)),
            ("id", .string(id)),
            ("client_type", .string(clientType)),
            ("name", .string(name)),
            ("hash_secret", .bool(hashSecret)),
            ("client_id", .string(clientID)),
            ("client_secret", .string(secret ?? clientSecret)),
            ("redirect_uris", .array(redirectURIs.map { .string($0) })),
        ])
    }
}
