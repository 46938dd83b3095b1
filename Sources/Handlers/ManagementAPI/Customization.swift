import Foundation
import Storage

/// `/api/v2/portals/{portalId}/customization` (seed 001 text, v3 paths): a free-form JSON object the
/// provider's own portal client reads. PUT replaces it; PATCH merges (RFC 7396 JSON merge patch).
enum Customization {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/customization", show)
        router.add("PUT", "/api/v2/portals/{portalId}/customization", replace)
        router.add("PATCH", "/api/v2/portals/{portalId}/customization", update)
    }

    static let maximumBytes = 65_536

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        return jsonResponse(try context.services.portalSettings.customization(portalID: access.portal.id))
    }

    static func replace(_ request: Request, _ context: RequestContext) throws -> Response {
        try change(request, context) { _, given in given }
    }

    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        try change(request, context) { current, patch in mergePatch(current, patch) }
    }

    private static func change(_ request: Request, _ context: RequestContext, _ apply: @escaping (JSON, JSON) -> JSON) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        let given: JSON
        do {
            given = try JSON.parse(request.body.isEmpty ? Array("{}".utf8) : request.body)
        } catch {
            throw ManagementAPIError.invalid("body", "is not valid JSON: \(error.message)", rule: "is_object")
        }
        guard case .object = given else { throw ManagementAPIError.invalid("body", "must be a JSON object", rule: "is_object") }
        let stored = try context.services.portalSettings.updateCustomization(
            portalID: access.portal.id, now: context.services.now(), audit: access.audit("portal.customization.update", "portal", access.portal.id)
        ) { current in
            let text = apply((try? JSON.parse(current)) ?? .object([]), given).text
            return text.utf8.count <= maximumBytes ? text : nil
        }
        guard let stored else {
            throw ManagementAPIError.invalid("body", "the customization must be at most \(maximumBytes) bytes", rule: "invalid",
                                             extra: ("maximum", .int(Int64(maximumBytes))))
        }
        return jsonResponse(stored)
    }

    /// RFC 7396: objects merge member by member, `null` removes a member, anything else replaces.
    static func mergePatch(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let changes) = patch else { return patch }
        var members: [(String, JSON)] = []
        if case .object(let current) = target { members = current }
        for (key, value) in changes {
            let index = members.firstIndex { $0.0 == key }
            if value == .null {
                if let index { members.remove(at: index) }
            } else if let index {
                members[index].1 = mergePatch(members[index].1, value)
            } else {
                members.append((key, mergePatch(.null, value)))
            }
        }
        return .object(members)
    }

    private static func jsonResponse(_ text: String) -> Response {
        Response(status: 200, headers: HTTPHeaders([("Content-Type", "application/json")]), body: Array(text.utf8))
    }
}
