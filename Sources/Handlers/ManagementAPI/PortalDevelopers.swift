import Foundation
import Storage

/// `/api/v2/portals/{portalId}/developers…` (seed 001, v2 tag Developers): list, get, change status,
/// delete. A developer's status gates login in the developer API at once.
enum PortalDevelopers {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/developers", list)
        router.add("GET", "/api/v2/portals/{portalId}/developers/{developerId}", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/developers/{developerId}", AuditedWrite.handler(
            "developer.update", "developer", target: AuditedWrite.path("developerId"), update))
        router.add("DELETE", "/api/v2/portals/{portalId}/developers/{developerId}", AuditedWrite.handler(
            "developer.delete", "developer", target: AuditedWrite.path("developerId"), delete))
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, ManagementRepository.developers)
        return ListQuery.page(try context.services.management.developers(portalID: access.portal.id, criteria), criteria, \.json)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        guard let developer = try context.services.management.developer(id: try request.uuidParameter("developerId"), portalID: access.portal.id)
        else { throw ManagementAPIError.notFound("Developer") }
        return .json(developer.json)
    }

    /// `{"status": "approved" | "pending" | "revoked" | "rejected"}`. Leaving approved ends the
    /// developer's sessions at once; becoming approved mails the developer.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        let developerID = try request.uuidParameter("developerId")
        var body = try ManagementBody(request, allowed: ["status"])
        let status = body.choice("status", ["approved", "pending", "revoked", "rejected"]).flatMap(Developer.Status.init(rawValue:))
        try body.finish()
        let management = context.services.management
        guard let status else {
            guard let developer = try management.developer(id: developerID, portalID: access.portal.id) else { throw ManagementAPIError.notFound("Developer") }
            return .json(developer.json)
        }
        let portal = access.portal
        let baseURL = access.portalBaseURL
        guard let updated = try management.setDeveloperStatus(
            id: developerID, portalID: portal.id, status: status, audit: access.audit("developer.update", "developer", developerID),
            approvalMail: { developer in
                OutgoingMail(
                    recipient: developer.email, subject: "Your \(portal.name) account was approved",
                    body: """
                        Your account on \(portal.name) was approved: you can log in now.

                        \(baseURL)/
                        """)
            })
        else { throw ManagementAPIError.notFound("Developer") }
        if status == .approved { context.services.background.wakeUp() }
        return .json(updated.json)
    }

    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.admin, portalID: try request.uuidParameter("portalId"), request, context)
        let developerID = try request.uuidParameter("developerId")
        guard try context.services.management.deleteDeveloper(
            id: developerID, portalID: access.portal.id, audit: access.audit("developer.delete", "developer", developerID))
        else { throw ManagementAPIError.notFound("Developer") }
        return .noContent
    }
}

extension ManagedDeveloper {
    /// The v2 file's `PortalDeveloper`.
    var json: JSON {
        .object([
            ("id", .string(id)), ("created_at", .timestamp(createdAt)), ("updated_at", .timestamp(updatedAt)),
            ("email", .string(email)), ("full_name", .string(fullName)), ("status", .string(status.managementName)),
            ("application_count", .int(Int64(applicationCount))),
        ])
    }
}

extension Developer.Status {
    /// The management API knows four states; invited and unverified accounts are waiting, like pending.
    var managementName: String {
        switch self {
        case .approved, .pending, .revoked, .rejected: rawValue
        case .invited, .unverified: "pending"
        }
    }
}
