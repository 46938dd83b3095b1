import CLazyLibraries
import Foundation
import Storage

/// A portal's OIDC and SAML identity providers (seed 001, v2 Portal Auth Settings): at most one
/// enabled at a time; client secrets are write-only.
enum IdentityProviders {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/identity-providers", list)
        router.add("POST", "/api/v2/portals/{portalId}/identity-providers", create)
        router.add("GET", "/api/v2/portals/{portalId}/identity-providers/{id}", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/identity-providers/{id}", update)
        router.add("DELETE", "/api/v2/portals/{portalId}/identity-providers/{id}", delete)
    }

    static let types = ["oidc", "saml"]
    static let defaultScopes: JSON = .array(["email", "openid", "profile"].map { .string($0) })

    /// `filter[type]=…` or `filter[type][eq]=…`; the list is a plain array (the v2 file's shape).
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        var type: String?
        for (name, value) in request.query.pairs where name.hasPrefix("filter[") {
            guard name == "filter[type]" || name == "filter[type][eq]" else {
                throw ManagementAPIError.invalid(name, "unknown filter; only filter[type][eq] is supported", rule: "unknown_property", source: "query")
            }
            guard types.contains(value) else {
                throw ManagementAPIError.invalid(name, "must be oidc or saml", rule: "enum", source: "query", extra: ("choices", .array(types.map { .string($0) })))
            }
            type = value
        }
        return .json(.array(try context.services.identityProviders.providers(portalID: access.portal.id, type: type).map(json)))
    }

    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: ["type", "enabled", "login_path", "config"])
        let type = body.choice("type", types, required: true)
        let enabled = body.bool("enabled") ?? false
        let loginPath = self.loginPath(&body)
        var config: (JSON, String?)?
        if let type {
            if let given = body.value("config") { config = self.config(given, type: type, currentSecret: nil, &body) } else { body.require("config") }
        }
        try body.finish()
        guard let type, let (configJSON, secret) = config else { throw ManagementAPIError.invalid("config", "is required", rule: "required") }
        let provider = IdentityProvider(
            portalID: access.portal.id, type: type, enabled: enabled, loginPath: loginPath.apply(to: nil) ?? type,
            config: configJSON.text, clientSecret: secret, createdAt: context.services.now())
        if case .failure(let conflict) = try context.services.identityProviders.create(
            provider, audit: access.audit("identity_provider.create", "identity_provider", provider.id)) {
            throw error(conflict)
        }
        return .json(json(provider), status: 201)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, provider) = try target(.viewer, request, context)
        return .json(json(provider))
    }

    /// `enabled`, `login_path` and `config` (replaced whole, for the provider's type; the client secret
    /// stays unless a new one is given). The type cannot change. Applied to the stored provider inside the
    /// write transaction (see `IdentityProviderRepository.update`).
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        // A missing provider is a 404 before its body is judged; the transaction checks again.
        let (access, current) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["enabled", "login_path", "config"])
        let enabled = body.bool("enabled")
        let loginPath = self.loginPath(&body)
        // The type never changes, so the config is checked against the one read; the secret kept is the
        // stored one at write time (nil here: only a given secret comes back).
        let config = body.value("config").flatMap { self.config($0, type: current.type, currentSecret: nil, &body) }
        try body.finish()
        let now = context.services.now()
        let outcome = try context.services.identityProviders.update(
            id: current.id, portalID: access.portal.id, audit: access.audit("identity_provider.update", "identity_provider", current.id)
        ) { provider in
            if let enabled { provider.enabled = enabled }
            if case .value(let path) = loginPath { provider.loginPath = path }
            if let (json, secret) = config {
                provider.config = json.text
                provider.clientSecret = provider.type == "oidc" ? secret ?? provider.clientSecret : nil
            }
            provider.updatedAt = now
        }
        switch outcome {
        case .updated(let provider): return .json(json(provider))
        case .notFound: throw ManagementAPIError.notFound("Identity provider")
        case .refused(let conflict): throw error(conflict)
        }
    }

    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, provider) = try target(.admin, request, context)
        guard try context.services.identityProviders.delete(
            id: provider.id, portalID: access.portal.id, audit: access.audit("identity_provider.delete", "identity_provider", provider.id))
        else { throw ManagementAPIError.notFound("Identity provider") }
        return .noContent
    }

    /// 1–64 of `[a-z0-9-]`.
    private static func loginPath(_ body: inout ManagementBody) -> ManagementBody.Field<String> {
        guard case .value(let path) = body.string("login_path", maxLength: 64) else { return .absent }
        guard path.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }) else {
            body.reject("login_path", "must be 1 to 64 lowercase letters, digits or hyphens", rule: "matches_regex")
            return .absent
        }
        return .value(path)
    }

    /// The checked configuration without its client secret, and the secret to store.
    private static func config(_ value: JSON, type: String, currentSecret: String?, _ body: inout ManagementBody) -> (JSON, String?)? {
        guard case .object(let members) = value else {
            body.reject("config", "must be an object", rule: "is_object")
            return nil
        }
        let allowed = type == "oidc" ? ["issuer_url", "client_id", "client_secret", "scopes", "claim_mappings"] : ["idp_metadata_url", "idp_metadata_xml"]
        var valid = true
        for (key, _) in members where !allowed.contains(key) {
            body.reject("config.\(key)", "is not a property of \(type) configuration", rule: "unknown_property")
            valid = false
        }
        func string(_ key: String) -> String? { value[key]?.stringValue }
        if type == "oidc" {
            if let issuer = string("issuer_url") {
                if !WebURL.isHTTP(issuer) || issuer.count > 2048 { body.reject("config.issuer_url", "must be an http or https URL", rule: "matches_regex"); valid = false }
            } else {
                body.reject("config.issuer_url", "is a required field", rule: "required"); valid = false
            }
            if let clientID = string("client_id"), (1...255).contains(clientID.count) {} else {
                body.reject("config.client_id", "is a required string of 1 to 255 characters", rule: "required"); valid = false
            }
            var secret = currentSecret
            if let given = value["client_secret"] {
                if let text = given.stringValue, (1...1024).contains(text.count) { secret = text } else {
                    body.reject("config.client_secret", "must be a string of 1 to 1024 characters", rule: "is_string"); valid = false
                }
            }
            var scopes = defaultScopes
            if let given = value["scopes"] {
                if case .array(let items) = given, items.count <= 50, items.allSatisfy({ ($0.stringValue.map { (1...255).contains($0.count) }) ?? false }) {
                    scopes = given
                } else {
                    body.reject("config.scopes", "must be an array of at most 50 scope names", rule: "is_array"); valid = false
                }
            }
            let mappings = AuthenticationSettingsEndpoints.claimMappings(value["claim_mappings"] ?? .object([]), field: "config.claim_mappings", &body)
            guard valid, let mappings, let issuer = string("issuer_url"), let clientID = string("client_id") else { return nil }
            return (.object([("issuer_url", .string(issuer)), ("client_id", .string(clientID)), ("scopes", scopes), ("claim_mappings", mappings)]), secret)
        }
        let url = string("idp_metadata_url"), xml = string("idp_metadata_xml")
        if value["idp_metadata_url"] != nil, url.map({ !WebURL.isHTTP($0) || $0.count > 2048 }) ?? true {
            body.reject("config.idp_metadata_url", "must be an http or https URL", rule: "matches_regex"); valid = false
        }
        if value["idp_metadata_xml"] != nil, xml.map({ $0.utf8.count > 262_144 || !SAMLMetadata.isWellFormed($0) }) ?? true {
            body.reject("config.idp_metadata_xml", "must be well-formed SAML metadata XML (an EntityDescriptor) of at most 256 KiB", rule: "invalid"); valid = false
        }
        if value["idp_metadata_url"] == nil, value["idp_metadata_xml"] == nil {
            body.reject("config", "needs idp_metadata_url or idp_metadata_xml", rule: "required"); valid = false
        } else if value["idp_metadata_url"] != nil, value["idp_metadata_xml"] != nil {
            body.reject("config", "takes idp_metadata_url or idp_metadata_xml, not both", rule: "invalid"); valid = false
        }
        guard valid else { return nil }
        return (.object(url.map { [("idp_metadata_url", .string($0))] } ?? xml.map { [("idp_metadata_xml", .string($0))] } ?? []), nil)
    }

    private static func error(_ conflict: IdentityProviderRepository.Conflict) -> ManagementAPIError {
        switch conflict {
        case .anotherEnabled:
            ManagementAPIError.invalid("enabled", "another identity provider of this portal is enabled; only one may be", rule: "invalid")
        case .loginPathTaken:
            ManagementAPIError.conflict("Another identity provider of this portal has this login_path")
        }
    }

    private static func target(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> (ManagementAccess, IdentityProvider) {
        let access = try ManagementAccess.require(role, portalID: try request.uuidParameter("portalId"), request, context)
        guard let provider = try context.services.identityProviders.provider(id: try request.uuidParameter("id"), portalID: access.portal.id) else {
            throw ManagementAPIError.notFound("Identity provider")
        }
        return (access, provider)
    }

    static func json(_ provider: IdentityProvider) -> JSON {
        .object([
            ("id", .string(provider.id)), ("type", .string(provider.type)), ("enabled", .bool(provider.enabled)),
            ("login_path", .string(provider.loginPath)), ("config", (try? JSON.parse(provider.config)) ?? .object([])),
            ("created_at", .timestamp(provider.createdAt)), ("updated_at", .timestamp(provider.updatedAt)),
        ])
    }
}

/// Checks SAML IdP metadata: well-formed XML (libxml2, loaded on first use; no network, no external
/// entities) whose root element is an `EntityDescriptor` or `EntitiesDescriptor` in any namespace prefix.
enum SAMLMetadata {
    static func isWellFormed(_ xml: String) -> Bool {
        var root = [CChar](repeating: 0, count: 64)
        // Without libxml2 (-1) the metadata cannot be checked, so it is refused like malformed XML.
        let outcome = Array(xml.utf8).withUnsafeBytes { bytes in
            portal_xml_root_element(bytes.baseAddress, bytes.count, &root, root.count, nil, 0)
        }
        guard outcome == 1 else { return false }
        let name = String(nulTerminated: root)
        return name == "EntityDescriptor" || name == "EntitiesDescriptor"
    }
}
