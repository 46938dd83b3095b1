import Foundation
import Storage

/// The admin credential of a request: a project token (seed 003) sent as `Authorization: Bearer
/// <secret>`, as the bare `Authorization: <secret>` (Tyk's form, seed 002), or — only in the family
/// whose docs name it, the project tokens at `/api/projects` — as `?token=<secret>`.
/// Looked up on every request, so a deleted or expired token stops working at once in every worker.
enum AdminAuthentication {
    /// The secret the request carries, if any.
    static func secret(in request: Request) -> String? {
        if let header = request.headers["authorization"]?.trimmingCharacters(in: .whitespaces), !header.isEmpty {
            return header.contains(" ") ? BearerToken.secret(in: header) : header
        }
        // A secret in a URL ends up in histories and proxies' logs: only seed 003's family takes it there.
        guard request.path.hasPrefix("/api/projects/") else { return nil }
        return request.query["token"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The live token of the request; 401 in the family's format otherwise.
    static func requireToken(_ request: Request, services: Services) throws -> ProjectToken {
        guard let secret = secret(in: request), secret.utf8.count <= 512 else {
            throw HTTPError(401, "Missing or malformed project token (send Authorization: Bearer <token>)")
        }
        guard let token = try services.projectTokens.authenticate(secret: secret, now: services.now()) else {
            throw HTTPError(401, "Invalid, expired or revoked project token")
        }
        return token
    }

    /// The request's token if it may act on `portalID` with at least `role`: 401 without a live token,
    /// 403 when it belongs to another project or its role is too low.
    static func require(_ role: ProjectToken.Role, on portalID: String, _ request: Request, services: Services) throws -> ProjectToken {
        let token = try requireToken(request, services: services)
        guard token.role == .root || token.portalID == portalID else {
            throw HTTPError(403, "This token belongs to another project")
        }
        guard token.allows(role, on: portalID) else {
            throw HTTPError(403, "This token's role (\(token.role.rawValue)) may not do this; it needs \(role.rawValue)")
        }
        return token
    }
}

/// The secret of an `Authorization: Bearer <secret>` header (the scheme in any case, the secret trimmed);
/// nil for any other scheme. Shared with the supervisor's status page, which takes root tokens this way.
public enum BearerToken {
    public static func secret(in header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}
