import Storage

/// The `portal_session` cookie (seed 000 `/auth`): `HttpOnly; Secure; SameSite=Strict; Path=/`.
enum SessionCookie {
    static let name = "portal_session"

    /// The `Set-Cookie` value that hands `token` to the browser. A session cookie: the server
    /// enforces idle and absolute expiry.
    static func set(_ token: String) -> String {
        "\(name)=\(token); Path=/; SameSite=Strict; HttpOnly; Secure"
    }

    /// The `Set-Cookie` value that removes the cookie.
    static var clear: String {
        "\(name)=; Path=/; Max-Age=0; SameSite=Strict; HttpOnly; Secure"
    }

    /// The session id the request carries, if any.
    static func token(in request: Request) -> String? {
        guard let value = request.cookie(named: name), !value.isEmpty, value.utf8.count <= 256 else { return nil }
        return value
    }
}

extension RequestContext {
    /// The developer logged in with the request's session cookie; 401 `{message}` otherwise.
    func requireDeveloper(_ request: Request) throws -> Developer {
        try requireSession(request).developer
    }

    /// The live session of the request's cookie with its developer; 401 `{message}` otherwise.
    func requireSession(_ request: Request) throws -> (session: Session, developer: Developer) {
        guard let token = SessionCookie.token(in: request),
              let found = try services.sessions.authenticate(token: token, portalID: portal.id, now: services.now())
        else { throw DeveloperAPIError.unauthorized }
        return found
    }
}
