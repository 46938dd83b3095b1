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
            throw ManagementAPIError(status: 403, detail: "This token's role (\(token.role.rawValue)) may not do this; it needs \(role.rawValue)",
                                     audited: role >= .editor)
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

/// A management write whose refusals and failures are audited as well as its successes: a client error
/// (400, 403, 404, 409, …) is recorded with the action and target the write would have had and an outcome
/// named after the status, in a small transaction of its own after the write's transaction rolled back
/// (or never began). 401 records nothing: no caller to name. The row goes to the caller's own portal
/// (root: the path's), never into another project's log.
enum AuditedWrite {
    /// The audit target of a request: path parameters and body members, known before the handler runs.
    typealias Target = @Sendable (Request) -> String

    /// `handler`, with its failures audited as `action` on `targetType` / `target`.
    static func handler(_ action: String, _ targetType: String, target: @escaping Target, _ handler: @escaping PortalHandler) -> PortalHandler {
        { request, context in
            do {
                return try handler(request, context)
            } catch {
                if let status = auditableStatus(error) {
                    record(AuditEntry(portalID: nil, tokenID: "", action: action, targetType: targetType, targetID: target(request),
                                      clientAddress: request.remoteAddress, at: context.services.now()),
                           outcome: outcome(status), request, context)
                }
                throw error
            }
        }
    }

    /// The status of a failure this records: a client error other than 401 not already in the log (nil for
    /// server errors, which are the installation's, not the caller's).
    static func auditableStatus(_ error: any Error) -> Int? {
        let status: Int
        switch error {
        case let error as ManagementAPIError where !error.audited: status = error.status
        case let error as HTTPError: status = error.status
        default: return nil
        }
        return (400..<500).contains(status) && status != 401 ? status : nil
    }

    /// The outcome of a failed write with `status`.
    static func outcome(_ status: Int) -> String {
        switch status {
        case 400: "invalid"
        case 403: "forbidden"
        case 404: "not_found"
        case 409: "conflict"
        default: "rejected"
        }
    }

    /// Records `pending` for the request's caller (none without a live token), in its own transaction.
    private static func record(_ pending: AuditEntry, outcome: String, _ request: Request, _ context: RequestContext) {
        guard let token = try? AdminAuthentication.requireToken(request, services: context.services) else { return }
        var entry = pending
        entry.tokenID = token.id
        let pathPortal = request.parameters["portalId"].flatMap { UUID(uuidString: $0) == nil ? nil : $0.lowercased() }
        entry.portalID = token.role == .root ? pathPortal : token.portalID
        if entry.targetID.isEmpty { entry.targetID = "none" }
        do {
            try context.services.auditLog.recordRefusal(entry, outcome: outcome)
        } catch {
            // The client still gets its own answer; the lost row is logged.
            context.logger.warning("failed write not audited", metadata: ["audit.action": "\(entry.action)", "error": "\(error)"])
        }
    }

    // MARK: targets

    /// The path parameters `names`, joined by "/" (client text, cut to 100 characters each).
    static func path(_ names: String...) -> Target {
        { request in names.map { String((request.parameters[$0] ?? "").prefix(100)).lowercased() }.joined(separator: "/") }
    }

    /// The path parameter `name`, then "/" and the body's string member `member` when there is one.
    static func path(_ name: String, body member: String) -> Target {
        { request in
            let head = String((request.parameters[name] ?? "").prefix(100)).lowercased()
            guard let value = (try? JSON.parse(request.body))?[member]?.stringValue else { return head }
            return head + "/" + String(value.prefix(100)).lowercased()
        }
    }

    /// The body's string member `member` ("none" when absent): the target of a create that names it.
    static func body(_ member: String) -> Target {
        { request in (try? JSON.parse(request.body))?[member]?.stringValue.map { String($0.prefix(100)).lowercased() } ?? "none" }
    }

    /// A create's target before it exists.
    static let new: Target = { _ in "none" }
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
