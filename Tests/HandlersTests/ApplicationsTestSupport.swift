import Foundation
import Handlers
import PortalTesting
import Storage

/// A logged-in developer of a `TestPortal`, sending developer-API requests with their cookie.
struct ApplicationsClient {
    let portal: TestPortal
    let cookie: String
    let developerID: String
    let host: String

    /// Registers `email` in the portal served on `host`, logs in and reads the developer's id.
    static func make(_ portal: TestPortal, email: String, host: String = "localhost") throws -> ApplicationsClient {
        let register = portal.send(
            "POST", "/api/v1/register", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(FormEncoding.encode([("email", email), ("password", Fixture.password), ("meta", Fixture.meta)]).utf8),
            host: host)
        guard register.status == 200 else { throw FixtureError(description: "register: \(register.status) \(register.text)") }
        let login = portal.send("GET", "/api/v1/auth", headers: [("Authorization", Fixture.basic(email, Fixture.password))], host: host)
        guard login.status == 204, let cookie = login.sessionCookie else {
            throw FixtureError(description: "login: \(login.status) \(login.text)")
        }
        let developer = portal.send("GET", "/api/v1/developer", headers: [("Cookie", "portal_session=\(cookie)")], host: host)
        guard let id = developer.json?["id"]?.stringValue else { throw FixtureError(description: "developer: \(developer.text)") }
        return ApplicationsClient(portal: portal, cookie: cookie, developerID: id, host: host)
    }

    /// A request to `/api/v1` + `path`; with `form`, a form-encoded body.
    func send(_ method: String, _ path: String, form: [(String, String)]? = nil) -> TestResponse {
        var headers = [("Cookie", "portal_session=\(cookie)")]
        var body: [UInt8] = []
        if let form {
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
            body = Array(FormEncoding.encode(form).utf8)
        }
        return portal.send(method, "/api/v1" + path, headers: headers, body: body, host: host)
    }

    /// A request with a JSON body.
    func sendJSON(_ method: String, _ path: String, _ json: String) -> TestResponse {
        portal.send(
            method, "/api/v1" + path,
            headers: [("Cookie", "portal_session=\(cookie)"), ("Content-Type", "application/json")],
            body: Array(json.utf8), host: host)
    }

    /// Creates an application; returns its JSON.
    func createApplication(name: String = "My Application", redirectURI: String = "http://localhost") throws -> JSON {
        let response = send("POST", "/applications", form: [("name", name), ("redirect_uri", redirectURI)])
        guard response.status == 201, let json = response.json else {
            throw FixtureError(description: "create application: \(response.status) \(response.text)")
        }
        return json
    }
}

extension TestPortal {
    /// Adds a product version to the catalog (as the management API will); returns its id.
    func addProductVersion(
        product: String = "Payments", version: String = "v1", description: String = "Card payments",
        registration: Bool = true, autoApprove: Bool = false, publishStatus: ProductVersion.PublishStatus = .published,
        portalID: String? = nil, auth: ProductVersion.AuthStrategy = .keyAuth
    ) throws -> String {
        let catalog = CatalogRepository(database)
        let portalID = portalID ?? defaultPortal.id
        let owner = try catalog.findOrCreateProduct(portalID: portalID, name: product, now: now)
        let created = ProductVersion(
            productID: owner.id, portalID: portalID, name: version, description: description,
            publishStatus: publishStatus, applicationRegistrationEnabled: registration,
            autoApproveRegistration: autoApprove, authStrategy: auth, createdAt: now)
        try catalog.createVersion(created)
        return created.id
    }
}

extension JSON {
    /// The elements of an array (empty for other values).
    var listItems: [JSON] {
        guard case .array(let items) = self else { return [] }
        return items
    }

    /// `{"message": text}`, the seed 000 message error.
    static func apiMessage(_ text: String) -> JSON { .object([("message", .string(text))]) }

    /// `{"fields": {...}, "code": N}`, the seed 000 field error.
    static func apiFieldErrors(_ fields: [(String, JSON)], code: Int64 = 2) -> JSON {
        .object([("fields", .object(fields)), ("code", .int(code))])
    }
}

/// Epoch seconds of `Fixture.start`, as the developer API writes timestamps.
let fixtureEpoch = Int64(Fixture.start.timeIntervalSince1970)
