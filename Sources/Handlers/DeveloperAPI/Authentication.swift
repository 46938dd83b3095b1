import Foundation
import Storage

/// `GET /auth` (log in with HTTP Basic, get a `portal_session` cookie) and `DELETE /auth` (log out).
enum Authentication {
    static func login(_ request: Request, _ context: RequestContext) throws -> Response {
        try requirePasswordLogin(context)
        guard let header = request.headers["authorization"] else { throw DeveloperAPIError.unauthorized }
        guard let credentials = BasicCredentials(header: header) else { throw DeveloperAPIError.invalidCredentials }

        let services = context.services
        let developer = try services.developers.find(portalID: context.portal.id, email: credentials.username)
        guard try PasswordAttempts.verify(
                  credentials.password, email: credentials.username, developer: developer, context: context, clearingOnSuccess: false),
              let developer
        else { throw DeveloperAPIError.invalidCredentials }
        guard developer.status == .approved else {
            // The right password: the try counted before hashing is taken back here (no session starts).
            try services.loginThrottle.clear(portalID: context.portal.id, email: credentials.username)
            throw DeveloperAPIError.message(status: 401, statusMessage(developer.status))
        }
        if services.passwords.needsRehash(developer.passwordHash) {
            let hash = try services.passwords.hash(credentials.password)
            try services.developers.updatePasswordHash(developerID: developer.id, hash: hash, now: services.now())
        }
        // A new id at every login; the one the client held (if any) is revoked.
        let token = try services.sessions.start(
            developer: developer, replacing: SessionCookie.token(in: request), clearingFailuresOf: credentials.username,
            now: services.now())
        var response = Response.noContent
        response.headers.add("Set-Cookie", SessionCookie.set(token))
        response.headers.add("Cache-Control", "no-store")
        return response
    }

    /// Ends the session the cookie names (`?session_logout=true` is accepted and means the same).
    /// Answers 200 whether or not a session was live, and clears the cookie.
    static func logout(_ request: Request, _ context: RequestContext) throws -> Response {
        if let token = SessionCookie.token(in: request) {
            try context.services.sessions.revoke(token: token)
        }
        var response = Response(status: 200)
        response.headers.add("Set-Cookie", SessionCookie.clear)
        return response
    }

    /// 403 when the portal's admins turned password login off (seed 001 `basic_auth_enabled=false`);
    /// read from the cached portal row, before any password work.
    static func requirePasswordLogin(_ context: RequestContext) throws {
        guard context.portal.basicAuthEnabled else {
            throw DeveloperAPIError.message(status: 403, "Password login is turned off for this portal")
        }
    }

    static func statusMessage(_ status: Developer.Status) -> String {
        switch status {
        case .approved: "Unauthorized"
        case .pending: "Your account is pending approval"
        case .rejected: "Your account request was rejected"
        case .revoked: "Your account has been revoked"
        case .invited: "Your invitation has not been accepted yet"
        case .unverified: "Your email address has not been verified"
        }
    }
}

/// `Authorization: Basic base64(user:password)` (RFC 7617).
struct BasicCredentials: Sendable, Equatable {
    let username: String
    let password: String

    /// Nil when the header is not Basic, not base64, not UTF-8, or has no colon.
    init?(header: String) {
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "basic",
              let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
              let decoded = String(validating: Array(data), as: UTF8.self),
              let colon = decoded.firstIndex(of: ":")
        else { return nil }
        username = String(decoded[..<colon])
        password = String(decoded[decoded.index(after: colon)...])
        guard !username.isEmpty, !password.isEmpty else { return nil }
    }
}
