import Storage

/// `GET/POST /credentials/key-auth` (seed 000, operations `get-credentials-key-auth` and
/// `create-credentials-key-auth`): the logged-in developer's API keys.
enum KeyAuthCredentials {
    /// The collection's path.
    static let path = DeveloperAPI.prefix + "/credentials/key-auth"
    /// Random bytes of a generated key: 24 bytes are 192 bits, 32 base64url characters.
    static let generatedKeyBytes = 24

    /// Adds the routes of this resource.
    static func register(on router: inout Router) {
        router.add("GET", path, list)
        router.add("POST", path, create)
    }

    /// `{data, next, total}` of the developer's keys, in creation order.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let (page, pageRequest) = try DeveloperAPIList.fetch(request) { page in
            try context.services.credentials.keyAuthPage(developerID: developer.id, portalID: context.portal.id, page)
        }
        return DeveloperAPIList.response(page, size: pageRequest.size, path: request.path) {
            $0.developerAPIJSON(consumerID: developer.consumerID)
        }
    }

    /// Creates a key: the one given in `key`, or a random one. The seed answers 200 (not 201).
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let form = try FormFields(request)
        let key: String
        if let given = form["key"] {
            if let problem = CredentialKey.problem(given) { throw DeveloperAPIError.invalid([("key", .string(problem))]) }
            key = given
        } else {
            key = SecretToken.generate(byteCount: generatedKeyBytes)
        }
        let services = context.services
        let credential = KeyAuthCredential(
            portalID: context.portal.id, developerID: developer.id, key: key, createdAt: services.now())
        do {
            try services.credentials.createKeyAuth(credential)
        } catch {
            // The UNIQUE (portal_id, key) constraint decides, so two concurrent creates cannot both win.
            throw error.kind == .uniqueViolation ? DeveloperAPIError.alreadyExists("key", key) : error
        }
        context.logger.info("key-auth credential created", metadata: ["developer.id": "\(developer.id)", "credential.id": "\(credential.id)"])
        return .json(credential.developerAPIJSON(consumerID: developer.consumerID))
    }
}

/// The `key` of a key-auth or JWT credential: what a client sends to the gateway (a header,
/// query parameter or the JWT `iss` claim), so it is limited to printable ASCII without spaces.
enum CredentialKey {
    /// Longest accepted key, in characters (Kong stores keys as indexed text).
    static let maximumLength = 255

    /// Why `key` is not acceptable, or nil when it is.
    static func problem(_ key: String) -> String? {
        if key.unicodeScalars.count > maximumLength { return "must be at most \(maximumLength) characters" }
        if !key.unicodeScalars.allSatisfy({ (0x21...0x7E).contains($0.value) }) {
            return "must contain only printable ASCII characters, without spaces"
        }
        return nil
    }
}

extension KeyAuthCredential {
    /// `{key, consumer: {id}, id, created_at}` with an epoch-second time, as in the seed's examples.
    func developerAPIJSON(consumerID: String) -> JSON {
        .object([
            ("key", .string(key)),
            ("consumer", .object([("id", .string(consumerID))])),
            ("id", .string(id)),
            ("created_at", .epochSeconds(createdAt)),
        ])
    }
}
