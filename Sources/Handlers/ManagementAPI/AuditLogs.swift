import Foundation
import Storage

/// Audit logs (seed 001 Portal Audit Logs): a portal's webhook (where its entries go), the status of
/// the last delivery, replay jobs that re-send a time range; and the destinations webhooks point at,
/// an installation-wide extension at `/api/v2/audit-log-destinations` (root tokens write, any token reads).
enum AuditLogs {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/audit-log-webhook", webhook)
        router.add("PATCH", "/api/v2/portals/{portalId}/audit-log-webhook", updateWebhook)
        router.add("DELETE", "/api/v2/portals/{portalId}/audit-log-webhook", deleteWebhook)
        router.add("GET", "/api/v2/portals/{portalId}/audit-log-webhook/status", webhookStatus)
        router.add("GET", "/api/v2/portals/{portalId}/audit-log-replay-job", replayJob)
        router.add("PUT", "/api/v2/portals/{portalId}/audit-log-replay-job", startReplay)
        router.add("GET", "/api/v2/audit-log-destinations", destinations)
        router.add("POST", "/api/v2/audit-log-destinations", createDestination)
        router.add("GET", "/api/v2/audit-log-destinations/{destinationId}", destination)
        router.add("PATCH", "/api/v2/audit-log-destinations/{destinationId}", updateDestination)
        router.add("DELETE", "/api/v2/audit-log-destinations/{destinationId}", deleteDestination)
    }

    /// How far back a replay may reach (the v2 file: "Must be within the last 7 days").
    static let replayWindow: TimeInterval = 7 * 86_400
    /// Clock skew allowed for an `end_at` of "now".
    static let clockSkew: TimeInterval = 60

    // MARK: Webhook

    static func webhook(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        return .json(json(try context.services.auditDelivery.webhook(portalID: access.portal.id)))
    }

    /// `{enabled?, audit_log_destination_id?}`; enabling needs a destination. Admins only: it decides
    /// where the portal's audit trail goes.
    static func updateWebhook(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.admin, portalID: try request.uuidParameter("portalId"), request, context)
        let repository = context.services.auditDelivery
        var body = try ManagementBody(request, allowed: ["enabled", "audit_log_destination_id"])
        var webhook = try repository.webhook(portalID: access.portal.id)
        if let enabled = body.bool("enabled") { webhook.enabled = enabled }
        let destination = body.uuid("audit_log_destination_id")
        if case .value(let id) = destination, try repository.destination(id: id) == nil {
            body.invalidReference("audit_log_destination_id", "names no audit-log destination")
        }
        webhook.destinationID = destination.apply(to: webhook.destinationID)
        if webhook.enabled, webhook.destinationID == nil { body.dependent("enabled", on: ["audit_log_destination_id"]) }
        try body.finish()
        try repository.configureWebhook(
            portalID: access.portal.id, enabled: webhook.enabled, destinationID: webhook.destinationID, now: context.services.now(),
            audit: access.audit("portal.audit_log_webhook.update", "portal", access.portal.id))
        return .json(json(try repository.webhook(portalID: access.portal.id)))
    }

    /// Clears the destination and disables the webhook.
    static func deleteWebhook(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.admin, portalID: try request.uuidParameter("portalId"), request, context)
        try context.services.auditDelivery.configureWebhook(
            portalID: access.portal.id, enabled: false, destinationID: nil, now: context.services.now(),
            audit: access.audit("portal.audit_log_webhook.delete", "portal", access.portal.id))
        return .noContent
    }

    /// `active` while enabled and the last attempt (if any) got a 2xx.
    static func webhookStatus(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let webhook = try context.services.auditDelivery.webhook(portalID: access.portal.id)
        let healthy = webhook.lastAttemptAt == nil || webhook.lastResponseCode.map { (200...299).contains($0) } == true
        var members: [(String, JSON)] = [
            ("webhook_enabled", .bool(webhook.enabled)),
            ("webhook_status", .string(webhook.enabled && webhook.destinationID != nil && healthy ? "active" : "inactive")),
        ]
        if let at = webhook.lastAttemptAt { members.append(("last_attempt_at", .timestamp(at))) }
        if let code = webhook.lastResponseCode { members.append(("last_response_code", .int(Int64(code)))) }
        if let message = webhook.lastResponseMessage { members.append(("last_response_message", .string(message))) }
        return .json(.object(members))
    }

    static func json(_ webhook: AuditLogWebhook) -> JSON {
        var members: [(String, JSON)] = [("enabled", .bool(webhook.enabled))]
        if let id = webhook.destinationID { members.append(("audit_log_destination_id", .string(id))) }
        return .object(members)
    }

    // MARK: Replay jobs

    static func replayJob(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        guard let job = try context.services.auditDelivery.replayJob(portalID: access.portal.id) else {
            return .json(.object([("status", .string("unconfigured"))]))
        }
        return .json(json(job))
    }

    /// `{start_at, end_at}` within the last 7 days → 202; the background loop re-sends the entries of
    /// that range to the webhook's destination. 409 while a replay is unfinished.
    static func startReplay(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.admin, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: ["start_at", "end_at"])
        let now = context.services.now()
        func date(_ name: String) -> Date? {
            guard case .value(let text) = body.string(name, required: true, maxLength: 64) else { return nil }
            guard let date = RFC3339.parse(text) else {
                body.reject(name, "must be an RFC 3339 date-time, e.g. 2017-07-21T17:32:28Z", rule: "is_date_time")
                return nil
            }
            if date < now.addingTimeInterval(-replayWindow) || date > now.addingTimeInterval(clockSkew) {
                body.reject(name, "must be within the last 7 days", rule: "invalid")
                return nil
            }
            return date
        }
        let start = date("start_at"), end = date("end_at")
        if let start, let end, start > end { body.reject("end_at", "must not be before start_at", rule: "invalid") }
        let webhook = try context.services.auditDelivery.webhook(portalID: access.portal.id)
        if webhook.destinationID == nil {
            body.dependent("start_at", on: ["audit_log_destination_id"])
        }
        try body.finish()
        guard let start, let end else { throw ManagementAPIError.invalid("start_at", "is required", rule: "required") }
        guard try context.services.auditDelivery.startReplay(
            portalID: access.portal.id, start: start, end: end, now: now,
            audit: access.audit("portal.audit_log_replay_job.update", "portal", access.portal.id))
        else { throw ManagementAPIError.conflict("A replay job of this portal is still running") }
        context.services.background.wakeUp()
        guard let job = try context.services.auditDelivery.replayJob(portalID: access.portal.id) else { throw ManagementAPIError.notFound("Replay job") }
        return .json(json(job), status: 202)
    }

    static func json(_ job: AuditLogReplayJob) -> JSON {
        .object([
            ("start_at", .timestamp(job.startAt)), ("end_at", .timestamp(job.endAt)), ("status", .string(job.status)),
            ("updated_at", .timestamp(job.updatedAt)),
        ])
    }

    // MARK: Destinations (extension)

    static func destinations(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try AdminAuthentication.requireToken(request, services: context.services)
        let criteria = try ListQuery.criteria(request, AuditDeliveryRepository.destinations)
        return ListQuery.page(try context.services.auditDelivery.destinations(criteria), criteria, json)
    }

    static func destination(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try AdminAuthentication.requireToken(request, services: context.services)
        return .json(json(try target(request, context)))
    }

    static func createDestination(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try requireRoot(request, context)
        var body = try ManagementBody(request, allowed: ["name", "endpoint", "authorization", "log_format"])
        let name = body.string("name", required: true, maxLength: 255)
        let endpoint = body.url("endpoint", required: true)
        let authorization = body.string("authorization", maxLength: 4096, nullable: true)
        _ = body.choice("log_format", ["json"])
        try body.finish()
        guard case .value(let name) = name, case .value(let endpoint) = endpoint else {
            throw ManagementAPIError.invalid("name", "name and endpoint are required", rule: "required")
        }
        let destination = AuditLogDestination(name: name, endpoint: endpoint, authorization: authorization.apply(to: nil), createdAt: context.services.now())
        try save(destination, audit(token, "audit_log_destination.create", destination.id, request, context), context)
        return .json(json(destination), status: 201)
    }

    static func updateDestination(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try requireRoot(request, context)
        var destination = try target(request, context)
        var body = try ManagementBody(request, allowed: ["name", "endpoint", "authorization", "log_format"])
        if case .value(let name) = body.string("name", maxLength: 255) { destination.name = name }
        if case .value(let endpoint) = body.url("endpoint") { destination.endpoint = endpoint }
        destination.authorization = body.string("authorization", maxLength: 4096, nullable: true).apply(to: destination.authorization)
        _ = body.choice("log_format", ["json"])
        try body.finish()
        destination.updatedAt = context.services.now()
        try save(destination, audit(token, "audit_log_destination.update", destination.id, request, context), context)
        return .json(json(destination))
    }

    static func deleteDestination(_ request: Request, _ context: RequestContext) throws -> Response {
        let token = try requireRoot(request, context)
        let destination = try target(request, context)
        switch try context.services.auditDelivery.deleteDestination(
            id: destination.id, audit: audit(token, "audit_log_destination.delete", destination.id, request, context)) {
        case .deleted: return .noContent
        case .notFound: throw ManagementAPIError.notFound("Audit-log destination")
        case .inUse: throw ManagementAPIError.conflict("A portal's audit-log webhook sends to this destination")
        }
    }

    private static func requireRoot(_ request: Request, _ context: RequestContext) throws -> ProjectToken {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        guard token.role == .root else {
            throw ManagementAPIError(status: 403, detail: "Audit-log destinations belong to the installation: only a root token may change them")
        }
        return token
    }

    private static func target(_ request: Request, _ context: RequestContext) throws -> AuditLogDestination {
        guard let destination = try context.services.auditDelivery.destination(id: try request.uuidParameter("destinationId")) else {
            throw ManagementAPIError.notFound("Audit-log destination")
        }
        return destination
    }

    private static func audit(_ token: ProjectToken, _ action: String, _ id: String, _ request: Request, _ context: RequestContext) -> AuditEntry {
        AuditEntry(portalID: nil, tokenID: token.id, action: action, targetType: "audit_log_destination", targetID: id,
                   clientAddress: request.remoteAddress, at: context.services.now())
    }

    private static func save(_ destination: AuditLogDestination, _ audit: AuditEntry, _ context: RequestContext) throws {
        guard try context.services.auditDelivery.save(destination, audit: audit) else {
            throw ManagementAPIError.conflict("Another audit-log destination has this name")
        }
    }

    /// The Authorization value is write-only.
    static func json(_ destination: AuditLogDestination) -> JSON {
        .object([
            ("id", .string(destination.id)), ("name", .string(destination.name)), ("endpoint", .string(destination.endpoint)),
            ("log_format", .string(destination.logFormat)), ("authorization_set", .bool(destination.authorization != nil)),
            ("created_at", .timestamp(destination.createdAt)), ("updated_at", .timestamp(destination.updatedAt)),
        ])
    }
}
