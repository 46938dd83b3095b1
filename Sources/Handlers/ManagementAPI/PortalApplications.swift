import Foundation
import Storage

/// `/api/v2/portals/{portalId}/applications…` and `/api/v2/applications/{applicationId}` (seed 001,
/// v2 tag Applications): the developers' applications of a portal.
enum PortalApplications {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/applications", list)
        router.add("GET", "/api/v2/portals/{portalId}/applications/{applicationId}", show)
        router.add("DELETE", "/api/v2/portals/{portalId}/applications/{applicationId}", AuditedWrite.handler(
            "application.delete", "application", target: AuditedWrite.path("applicationId"), delete))
        router.add("GET", "/api/v2/applications/{applicationId}", showUnscoped)
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, ManagementRepository.applications)
        return ListQuery.page(try context.services.management.applications(portalID: access.portal.id, criteria), criteria, \.json)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        guard let application = try context.services.management.application(id: try request.uuidParameter("applicationId"), portalID: access.portal.id)
        else { throw ManagementAPIError.notFound("Application") }
        return .json(application.json)
    }

    /// The application wherever it is; a project token finds only its own portal's.
    static func showUnscoped(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        let scope = token.role == .root ? nil : token.portalID
        guard let application = try context.services.management.application(id: try request.uuidParameter("applicationId"), portalID: scope)
        else { throw ManagementAPIError.notFound("Application") }
        return .json(application.json)
    }

    /// Deletes it with its registrations and credentials; 204.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.admin, portalID: try request.uuidParameter("portalId"), request, context)
        let applicationID = try request.uuidParameter("applicationId")
        guard try context.services.management.deleteApplication(
            id: applicationID, portalID: access.portal.id, audit: access.audit("application.delete", "application", applicationID))
        else { throw ManagementAPIError.notFound("Application") }
        return .noContent
    }
}

extension ManagedApplication {
    /// The v2 file's `Application`. No DCR provider and no auth strategy object yet (part 2 serves
    /// the strategies); `granted_scopes` joins what its approved registrations were granted.
    var json: JSON {
        .object([
            ("id", .string(id)), ("created_at", .timestamp(createdAt)), ("updated_at", .timestamp(updatedAt)),
            ("name", .string(name)), ("description", description.isEmpty ? .null : .string(description)),
            ("labels", .object([])), ("reference_id", .string(referenceID)),
            ("registration_count", .int(Int64(registrationCount))), ("dcr_provider", .null),
            ("portal", .object([("id", .string(portalID))])),
            ("developer", .object([("id", .string(developerID)), ("name", .string(developerName)), ("email", .string(developerEmail))])),
            ("granted_scopes", .array(grantedScopes.map { .string($0) })),
        ])
    }
}
