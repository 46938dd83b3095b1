import Foundation
import Storage

/// `/api/v2/portals/{portalId}/products` and `…/product-versions…` (seed 001, v2 tags Portal Products and
/// Portal Product Versions): which API product versions a portal lists, whether they are published and
/// take registrations, and which auth strategy their applications use.
enum PortalProductVersions {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/products", listProducts)
        router.add("GET", "/api/v2/portals/{portalId}/product-versions", list)
        router.add("POST", "/api/v2/portals/{portalId}/product-versions", AuditedWrite.handler(
            "portal_product_version.create", "portal_product_version", target: AuditedWrite.body("product_version_id"), create))
        router.add("GET", "/api/v2/portals/{portalId}/product-versions/{productVersionId}", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/product-versions/{productVersionId}", AuditedWrite.handler(
            "portal_product_version.update", "portal_product_version", target: AuditedWrite.path("productVersionId"), update))
        router.add("PUT", "/api/v2/portals/{portalId}/product-versions/{productVersionId}", AuditedWrite.handler(
            "portal_product_version.replace", "portal_product_version", target: AuditedWrite.path("productVersionId"), replace))
        router.add("DELETE", "/api/v2/portals/{portalId}/product-versions/{productVersionId}", AuditedWrite.handler(
            "portal_product_version.delete", "portal_product_version", target: AuditedWrite.path("productVersionId"), delete))
    }

    static func listProducts(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, CatalogRepository.products)
        return ListQuery.page(try context.services.catalog.products(portalID: access.portal.id, listedOnly: true, criteria), criteria, \.json)
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, CatalogRepository.portalVersions)
        return ListQuery.page(try context.services.catalog.portalVersions(portalID: access.portal.id, criteria), criteria, \.portalJSON)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, version) = try target(.viewer, request, context)
        return .json(version.portalJSON)
    }

    static let settings: Set<String> = [
        "publish_status", "auth_strategy_ids", "application_registration_enabled", "auto_approve_registration", "deprecated",
    ]

    /// Lists one of the portal's API product versions (`product_version_id`) with its settings; every
    /// setting is required. 409 when it is listed already.
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: settings.union(["product_version_id"]))
        let id = body.uuid("product_version_id", nullable: false)
        let change = Settings(&body, required: true)
        try body.finish()
        guard case .value(let versionID) = id else { throw ManagementAPIError.invalid("product_version_id", "is a required field", rule: "required") }
        guard let current = try context.services.catalog.managedVersion(id: versionID, portalID: access.portal.id) else {
            throw ManagementAPIError.invalid("product_version_id", "names no API product version of this portal", rule: "missing_reference")
        }
        guard !current.version.inPortal else { throw ManagementAPIError.conflict("This product version is already in the portal") }
        var version = current.version
        version.inPortal = true
        try change.apply(to: &version, context: context)
        let saved = try APIProducts.saveVersion(version, access.audit("portal_product_version.create", "portal_product_version", versionID), context)
        return .json(saved.portalJSON, status: 201)
    }

    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        try change(request, context, required: false)
    }

    static func replace(_ request: Request, _ context: RequestContext) throws -> Response {
        try change(request, context, required: true)
    }

    /// Takes the version out of the portal: unlisted, unpublished, closed to registration (its existing
    /// registrations stay, closed). 204.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, current) = try target(.admin, request, context)
        var version = current.version
        version.inPortal = false
        version.publishStatus = .unpublished
        version.applicationRegistrationEnabled = false
        version.updatedAt = context.services.now()
        _ = try APIProducts.saveVersion(version, access.audit("portal_product_version.delete", "portal_product_version", version.id), context)
        return .noContent
    }

    /// PATCH (`required` false) and PUT (`required` true); `notify_developers` mails the developers with
    /// a registration to the version about the change.
    private static func change(_ request: Request, _ context: RequestContext, required: Bool) throws -> Response {
        let (access, current) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: settings.union(["notify_developers"]))
        let change = Settings(&body, required: required)
        let notify = body.bool("notify_developers") ?? false
        try body.finish()
        var version = current.version
        try change.apply(to: &version, context: context)
        version.updatedAt = context.services.now()
        let action = required ? "portal_product_version.replace" : "portal_product_version.update"
        let saved = try APIProducts.saveVersion(version, access.audit(action, "portal_product_version", version.id), context)
        if notify {
            try context.services.management.notifyRegisteredDevelopers(
                versionID: version.id, portalID: access.portal.id, now: context.services.now(),
                subject: "Changes to \(version.name) in \(access.portal.name)",
                body: """
                    An API version your applications are registered to changed: \(version.name) is now \
                    \(version.publishStatus.rawValue)\(version.deprecated ? " and deprecated" : "")\
                    \(version.applicationRegistrationEnabled ? "" : ", closed to new registrations").

                    \(access.portalBaseURL)/
                    """)
            context.services.background.wakeUp()
        }
        return .json(saved.portalJSON)
    }

    private static func target(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> (ManagementAccess, ManagedVersion) {
        let access = try ManagementAccess.require(role, portalID: try request.uuidParameter("portalId"), request, context)
        guard let version = try context.services.catalog.managedVersion(id: try request.uuidParameter("productVersionId"), portalID: access.portal.id),
              version.version.inPortal
        else { throw ManagementAPIError.notFound("Portal product version") }
        return (access, version)
    }

    /// The settings of a body, read once.
    struct Settings {
        var publishStatus: String?
        var strategyIDs: [String]?
        var registration: Bool?
        var autoApprove: Bool?
        var deprecated: Bool?

        init(_ body: inout ManagementBody, required: Bool) {
            publishStatus = body.choice("publish_status", ["published", "unpublished"], required: required)
            strategyIDs = body.uuidArray("auth_strategy_ids", maximumCount: 1, required: required)
            registration = body.bool("application_registration_enabled")
            autoApprove = body.bool("auto_approve_registration")
            deprecated = body.bool("deprecated")
            if required {
                for (name, value) in [("application_registration_enabled", registration), ("auto_approve_registration", autoApprove), ("deprecated", deprecated)]
                where value == nil {
                    body.require(name)
                }
            }
        }

        func apply(to version: inout ProductVersion, context: RequestContext) throws {
            if let publishStatus { version.publishStatus = ProductVersion.PublishStatus(rawValue: publishStatus) ?? version.publishStatus }
            if let strategyIDs {
                version.authStrategyID = strategyIDs.first
                if strategyIDs.isEmpty { version.authStrategy = .keyAuth }
            }
            if let registration { version.applicationRegistrationEnabled = registration }
            if let autoApprove { version.autoApproveRegistration = autoApprove }
            if let deprecated { version.deprecated = deprecated }
        }
    }
}
