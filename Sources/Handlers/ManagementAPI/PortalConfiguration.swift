import Foundation
import Storage

/// `/api/v2/portals/{portalId}/configuration` (seed 001 text; in neither spec file): the portal's
/// configuration as `{"data": {...}}`. Two keys drive the developer API — `email_verification` (new
/// developers confirm their address) and `developer_meta_fields` (the sign-up fields, seed 000's
/// `/developer/meta_fields` shape); every other key is kept as given for the provider's own use.
enum PortalConfiguration {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/configuration", show)
        router.add("PUT", "/api/v2/portals/{portalId}/configuration", AuditedWrite.handler(
            "portal.configuration.update", "portal", target: AuditedWrite.path("portalId"), replace))
        router.add("PATCH", "/api/v2/portals/{portalId}/configuration", AuditedWrite.handler(
            "portal.configuration.update", "portal", target: AuditedWrite.path("portalId"), update))
    }

    static let maximumBytes = 65_536

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        return .json(.object([("data", data(of: access.portal))]))
    }

    /// PUT: `data` replaces the configuration; the driving keys not given go back to their defaults.
    static func replace(_ request: Request, _ context: RequestContext) throws -> Response {
        try change(request, context, merge: false)
    }

    /// PATCH: `data`'s members replace the stored ones; a null member removes one.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        try change(request, context, merge: true)
    }

    private static func change(_ request: Request, _ context: RequestContext, merge: Bool) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        let body = try ManagementBody(request, allowed: ["data"])
        try body.finish()
        guard case .object(let given)? = body.value("data") else {
            throw ManagementAPIError.invalid("data", "is a required object", rule: "required")
        }
        var portal = access.portal
        var stored: [(String, JSON)] = []
        if merge, case .object(let current)? = try? JSON.parse(portal.configuration) { stored = current }
        if !merge {
            portal.emailVerification = false
            portal.developerMetaFields = Portal.defaultMetaFields
        }
        for (key, value) in given {
            switch key {
            case "email_verification":
                guard case .bool(let on) = value else { throw ManagementAPIError.invalid("data.email_verification", "must be a boolean", rule: "is_boolean") }
                portal.emailVerification = on
            case "developer_meta_fields":
                portal.developerMetaFields = try metaFields(value)
            default:
                stored.removeAll { $0.0 == key }
                if value != .null { stored.append((key, value)) }
            }
        }
        let text = JSON.object(stored).text
        guard text.utf8.count <= maximumBytes else {
            throw ManagementAPIError.invalid("data", "must be at most \(maximumBytes) bytes", rule: "max", extra: ("maximum", .int(Int64(maximumBytes))))
        }
        portal.configuration = text
        portal.updatedAt = context.services.now()
        switch try context.services.management.savePortal(portal, audit: access.audit("portal.configuration.update", "portal", portal.id)) {
        case .success: return .json(.object([("data", data(of: portal))]))
        case .failure: throw ManagementAPIError.conflict("The portal conflicts with another portal")
        }
    }

    /// The stored keys plus the two that drive the developer API, as they are now.
    static func data(of portal: Portal) -> JSON {
        var members: [(String, JSON)] = []
        if case .object(let stored)? = try? JSON.parse(portal.configuration) { members = stored }
        members.removeAll { $0.0 == "email_verification" || $0.0 == "developer_meta_fields" }
        members.append(("email_verification", .bool(portal.emailVerification)))
        members.append(("developer_meta_fields", .array(MetaField.of(portal).map(\.json))))
        return .object(members)
    }

    /// An array of 1–20 sign-up fields `{title, label, is_email, validator: {type: "string", required}}`.
    static func metaFields(_ value: JSON) throws -> String {
        guard case .array(let items) = value, (1...20).contains(items.count) else {
            throw ManagementAPIError.invalid("data.developer_meta_fields", "must be an array of 1 to 20 sign-up fields", rule: "is_array")
        }
        var titles = Set<String>()
        let fields = try items.map { item -> MetaField in
            guard let title = item["title"]?.stringValue, MetaField.isValidTitle(title), titles.insert(title).inserted else {
                throw ManagementAPIError.invalid("data.developer_meta_fields", "each field needs a unique title of letters, digits and _", rule: "invalid")
            }
            return MetaField(
                title: title, label: item["label"]?.stringValue.map { String($0.prefix(255)) } ?? title,
                isEmail: item["is_email"] == .bool(true), required: item["validator"]?["required"] == .bool(true))
        }
        return JSON.array(fields.map(\.json)).text
    }
}

extension MetaField {
    /// A sign-up field's name: 1–64 letters, digits or `_`.
    static func isValidTitle(_ title: String) -> Bool {
        (1...64).contains(title.count) && title.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
    }
}
