import Foundation
import Storage
import Templates

/// `/api/v2/portals…` (seed 001, v2 file tag Portals): list, create, get, update, delete, publish.
enum Portals {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals", list)
        router.add("POST", "/api/v2/portals", AuditedWrite.handler("portal.create", "portal", target: AuditedWrite.new, create))
        router.add("GET", "/api/v2/portals/{portalId}", show)
        router.add("PATCH", "/api/v2/portals/{portalId}", AuditedWrite.handler("portal.update", "portal", target: AuditedWrite.path("portalId"), update))
        router.add("DELETE", "/api/v2/portals/{portalId}", AuditedWrite.handler("portal.delete", "portal", target: AuditedWrite.path("portalId"), delete))
        router.add("POST", "/api/v2/portals/{portalId}/publish", AuditedWrite.handler("portal.publish", "portal", target: AuditedWrite.path("portalId"), publish))
    }

    /// A project token lists its own portal; root lists them all.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        let criteria = try ListQuery.criteria(request, ManagementRepository.portals)
        let slice = try context.services.management.portals(scope: token.role == .root ? nil : token.portalID, criteria)
        return ListQuery.page(slice, criteria) { $0.json(context) }
    }

    static let writable: Set<String> = [
        "name", "display_name", "description", "is_public", "rbac_enabled", "auto_approve_applications", "auto_approve_developers",
        "custom_domain", "custom_client_domain", "default_application_auth_strategy_id", "labels",
    ]

    /// Only root creates portals. The default domain is made from the name under the configured suffix.
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        guard token.role == .root else { throw ManagementAPIError(status: 403, detail: "Only a root token creates portals") }
        var body = try ManagementBody(request, allowed: writable)
        let services = context.services
        let now = services.now()
        let nameField = body.string("name", required: true, maxLength: 255)
        var portal = Portal(name: "", defaultDomain: "", autoApproveDevelopers: false, displayName: "", createdAt: now)
        try apply(&body, to: &portal, context)
        try body.finish()
        guard case .value(let name) = nameField else { throw ManagementAPIError.invalid("name", "is a required field", rule: "required") }
        portal.name = name
        if portal.displayName.isEmpty { portal.displayName = name }
        portal.defaultDomain = try defaultDomain(for: name, services: services)
        let audit = AuditEntry(
            portalID: portal.id, tokenID: token.id, action: "portal.create", targetType: "portal", targetID: portal.id,
            clientAddress: request.remoteAddress, at: now)
        let created = try conflictChecked(services.management.savePortal(portal, audit: audit))
        // Every portal starts with the default theme's files, as at migration time.
        _ = try services.files.syncDefaultFiles(portalID: portal.id, files: PageRenderer.defaultThemeFiles, now: now)
        context.logger.info("portal created", metadata: ["portal.id": "\(portal.id)", "token.id": "\(token.id)"])
        var response = Response.json(created.json(context), status: 201)
        response.headers.add("Location", "/api/v2/portals/\(portal.id)")
        return response
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        guard let found = try context.services.management.portal(id: access.portal.id) else { throw ManagementAPIError.notFound("Portal") }
        return .json(found.json(context))
    }

    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: writable)
        var portal = access.portal
        if case .value(let name) = body.string("name", maxLength: 255) { portal.name = name }
        try apply(&body, to: &portal, context)
        try body.finish()
        portal.updatedAt = context.services.now()
        let updated = try conflictChecked(context.services.management.savePortal(portal, audit: access.audit("portal.update", "portal", portal.id)))
        return .json(updated.json(context))
    }

    /// 204; refused (400) while developers or versions open for registration exist, unless `force=true`.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.admin, portalID: try request.uuidParameter("portalId"), request, context)
        var force = false
        if let text = request.query["force"] {
            guard text == "true" || text == "false" else {
                throw ManagementAPIError.invalid("force", "must be true or false", rule: "enum", source: "query", extra: ("choices", .array([.string("true"), .string("false")])))
            }
            force = text == "true"
        }
        switch try context.services.management.deletePortal(id: access.portal.id, force: force, audit: access.audit("portal.delete", "portal", access.portal.id)) {
        case .success:
            context.logger.info("portal deleted", metadata: ["portal.id": "\(access.portal.id)", "token.id": "\(access.token.id)"])
            return .noContent
        case .failure(.notFound): throw ManagementAPIError.notFound("Portal")
        case .failure(.isDefault): throw ManagementAPIError.invalid("portalId", "is the default portal, which serves this installation's host names", rule: "invalid", source: "path")
        case .failure(.inUse):
            throw ManagementAPIError.invalid(
                "force", "the portal has developers or product versions open for registration; delete with force=true to remove them too",
                rule: "required", source: "query")
        }
    }

    /// `{"api_products": {"<product id>": {"publish_status": "published" | "unpublished"}}}` (the v2
    /// file's PublishAPIProductPayload): sets every listed version of those products; 204.
    static func publish(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        let body = try ManagementBody(request, allowed: ["api_products"])
        try body.finish()
        guard case .object(let products)? = body.value("api_products") else {
            throw ManagementAPIError.invalid("api_products", "is a required object of product ids", rule: "required")
        }
        var changes: [(String, ProductVersion.PublishStatus)] = []
        for (id, setting) in products {
            guard UUID(uuidString: id) != nil else {
                throw ManagementAPIError.invalid("api_products.\(id)", "must be a product id", rule: "is_uuid")
            }
            guard let text = setting["publish_status"]?.stringValue, let status = ProductVersion.PublishStatus(rawValue: text) else {
                throw ManagementAPIError.invalid("api_products.\(id).publish_status", "must be published or unpublished", rule: "enum",
                                                 extra: ("choices", .array([.string("published"), .string("unpublished")])))
            }
            guard try context.services.catalog.findProduct(id: id.lowercased(), portalID: access.portal.id) != nil else {
                throw ManagementAPIError.invalid("api_products.\(id)", "names no API product of this portal", rule: "missing_reference")
            }
            changes.append((id.lowercased(), status))
        }
        _ = try context.services.management.publish(portalID: access.portal.id, products: changes, audit: access.audit("portal.publish", "portal", access.portal.id))
        return .noContent
    }

    /// The writable members other than `name`.
    private static func apply(_ body: inout ManagementBody, to portal: inout Portal, _ context: RequestContext) throws {
        if case .value(let text) = body.string("display_name", maxLength: 255) { portal.displayName = text }
        portal.description = body.string("description", minLength: 0, maxLength: 512, nullable: true).apply(to: portal.description)
        if let value = body.bool("is_public") { portal.isPublic = value }
        if let value = body.bool("rbac_enabled") { portal.rbacEnabled = value }
        if let value = body.bool("auto_approve_applications") { portal.autoApproveApplications = value }
        if let value = body.bool("auto_approve_developers") { portal.autoApproveDevelopers = value }
        portal.customDomain = body.hostname("custom_domain").apply(to: portal.customDomain)
        portal.customClientDomain = body.hostname("custom_client_domain").apply(to: portal.customClientDomain)
        if portal.customClientDomain != nil, portal.customDomain == nil {
            // The seed: "custom_domain must be also set for this value to be set".
            body.dependent("custom_client_domain", on: ["custom_domain"])
        }
        let strategyField = body.uuid("default_application_auth_strategy_id")
        portal.defaultApplicationAuthStrategyID = strategyField.apply(to: portal.defaultApplicationAuthStrategyID)
        portal.labels = body.labels("labels", merging: portal.labels)
        if case .value(let id) = strategyField, try context.services.catalog.strategy(id: id) == nil {
            body.invalidReference("default_application_auth_strategy_id", "names no auth strategy")
        }
    }

    private static func conflictChecked(_ result: Result<ManagedPortal, ManagementRepository.PortalConflict>) throws -> ManagedPortal {
        switch result {
        case .success(let portal): return portal
        case .failure(.nameTaken): throw ManagementAPIError.conflict("A portal with this name already exists")
        case .failure(.domainTaken): throw ManagementAPIError.conflict("Another portal already uses this domain")
        }
    }

    /// `<name as a DNS label>.<portal_domain_suffix>`, numbered when taken.
    static func defaultDomain(for name: String, services: Services) throws -> String {
        var label = String(name.lowercased().unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "-" })
        while label.contains("--") { label = label.replacingOccurrences(of: "--", with: "-") }
        // Cut first, then trim: a label may not end with a hyphen.
        label = String(label.prefix(50)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if label.isEmpty { label = "portal" }
        let suffix = services.settings.portalDomainSuffix
        for attempt in 1...1000 {
            let candidate = (attempt == 1 ? label : "\(label)-\(attempt)") + "." + suffix
            if try services.portals.resolve(host: candidate, serverNames: []) == nil { return candidate }
        }
        return "\(label)-\(UUID().uuidString.prefix(8).lowercased()).\(suffix)"
    }
}

extension ManagedPortal {
    /// The v2 file's `Portal`.
    func json(_ context: RequestContext) -> JSON {
        .object([
            ("id", .string(portal.id)), ("created_at", .timestamp(portal.createdAt)), ("updated_at", .timestamp(portal.updatedAt)),
            ("name", .string(portal.name)), ("display_name", .string(portal.displayName.isEmpty ? portal.name : portal.displayName)),
            ("description", portal.description.map { .string($0) } ?? .null), ("default_domain", .string(portal.defaultDomain)),
            ("is_public", .bool(portal.isPublic)), ("rbac_enabled", .bool(portal.rbacEnabled)),
            ("auto_approve_applications", .bool(portal.autoApproveApplications)),
            ("auto_approve_developers", .bool(portal.autoApproveDevelopers)),
            ("custom_domain", portal.customDomain.map { .string($0) } ?? .null),
            ("custom_client_domain", portal.customClientDomain.map { .string($0) } ?? .null),
            ("default_application_auth_strategy_id", portal.defaultApplicationAuthStrategyID.map { .string($0) } ?? .null),
            ("labels", (try? JSON.parse(portal.labels)) ?? .object([])),
            ("application_count", .int(Int64(applicationCount))), ("developer_count", .int(Int64(developerCount))),
            ("published_product_count", .int(Int64(publishedProductCount))),
        ])
    }
}
