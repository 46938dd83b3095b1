import Foundation
import Storage

/// `/api/v2/api-products…`: our documented extension in the management API's conventions, because the
/// seed assumes products, versions and their OpenAPI documents exist. A product belongs to one portal;
/// its versions start unlisted until attached to the portal (`POST /portals/{id}/product-versions`).
enum APIProducts {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/api-products", list)
        router.add("POST", "/api/v2/api-products", AuditedWrite.handler("api_product.create", "api_product", target: AuditedWrite.new, create))
        router.add("GET", "/api/v2/api-products/{productId}", show)
        router.add("PATCH", "/api/v2/api-products/{productId}", AuditedWrite.handler(
            "api_product.update", "api_product", target: AuditedWrite.path("productId"), update))
        router.add("DELETE", "/api/v2/api-products/{productId}", AuditedWrite.handler(
            "api_product.delete", "api_product", target: AuditedWrite.path("productId"), delete))
        router.add("GET", "/api/v2/api-products/{productId}/product-versions", listVersions)
        router.add("POST", "/api/v2/api-products/{productId}/product-versions", AuditedWrite.handler(
            "api_product_version.create", "api_product_version", target: AuditedWrite.new, createVersion))
        router.add("GET", "/api/v2/api-products/{productId}/product-versions/{versionId}", showVersion)
        router.add("PATCH", "/api/v2/api-products/{productId}/product-versions/{versionId}", AuditedWrite.handler(
            "api_product_version.update", "api_product_version", target: AuditedWrite.path("versionId"), updateVersion))
        router.add("DELETE", "/api/v2/api-products/{productId}/product-versions/{versionId}", AuditedWrite.handler(
            "api_product_version.delete", "api_product_version", target: AuditedWrite.path("versionId"), deleteVersion))
        router.add("GET", "/api/v2/api-products/{productId}/product-versions/{versionId}/specifications", showSpecification)
        router.add("PUT", "/api/v2/api-products/{productId}/product-versions/{versionId}/specifications", AuditedWrite.handler(
            "api_product_version.specification", "api_product_version", target: AuditedWrite.path("versionId"), putSpecification))
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        let criteria = try ListQuery.criteria(request, CatalogRepository.products)
        let scope = token.role == .root ? nil : token.portalID
        return ListQuery.page(try context.services.catalog.products(portalID: scope, listedOnly: false, criteria), criteria, \.json)
    }

    /// `{name, description, labels, portal_id}`; a project token's product goes to its own portal.
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        var body = try ManagementBody(request, allowed: ["name", "description", "labels", "portal_id"])
        let name = body.string("name", required: true, maxLength: 255)
        let description = body.string("description", minLength: 0, maxLength: 2048, nullable: true)
        let labels = body.labels("labels")
        let portalField = body.uuid("portal_id", nullable: false)
        try body.finish()
        guard case .value(let productName) = name else { throw ManagementAPIError.invalid("name", "is a required field", rule: "required") }
        var portalID = token.portalID
        if case .value(let given) = portalField { portalID = given }
        guard let portalID else { throw ManagementAPIError.invalid("portal_id", "is required with a root token", rule: "required") }
        let access = try ManagementAccess.require(.editor, portalID: portalID, request, context)
        var product = Product(portalID: portalID, name: productName, description: description.apply(to: nil) ?? "", createdAt: context.services.now())
        product.labels = labels
        try saveProduct(product, access.audit("api_product.create", "api_product", product.id), context)
        guard let created = try context.services.catalog.managedProduct(id: product.id, portalID: portalID) else { throw ManagementAPIError.notFound("API product") }
        return .json(created.json, status: 201)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, product) = try target(.viewer, request, context)
        return .json(product.json)
    }

    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, current) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["name", "description", "labels"])
        var product = current.product
        if case .value(let name) = body.string("name", maxLength: 255) { product.name = name }
        if let description = body.string("description", minLength: 0, maxLength: 2048, nullable: true).apply(to: product.description) {
            product.description = description
        } else {
            product.description = ""
        }
        product.labels = body.labels("labels", merging: product.labels)
        try body.finish()
        product.updatedAt = context.services.now()
        try saveProduct(product, access.audit("api_product.update", "api_product", product.id), context)
        guard let updated = try context.services.catalog.managedProduct(id: product.id, portalID: product.portalID) else { throw ManagementAPIError.notFound("API product") }
        return .json(updated.json)
    }

    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, product) = try target(.admin, request, context)
        guard try context.services.catalog.deleteProduct(id: product.product.id, portalID: access.portal.id, audit: access.audit("api_product.delete", "api_product", product.product.id))
        else { throw ManagementAPIError.notFound("API product") }
        return .noContent
    }

    static func listVersions(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, product) = try target(.viewer, request, context)
        let criteria = try ListQuery.criteria(request, CatalogRepository.productVersions)
        return ListQuery.page(try context.services.catalog.versions(productID: product.product.id, criteria), criteria, \.apiProductJSON)
    }

    /// `{name, description}`: a new version, unpublished and not yet listed in the portal.
    static func createVersion(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, product) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["name", "description"])
        let name = body.string("name", required: true, maxLength: 255)
        let description = body.string("description", minLength: 0, maxLength: 2048, nullable: true)
        try body.finish()
        guard case .value(let versionName) = name else { throw ManagementAPIError.invalid("name", "is a required field", rule: "required") }
        let version = ProductVersion(
            productID: product.product.id, portalID: access.portal.id, name: versionName, description: description.apply(to: nil) ?? "",
            // The portal's default strategy, else the built-in key-auth one.
            publishStatus: .unpublished,
            authStrategyID: try access.portal.defaultApplicationAuthStrategyID ?? context.services.catalog.defaultStrategy()?.id,
            inPortal: false,
            createdAt: context.services.now())
        let saved = try saveVersion(version, access.audit("api_product_version.create", "api_product_version", version.id), context)
        return .json(saved.apiProductJSON, status: 201)
    }

    static func showVersion(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, _, version) = try versionTarget(.viewer, request, context)
        return .json(version.apiProductJSON)
    }

    static func updateVersion(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, _, current) = try versionTarget(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["name", "description"])
        var version = current.version
        if case .value(let name) = body.string("name", maxLength: 255) { version.name = name }
        version.description = body.string("description", minLength: 0, maxLength: 2048, nullable: true).apply(to: version.description) ?? ""
        try body.finish()
        version.updatedAt = context.services.now()
        let saved = try saveVersion(version, access.audit("api_product_version.update", "api_product_version", version.id), context)
        return .json(saved.apiProductJSON)
    }

    static func deleteVersion(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, _, version) = try versionTarget(.admin, request, context)
        guard try context.services.catalog.deleteVersion(id: version.version.id, portalID: access.portal.id,
                                                         audit: access.audit("api_product_version.delete", "api_product_version", version.version.id))
        else { throw ManagementAPIError.notFound("API product version") }
        return .noContent
    }

    static func showSpecification(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, _, version) = try versionTarget(.viewer, request, context)
        guard let text = version.specification, case .success(let document) = OpenAPIDocument.parse(text) else {
            throw ManagementAPIError.notFound("Specification")
        }
        return .json(specificationJSON(version.version.id, text, document))
    }

    /// `{"content": "<OpenAPI 3 or Swagger 2.0, YAML or JSON>"}`, validated before it replaces the stored one.
    static func putSpecification(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, _, version) = try versionTarget(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["content"])
        let content = body.string("content", required: true, maxLength: 1_000_000)
        try body.finish()
        guard case .value(let text) = content else { throw ManagementAPIError.invalid("content", "is a required field", rule: "required") }
        switch OpenAPIDocument.parse(text) {
        case .failure(let problem):
            throw ManagementAPIError.invalid("content", problem.reason, rule: "invalid")
        case .success(let document):
            guard try context.services.catalog.setSpecification(
                versionID: version.version.id, portalID: access.portal.id, text: text,
                audit: access.audit("api_product_version.specification", "api_product_version", version.version.id))
            else { throw ManagementAPIError.notFound("API product version") }
            return .json(specificationJSON(version.version.id, text, document))
        }
    }

    static func specificationJSON(_ versionID: String, _ text: String, _ document: OpenAPIDocument) -> JSON {
        .object([
            ("product_version_id", .string(versionID)), ("title", .string(document.title)), ("version", .string(document.version)),
            ("openapi_version", .string(document.specVersion)), ("operation_count", .int(Int64(document.operationCount))),
            ("content", .string(text)),
        ])
    }

    private static func target(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> (ManagementAccess, ManagedProduct) {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        guard let product = try context.services.catalog.managedProduct(
            id: try request.uuidParameter("productId"), portalID: token.role == .root ? nil : token.portalID)
        else { throw ManagementAPIError.notFound("API product") }
        return (try ManagementAccess.require(role, portalID: product.product.portalID, request, context), product)
    }

    private static func versionTarget(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> (ManagementAccess, ManagedProduct, ManagedVersion) {
        let (access, product) = try target(role, request, context)
        guard let version = try context.services.catalog.managedVersion(id: try request.uuidParameter("versionId"), portalID: access.portal.id),
              version.version.productID == product.product.id
        else { throw ManagementAPIError.notFound("API product version") }
        return (access, product, version)
    }

    private static func saveProduct(_ product: Product, _ audit: AuditEntry, _ context: RequestContext) throws {
        do {
            try context.services.catalog.saveProduct(product, audit: audit)
        } catch {
            throw error.kind == .uniqueViolation ? ManagementAPIError.conflict("The portal already has a product of this name") : error
        }
    }

    static func saveVersion(_ version: ProductVersion, _ audit: AuditEntry, _ context: RequestContext) throws -> ManagedVersion {
        do {
            return try context.services.catalog.saveVersion(version, audit: audit)
        } catch {
            switch error.kind {
            case .uniqueViolation: throw ManagementAPIError.conflict("The product already has a version of this name")
            case .foreignKeyViolation: throw ManagementAPIError.invalid("auth_strategy_ids", "names no auth strategy", rule: "missing_reference")
            default: throw error
            }
        }
    }
}

extension ManagedProduct {
    /// The v2 file's portal product (and our API product): `portal_ids` is the one portal it belongs to.
    var json: JSON {
        .object([
            ("id", .string(product.id)), ("name", .string(product.name)),
            ("description", product.description.isEmpty ? .null : .string(product.description)),
            ("portal_ids", .array([.string(product.portalID)])), ("version_count", .int(Int64(versionCount))),
            ("created_at", .timestamp(product.createdAt)), ("updated_at", .timestamp(product.updatedAt)),
            ("labels", (try? JSON.parse(product.labels)) ?? .object([])),
        ])
    }
}

extension ManagedVersion {
    /// A version as the API-products extension shows it.
    var apiProductJSON: JSON {
        .object([
            ("id", .string(version.id)), ("product_id", .string(version.productID)), ("name", .string(version.name)),
            ("description", version.description.isEmpty ? .null : .string(version.description)),
            ("portal_id", .string(version.portalID)), ("listed_in_portal", .bool(version.inPortal)),
            ("has_specification", .bool(specification != nil)),
            ("created_at", .timestamp(version.createdAt)), ("updated_at", .timestamp(version.updatedAt)),
        ])
    }

    /// The v2 file's portal product version.
    var portalJSON: JSON {
        .object([
            ("id", .string(version.id)), ("publish_status", .string(version.publishStatus.rawValue)),
            ("product_version_id", .string(version.id)),
            ("created_at", .timestamp(version.createdAt)), ("updated_at", .timestamp(version.updatedAt)),
            ("auth_strategies", .array(strategy.map { [$0.versionJSON] } ?? [])),
            ("application_registration_enabled", .bool(version.applicationRegistrationEnabled)),
            ("auto_approve_registration", .bool(version.autoApproveRegistration)), ("deprecated", .bool(version.deprecated)),
        ])
    }
}
