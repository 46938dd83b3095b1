import Foundation
import Storage

/// `/api/v2/application-auth-strategies` (Konnect's application auth strategies, served beside seed 001
/// because `auth_strategy_ids` names them; documented extension): how applications authenticate to a
/// product version. Shared by the installation's portals: any token reads, root writes.
enum AuthStrategies {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/application-auth-strategies", list)
        router.add("POST", "/api/v2/application-auth-strategies", AuditedWrite.handler("auth_strategy.create", "auth_strategy", target: AuditedWrite.new, create))
        router.add("GET", "/api/v2/application-auth-strategies/{authStrategyId}", show)
        router.add("PATCH", "/api/v2/application-auth-strategies/{authStrategyId}", AuditedWrite.handler(
            "auth_strategy.update", "auth_strategy", target: AuditedWrite.path("authStrategyId"), update))
        router.add("DELETE", "/api/v2/application-auth-strategies/{authStrategyId}", AuditedWrite.handler(
            "auth_strategy.delete", "auth_strategy", target: AuditedWrite.path("authStrategyId"), delete))
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try AdminAuthentication.requireToken(request, services: context.services)
        let criteria = try ListQuery.criteria(request, CatalogRepository.strategies)
        return ListQuery.page(try context.services.catalog.strategies(criteria), criteria, \.json)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try AdminAuthentication.requireToken(request, services: context.services)
        guard let strategy = try context.services.catalog.strategy(id: try request.uuidParameter("authStrategyId")) else {
            throw ManagementAPIError.notFound("Auth strategy")
        }
        return .json(strategy.json)
    }

    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try requireRoot(request, context)
        var body = try ManagementBody(request, allowed: ["name", "display_name", "strategy_type", "configs", "labels"])
        let name = body.string("name", required: true, maxLength: 255)
        let displayName = body.string("display_name", required: true, maxLength: 255)
        let type = body.choice("strategy_type", AuthStrategy.StrategyType.allCases.map(\.rawValue), required: true).flatMap(AuthStrategy.StrategyType.init)
        let labels = body.labels("labels")
        try body.finish()
        guard case .value(let strategyName) = name, case .value(let display) = displayName, let type else {
            throw ManagementAPIError.invalid("name", "is a required field", rule: "required")
        }
        let configs = try validConfigs(body.value("configs"), type: type)
        var strategy = AuthStrategy(name: strategyName, displayName: display, strategyType: type, configs: configs, createdAt: context.services.now())
        strategy.labels = labels
        try save(strategy, token: token, action: "auth_strategy.create", request, context)
        return .json(strategy.json, status: 201)
    }

    /// Name, display name, configs (of the same type) and labels may change; the type may not.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try requireRoot(request, context)
        guard var strategy = try context.services.catalog.strategy(id: try request.uuidParameter("authStrategyId")) else {
            throw ManagementAPIError.notFound("Auth strategy")
        }
        var body = try ManagementBody(request, allowed: ["name", "display_name", "configs", "labels"])
        if case .value(let name) = body.string("name", maxLength: 255) { strategy.name = name }
        if case .value(let display) = body.string("display_name", maxLength: 255) { strategy.displayName = display }
        strategy.labels = body.labels("labels", merging: strategy.labels)
        try body.finish()
        if let configs = body.value("configs") {
            strategy.configs = try validConfigs(configs, type: strategy.strategyType)
        }
        strategy.updatedAt = context.services.now()
        try save(strategy, token: token, action: "auth_strategy.update", request, context)
        return .json(strategy.json)
    }

    /// 204; 409 while a product version uses it.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try requireRoot(request, context)
        let id = try request.uuidParameter("authStrategyId")
        let audit = AuditEntry(portalID: nil, tokenID: token.id, action: "auth_strategy.delete", targetType: "auth_strategy", targetID: id,
                               clientAddress: request.remoteAddress, at: context.services.now())
        switch try context.services.catalog.deleteStrategy(id: id, audit: audit) {
        case .deleted: return .noContent
        case .notFound: throw ManagementAPIError.notFound("Auth strategy")
        case .inUse: throw ManagementAPIError.conflict("Product versions or portals (as their default) use this auth strategy; change them first")
        }
    }

    private static func requireRoot(_ request: Request, _ context: RequestContext) throws -> ProjectToken {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        guard token.role == .root else {
            throw ManagementAPIError(status: 403, detail: "Auth strategies are shared by every portal: only a root token changes them")
        }
        return token
    }

    private static func save(_ strategy: AuthStrategy, token: ProjectToken, action: String, _ request: Request, _ context: RequestContext) throws {
        let audit = AuditEntry(portalID: nil, tokenID: token.id, action: action, targetType: "auth_strategy", targetID: strategy.id,
                               clientAddress: request.remoteAddress, at: context.services.now())
        do {
            try context.services.catalog.saveStrategy(strategy, audit: audit)
        } catch {
            throw error.kind == .uniqueViolation ? ManagementAPIError.conflict("An auth strategy with this name exists") : error
        }
    }

    /// `configs` for `type`: `{"key_auth": {"key_names": [names]}}`,
    /// `{"openid_connect": {"issuer": https URL, "scopes": [..], "auth_methods": [..], "credential_claim": [..]}}`,
    /// `{"basic_auth": {}}`. Returned as JSON text.
    static func validConfigs(_ configs: JSON?, type: AuthStrategy.StrategyType) throws -> String {
        guard case .object(let entries)? = configs, entries.count == 1, entries[0].0 == type.rawValue, case .object(let settings) = entries[0].1
        else {
            throw ManagementAPIError.invalid("configs", "must be an object with one member \"\(type.rawValue)\" holding its settings", rule: "is_object")
        }
        func strings(_ name: String, required: Bool) throws -> [String] {
            guard let value = settings.first(where: { $0.0 == name })?.1 else {
                if required { throw ManagementAPIError.invalid("configs.\(type.rawValue).\(name)", "is a required field", rule: "required") }
                return []
            }
            guard case .array(let items) = value, items.count <= 20, let texts = Optional(items.compactMap(\.stringValue)), texts.count == items.count,
                  texts.allSatisfy({ !$0.isEmpty && $0.count <= 255 })
            else { throw ManagementAPIError.invalid("configs.\(type.rawValue).\(name)", "must be an array of at most 20 non-empty strings", rule: "is_array") }
            return texts
        }
        switch type {
        case .keyAuth:
            let names = try strings("key_names", required: false)
            return JSON.object([("key_auth", .object([("key_names", .array((names.isEmpty ? ["apikey"] : names).map { .string($0) }))]))]).text
        case .basicAuth:
            return JSON.object([("basic_auth", .object([]))]).text
        case .openIDConnect:
            guard case .string(let issuer)? = settings.first(where: { $0.0 == "issuer" })?.1,
                  let url = URL(string: issuer), url.scheme == "https", url.host?.isEmpty == false
            else { throw ManagementAPIError.invalid("configs.openid_connect.issuer", "must be an https URL", rule: "invalid") }
            let scopes = try strings("scopes", required: false)
            let methods = try strings("auth_methods", required: false)
            let claims = try strings("credential_claim", required: false)
            return JSON.object([("openid_connect", .object([
                ("issuer", .string(issuer)), ("credential_claim", .array((claims.isEmpty ? ["sub"] : claims).map { .string($0) })),
                ("scopes", .array(scopes.map { .string($0) })),
                ("auth_methods", .array((methods.isEmpty ? ["client_credentials"] : methods).map { .string($0) })),
            ]))]).text
        }
    }
}

extension AuthStrategy {
    /// Konnect's application-auth-strategy object.
    var json: JSON {
        .object([
            ("id", .string(id)), ("name", .string(name)), ("display_name", .string(displayName)),
            ("strategy_type", .string(strategyType.rawValue)), ("configs", (try? JSON.parse(configs)) ?? .object([])),
            ("labels", (try? JSON.parse(labels)) ?? .object([])),
            ("created_at", .timestamp(createdAt)), ("updated_at", .timestamp(updatedAt)),
        ])
    }

    /// The v2 file's `auth_strategies` item of a portal product version.
    var versionJSON: JSON {
        let settings = (try? JSON.parse(configs))?[strategyType.rawValue]
        switch strategyType {
        case .keyAuth:
            return .object([("id", .string(id)), ("name", .string(name)), ("credential_type", .string("key_auth")),
                            ("key_names", settings?["key_names"] ?? .array([.string("apikey")]))])
        case .openIDConnect:
            return .object([("id", .string(id)), ("name", .string(name)), ("credential_type", .string("client_credentials")),
                            ("auth_methods", settings?["auth_methods"] ?? .array([])), ("available_scopes", settings?["scopes"] ?? .array([]))])
        case .basicAuth:
            // Our extension: the v2 file knows key_auth and client credentials only.
            return .object([("id", .string(id)), ("name", .string(name)), ("credential_type", .string("basic_auth")), ("key_names", .array([]))])
        }
    }
}
