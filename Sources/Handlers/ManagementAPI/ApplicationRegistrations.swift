import Foundation
import Storage

/// Application registrations (seed 001, v2 tag Application Registrations): the same rows as the
/// developer API's application instances and the key requests, so a status set here shows there.
enum ApplicationRegistrations {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/application-registrations", listByPortal)
        router.add("GET", "/api/v2/portals/{portalId}/applications/{applicationId}/registrations", listByApplication)
        router.add("GET", "/api/v2/portals/{portalId}/applications/{applicationId}/registrations/{registrationId}", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/applications/{applicationId}/registrations/{registrationId}", AuditedWrite.handler(
            "application_registration.update", "application_registration", target: AuditedWrite.path("registrationId"), update))
        router.add("DELETE", "/api/v2/portals/{portalId}/applications/{applicationId}/registrations/{registrationId}", AuditedWrite.handler(
            "application_registration.delete", "application_registration", target: AuditedWrite.path("registrationId"), delete))
        router.add("GET", "/api/v2/portals/{portalId}/applications/{applicationId}/registrations/{registrationId}/granted-scopes", grantedScopes)
    }

    static func listByPortal(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, ManagementRepository.registrations)
        return ListQuery.page(try context.services.management.registrations(portalID: access.portal.id, applicationID: nil, criteria), criteria, \.json)
    }

    static func listByApplication(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let applicationID = try request.uuidParameter("applicationId")
        guard try context.services.management.application(id: applicationID, portalID: access.portal.id) != nil else {
            throw ManagementAPIError.notFound("Application")
        }
        let criteria = try ListQuery.criteria(request, ManagementRepository.applicationRegistrations)
        return ListQuery.page(try context.services.management.registrations(portalID: access.portal.id, applicationID: applicationID, criteria), criteria, \.json)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, applicationID, registrationID) = try target(.viewer, request, context)
        guard let found = try context.services.management.registration(id: registrationID, applicationID: applicationID, portalID: access.portal.id)
        else { throw ManagementAPIError.notFound("Application registration") }
        return .json(found.json)
    }

    /// `{"status": …}`: approving here approves the developer API's instance and the key request; the
    /// developer is mailed.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, applicationID, registrationID) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["status"])
        let status = body.choice("status", ["approved", "pending", "revoked", "rejected"]).flatMap(ApplicationRegistration.Status.init(rawValue:))
        try body.finish()
        let management = context.services.management
        guard let status else {
            guard let found = try management.registration(id: registrationID, applicationID: applicationID, portalID: access.portal.id)
            else { throw ManagementAPIError.notFound("Application registration") }
            return .json(found.json)
        }
        let baseURL = access.portalBaseURL
        guard let updated = try management.setRegistrationStatus(
            id: registrationID, applicationID: applicationID, portalID: access.portal.id, status: status,
            audit: access.audit("application_registration.update", "application_registration", registrationID),
            approvalMail: { registration in
                OutgoingMail(
                    recipient: registration.developerEmail,
                    subject: "\(registration.applicationName) may use \(registration.productName) \(registration.versionName)",
                    body: """
                        The registration of your application \(registration.applicationName) to \(registration.productName) \
                        \(registration.versionName) was approved.

                        \(baseURL)/api/v1/applications/\(registration.applicationID)/application_instances
                        """)
            })
        else { throw ManagementAPIError.notFound("Application registration") }
        if status == .approved { context.services.background.wakeUp() }
        return .json(updated.json)
    }

    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, applicationID, registrationID) = try target(.admin, request, context)
        guard try context.services.management.deleteRegistration(
            id: registrationID, applicationID: applicationID, portalID: access.portal.id,
            audit: access.audit("application_registration.delete", "application_registration", registrationID))
        else { throw ManagementAPIError.notFound("Application registration") }
        return .noContent
    }

    /// `{"data": [scopes]}`: what the approval granted (an openid_connect strategy's scopes at the time of
    /// approval, docs/decisions.md); key-auth and basic-auth registrations, and unapproved ones, grant none.
    static func grantedScopes(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, applicationID, registrationID) = try target(.viewer, request, context)
        guard let found = try context.services.management.registration(id: registrationID, applicationID: applicationID, portalID: access.portal.id)
        else { throw ManagementAPIError.notFound("Application registration") }
        return .json(.object([("data", .array(found.grantedScopes.map { .string($0) }))]))
    }

    private static func target(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> (ManagementAccess, String, String) {
        let access = try ManagementAccess.require(role, portalID: try request.uuidParameter("portalId"), request, context)
        return (access, try request.uuidParameter("applicationId"), try request.uuidParameter("registrationId"))
    }
}

extension ManagedRegistration {
    /// The v2 file's `ApplicationRegistration`.
    var json: JSON {
        .object([
            ("id", .string(id)), ("created_at", .timestamp(createdAt)), ("updated_at", .timestamp(updatedAt)),
            ("status", .string(status.rawValue)),
            ("product", .object([("id", .string(productID)), ("name", .string(productName))])),
            ("product_version", .object([("id", .string(versionID)), ("name", .string(versionName))])),
            ("application", .object([("id", .string(applicationID)), ("name", .string(applicationName))])),
            ("developer", .object([("id", .string(developerID)), ("name", .string(developerName))])),
            ("granted_scopes", .array(grantedScopes.map { .string($0) })),
        ])
    }
}
