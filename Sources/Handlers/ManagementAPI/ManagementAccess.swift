import Foundation
import Storage

/// Who may do what in the management API: project tokens see only their own portal (another portal's
/// ids are 404, as if absent); viewers read, editors write, admins delete; root does everything and is
/// the only one that lists every portal and creates portals.
struct ManagementAccess {
    let token: ProjectToken
    let portal: Portal
    let request: Request
    let context: RequestContext

    /// The caller's token and the path's portal, if the token may act on it with `role`.
    /// The token is checked before the path's ids (401 before 400).
    static func require(
        _ role: ProjectToken.Role, portalID: @autoclosure () throws -> String, _ request: Request, _ context: RequestContext
    ) throws -> ManagementAccess {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        let portalID = try portalID()
        guard token.role == .root || token.portalID == portalID,
              let portal = try context.services.portals.find(id: portalID)
        else { throw ManagementAPIError.notFound("Portal") }
        guard token.allows(role, on: portalID) else {
            if role >= .editor {
                // A refused write is audited too (outcome `forbidden`), in its own transaction.
                try context.services.auditLog.recordRefusal(AuditEntry(
                    portalID: portalID, tokenID: token.id, action: "\(request.method) \(request.path)", targetType: "request",
                    targetID: portalID, clientAddress: request.remoteAddress, at: context.services.now()), outcome: "forbidden")
            }
            throw ManagementAPIError(status: 403, detail: "This token's role (\(token.role.rawValue)) may not do this; it needs \(role.rawValue)")
        }
        return ManagementAccess(token: token, portal: portal, request: request, context: context)
    }

    /// The public base URL of the portal being managed (mail to its developers links there, whatever
    /// host the admin called).
    var portalBaseURL: String { context.services.baseURL(for: portal) }

    /// The audit entry of a write by this caller.
    func audit(_ action: String, _ targetType: String, _ targetID: String) -> AuditEntry {
        AuditEntry(
            portalID: portal.id, tokenID: token.id, action: action, targetType: targetType, targetID: targetID,
            clientAddress: request.remoteAddress, at: context.services.now())
    }
}

extension Request {
    /// The path parameter `name`, which must be a UUID (400 naming it otherwise).
    func uuidParameter(_ name: String) throws -> String {
        let value = parameters[name] ?? ""
        guard UUID(uuidString: value) != nil else {
            throw ManagementAPIError.invalid(name, "must be a UUID", rule: "is_uuid", source: "path")
        }
        return value.lowercased()
    }
}

/// RFC 3339 timestamps of the management API.
extension JSON {
    static func timestamp(_ date: Date) -> JSON { .string(RFC3339.format(date)) }
}
