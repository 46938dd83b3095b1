import Foundation
import Storage

/// `/api/projects/{projectId}/tokens` (seed 003): list, create and delete a project's tokens. A
/// project is a portal. Managing tokens needs the admin role (or a root token).
enum ProjectTokens {
    static func register(on router: inout Router) {
        router.add("GET", "/api/projects/{projectId}/tokens", list)
        router.add("POST", "/api/projects/{projectId}/tokens", create)
        router.add("DELETE", "/api/projects/{projectId}/tokens/{tokenId}", delete)
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let (portalID, _) = try project(request, context)
        let tokens = try context.services.projectTokens.list(portalID: portalID)
        return .json(.array(tokens.map { $0.projectTokensJSON(secret: nil) }))
    }

    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let (portalID, caller) = try project(request, context)
        let now = context.services.now()
        let fields = try TokenFields(request.body, now: now)
        let secret = ProjectToken.generateSecret()
        let token = ProjectToken(
            portalID: portalID, role: fields.role, name: fields.name, secretHash: SecretToken.hash(secret),
            type: fields.type, brokers: JSON.array(fields.brokers.map { .string($0) }).text, issuer: caller.id,
            issueDate: now, validDate: fields.validDate)
        try context.services.projectTokens.create(token)
        context.logger.info("project token created", metadata: [
            "token.id": "\(token.id)", "portal.id": "\(portalID)", "token.role": "\(token.role.rawValue)",
            "issuer.id": "\(caller.id)",
        ])
        return .json(token.projectTokensJSON(secret: secret))
    }

    /// 200 `true` (seed 003: "Flag indicating if deletion was successful").
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (portalID, caller) = try project(request, context)
        let tokenID = request.parameters["tokenId"] ?? ""
        guard try context.services.projectTokens.delete(id: tokenID, portalID: portalID) else {
            throw HTTPError(404, "No token \(tokenID) in this project")
        }
        context.logger.info("project token deleted", metadata: ["token.id": "\(tokenID)", "issuer.id": "\(caller.id)"])
        return .json(.bool(true))
    }

    /// The project (portal) of the path, after checking the caller may manage its tokens. A project
    /// token learns nothing about other projects (403 whether or not they exist); root gets 404.
    private static func project(_ request: Request, _ context: RequestContext) throws -> (portalID: String, caller: ProjectToken) {
        let portalID = request.parameters["projectId"] ?? ""
        let caller = try AdminAuthentication.require(.admin, on: portalID, request, services: context.services)
        guard try context.services.portals.find(id: portalID) != nil else {
            throw HTTPError(404, "No project \(portalID)")
        }
        return (portalID, caller)
    }
}

/// The body of `POST /tokens`, validated.
struct TokenFields {
    var name: String
    var role: ProjectToken.Role
    var type: ProjectToken.Kind
    var brokers: [String]
    var validDate: Date?

    init(_ body: [UInt8], now: Date) throws {
        let document: JSON
        do {
            document = try JSON.parse(body)
        } catch {
            throw ProjectTokensAPIError(status: 400, message: "The body is not valid JSON: \(error.message)", info: .null)
        }
        guard case .object = document else {
            throw ProjectTokensAPIError(status: 400, message: "The body must be a JSON object", info: .null)
        }
        var errors: [(String, JSON)] = []
        func problem(_ field: String, _ reason: String) { errors.append((field, .string(reason))) }

        name = ""
        if case .string(let text)? = document["name"], !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            name = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.count > 255 { problem("name", "must be at most 255 characters") }
            // Names end up in logs and the CLI's one-line-per-token list.
            if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                problem("name", "must not contain control characters")
            }
        } else {
            problem("name", "is required: a non-empty string")
        }
        role = .viewer
        if let value = document["role"] {
            if case .string(let text) = value, let parsed = ProjectToken.Role(rawValue: text), parsed != .root {
                role = parsed
            } else {
                problem("role", "must be one of admin, editor, viewer")
            }
        }
        type = .unrestricted
        if let value = document["type"] {
            if case .string(let text) = value, let parsed = ProjectToken.Kind(rawValue: text) {
                type = parsed
            } else {
                problem("type", "must be restricted or unrestricted")
            }
        }
        if type == .restricted, role == .admin { problem("role", "a restricted token cannot have the admin role") }
        brokers = []
        switch document["brokers"] {
        case nil, .null?: break
        case .array(let items)?:
            brokers = items.compactMap(\.stringValue)
            if brokers.count != items.count || brokers.count > 100 || brokers.contains(where: { $0.isEmpty || $0.count > 255 }) {
                problem("brokers", "must be an array of at most 100 non-empty strings")
            }
        default: problem("brokers", "must be an array of strings")
        }
        validDate = nil
        switch document["valid_date"] {
        case nil, .null?: break
        case let value?:
            if let date = Self.date(value), date <= Self.latestDate {
                if date <= now { problem("valid_date", "must be in the future") } else { validDate = date }
            } else {
                problem("valid_date", "must be an RFC 3339 date-time or epoch seconds")
            }
        }
        guard errors.isEmpty else { throw ProjectTokensAPIError.invalid(errors) }
    }

    /// RFC 3339's last representable instant, 9999-12-31T23:59:59Z.
    static let latestDate = Date(timeIntervalSince1970: 253_402_300_799)

    /// RFC 3339 (`2030-01-01T00:00:00Z`, fractional seconds allowed) or epoch seconds (number or digits).
    static func date(_ value: JSON) -> Date? {
        switch value {
        case .int(let seconds): return abs(seconds) < 1_000_000_000_000 ? Date(timeIntervalSince1970: TimeInterval(seconds)) : nil
        case .double(let seconds) where seconds.isFinite && abs(seconds) < 1e12: return Date(timeIntervalSince1970: seconds)
        case .string(let text):
            if let seconds = Int64(text) { return abs(seconds) < 1_000_000_000_000 ? Date(timeIntervalSince1970: TimeInterval(seconds)) : nil }
            return RFC3339.parse(text)
        default: return nil
        }
    }
}

extension ProjectToken {
    /// The seed's token object; `token` (the secret) only when given, i.e. in the creation reply.
    func projectTokensJSON(secret: String?) -> JSON {
        var members: [(String, JSON)] = [
            ("id", .string(id)), ("project_id", portalID.map { .string($0) } ?? .null), ("role_id", .string(role.rawValue)),
            ("issuer", .string(issuer)), ("name", .string(name)), ("hash", .string(secretHash)),
            ("issue_date", .epochSeconds(issueDate)), ("valid_date", validDate.map { .epochSeconds($0) } ?? .null),
            ("last_used_date", lastUsedDate.map { .epochSeconds($0) } ?? .null),
            ("brokers", (try? JSON.parse(brokers)) ?? .array([])), ("type", .string(type.rawValue)),
        ]
        if let secret { members.append(("token", .string(secret))) }
        return .object(members)
    }
}
