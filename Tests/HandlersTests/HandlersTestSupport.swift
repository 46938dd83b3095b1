import Foundation
import Handlers
import PortalTesting

extension JSON {
    /// Member names of an object (nil for other values).
    var keys: Set<String>? {
        guard case .object(let members) = self else { return nil }
        return Set(members.map(\.0))
    }

    /// The same value with object members sorted by name at every level, so two documents
    /// compare by content whatever the order of their members.
    var sortedMembers: JSON {
        switch self {
        case .object(let members): .object(members.map { ($0.0, $0.1.sortedMembers) }.sorted { $0.0 < $1.0 })
        case .array(let items): .array(items.map(\.sortedMembers))
        default: self
        }
    }
}

/// Values shared by the developer API tests (seed 000's examples, with a longer password).
enum Fixture {
    /// A whole-second instant, so epoch-second timestamps are exact.
    static let start = Date(timeIntervalSince1970: 1_750_000_000)
    static let email = "ada@example.com"
    static let password = "correct horse battery"
    static let meta = #"{"full_name":"Ada Lovelace"}"#

    /// `Authorization: Basic base64(user:password)` (RFC 7617).
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
    }
}

extension TestPortal {
    /// A portal whose clock stands at `Fixture.start`.
    static func atStart(autoApprove: Bool = true) throws -> TestPortal {
        let portal = try TestPortal(autoApprove: autoApprove)
        portal.now = Fixture.start
        return portal
    }

    /// `POST /api/v1/register`, form-encoded.
    @discardableResult
    func register(
        email: String = Fixture.email, password: String = Fixture.password, meta: String = Fixture.meta
    ) -> TestResponse {
        sendForm("POST", "/api/v1/register", [("email", email), ("password", password), ("meta", meta)])
    }

    /// `GET /api/v1/auth` with Basic credentials, and the session cookie if given.
    func login(
        email: String = Fixture.email, password: String = Fixture.password, cookie: String? = nil
    ) -> TestResponse {
        var headers = [("Authorization", Fixture.basic(email, password))]
        if let cookie { headers.append(("Cookie", "portal_session=\(cookie)")) }
        return send("GET", "/api/v1/auth", headers: headers)
    }

    /// `GET /api/v1/developer` with the session cookie.
    func developer(cookie: String) -> TestResponse {
        send("GET", "/api/v1/developer", headers: [("Cookie", "portal_session=\(cookie)")])
    }

    /// Registers the fixture developer and logs in; returns the session id.
    func registerAndLogIn() throws -> String {
        let registered = register()
        guard registered.status == 200 else { throw FixtureError(description: "register: \(registered.status) \(registered.text)") }
        let login = login()
        guard login.status == 204, let cookie = login.sessionCookie else {
            throw FixtureError(description: "login: \(login.status) \(login.text)")
        }
        return cookie
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

