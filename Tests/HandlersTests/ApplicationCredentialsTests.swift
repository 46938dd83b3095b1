import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// `/api/v1/applications/{id}/credentials` (seed 000, tag `application-credentials`): OAuth2
/// client credentials of an application.
@Suite struct ApplicationCredentialsTests {
    let portal: TestPortal
    let alice: ApplicationsClient
    let bob: ApplicationsClient
    let application: JSON
    let appID: String

    init() throws {
        portal = try TestPortal.atStart()
        alice = try ApplicationsClient.make(portal, email: "alice@example.com")
        bob = try ApplicationsClient.make(portal, email: "bob@example.com")
        application = try alice.createApplication(name: "Demo", redirectURI: "https://example.com")
        appID = try #require(application["id"]?.stringValue)
    }

    var credentials: String { "/applications/\(appID)/credentials" }

    /// The credential object of the seed's example, with the random values taken from `created`.
    func expected(_ created: JSON, name: String = "Demo", hashSecret: Bool = false, clientType: String = "confidential",
                  redirectURIs: [String] = ["https://example.com"], secret: JSON? = nil) -> JSON {
        .object([
            ("consumer", .object([("id", application["consumer"]?["id"] ?? .null)])),
            ("created_at", .int(fixtureEpoch)),
            ("id", created["id"] ?? .null),
            ("client_type", .string(clientType)),
            ("name", .string(name)),
            ("hash_secret", .bool(hashSecret)),
            ("client_id", created["client_id"] ?? .null),
            ("client_secret", secret ?? created["client_secret"] ?? .null),
            ("redirect_uris", .array(redirectURIs.map { .string($0) })),
        ])
    }

    // MARK: POST

    @Test func createWithDefaults() throws {
        let response = alice.send("POST", credentials, form: [])
        #expect(response.status == 201)
        let json = try #require(response.json)
        #expect(json == expected(json))
        let clientID = try #require(json["client_id"]?.stringValue)
        let secret = try #require(json["client_secret"]?.stringValue)
        #expect(clientID.count == 32)
        #expect(secret.count == 32)
        #expect(clientID != secret)
        // Not hashed: the stored secret is shown again.
        let id = try #require(json["id"]?.stringValue)
        #expect(alice.send("GET", "\(credentials)/\(id)").json == json)
    }

    @Test func createWithEveryField() throws {
        let response = alice.send("POST", credentials, form: [
            ("name", "Mobile"), ("client_type", "public"), ("hash_secret", "false"),
            ("redirect_uris", "https://a.example/cb"), ("redirect_uris", "http://localhost:8080/cb"),
        ])
        #expect(response.status == 201)
        let json = try #require(response.json)
        #expect(json == expected(json, name: "Mobile", clientType: "public", redirectURIs: ["https://a.example/cb", "http://localhost:8080/cb"]))
    }

    @Test(arguments: [
        (#"{"redirect_uris":["https://a.example/cb","https://b.example/cb"]}"#, true),
        (#"redirect_uris%5B%5D=https%3A%2F%2Fa.example%2Fcb&redirect_uris%5B%5D=https%3A%2F%2Fb.example%2Fcb"#, false),
        (#"redirect_uris=%5B%22https%3A%2F%2Fa.example%2Fcb%22%2C%22https%3A%2F%2Fb.example%2Fcb%22%5D"#, false),
    ])
    func redirectURIsAcceptTheUsualEncodings(_ body: String, _ isJSON: Bool) throws {
        let contentType = isJSON ? "application/json" : "application/x-www-form-urlencoded"
        let response = portal.send(
            "POST", "/api/v1" + credentials,
            headers: [("Cookie", "portal_session=\(alice.cookie)"), ("Content-Type", contentType)], body: Array(body.utf8))
        #expect(response.status == 201)
        #expect(response.json?["redirect_uris"] == .array([.string("https://a.example/cb"), .string("https://b.example/cb")]))
    }

    @Test func aHashedSecretIsShownOnceThenOnlyItsHash() throws {
        let response = alice.send("POST", credentials, form: [("hash_secret", "true")])
        #expect(response.status == 201)
        let json = try #require(response.json)
        let secret = try #require(json["client_secret"]?.stringValue)
        #expect(secret.count == 32)
        #expect(json == expected(json, hashSecret: true))

        let id = try #require(json["id"]?.stringValue)
        let shown = try #require(alice.send("GET", "\(credentials)/\(id)").json)
        #expect(shown == expected(json, hashSecret: true, secret: .string(SecretToken.hash(secret))))
        let listed = alice.send("GET", credentials).json?["data"]?.listItems.first
        #expect(listed?["client_secret"] == .string(SecretToken.hash(secret)))
        let stored = try ApplicationRepository(portal.database).findCredential(id: id, applicationID: appID, portalID: portal.defaultPortal.id)
        #expect(stored?.clientSecret == SecretToken.hash(secret))
    }

    @Test func invalidFieldsAreReportedTogether() {
        let response = alice.send("POST", credentials, form: [
            ("hash_secret", "maybe"), ("client_type", "secret-agent"), ("redirect_uris", "ftp://example.com"),
        ])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([
            ("hash_secret", .string("expected a boolean")),
            ("client_type", .string("expected one of: confidential, public")),
            ("redirect_uris", .string("each must be an absolute http or https URL")),
        ]))
        #expect(alice.send("GET", credentials).json?["total"] == .int(0))
    }

    @Test func aRedirectURIsValueThatIsNotAnArrayOfStringsIsRejected() {
        let response = alice.sendJSON("POST", credentials, #"{"redirect_uris":[1,2]}"#)
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([("redirect_uris", .string("expected an array of URLs"))]))
    }

    @Test func aTooLongNameIsRejected() {
        let response = alice.send("POST", credentials, form: [("name", String(repeating: "n", count: 256))])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([("name", .string("length must be at most 255"))]))
    }

    // MARK: GET / DELETE

    @Test func listShowsTheApplicationsCredentialsInCreationOrder() throws {
        let first = try #require(alice.send("POST", credentials, form: [("name", "one")]).json)
        let second = try #require(alice.send("POST", credentials, form: [("name", "two")]).json)
        let otherApp = try #require(try alice.createApplication(name: "Other")["id"]?.stringValue)
        _ = alice.send("POST", "/applications/\(otherApp)/credentials", form: [])

        let response = alice.send("GET", credentials)
        #expect(response.status == 200)
        #expect(response.json == .object([("data", .array([first, second])), ("next", .null), ("total", .int(2))]))

        let paged = try #require(alice.send("GET", "\(credentials)?size=1").json)
        #expect(paged["data"]?.listItems == [first])
        #expect(paged["next"] == .string("\(credentials)?size=1&offset=\(first["id"]?.stringValue ?? "")"))
    }

    @Test func deleteRemovesTheCredential() throws {
        let id = try #require(alice.send("POST", credentials, form: []).json?["id"]?.stringValue)
        let response = alice.send("DELETE", "\(credentials)/\(id)")
        #expect(response.status == 204)
        #expect(alice.send("GET", "\(credentials)/\(id)").json == .apiMessage("Not found"))
        #expect(alice.send("GET", credentials).json?["total"] == .int(0))
        #expect(alice.send("DELETE", "\(credentials)/\(id)").status == 404)
    }

    @Test func aCredentialIsOnlyFoundThroughItsOwnApplication() throws {
        let id = try #require(alice.send("POST", credentials, form: []).json?["id"]?.stringValue)
        let otherApp = try #require(try alice.createApplication(name: "Other")["id"]?.stringValue)
        #expect(alice.send("GET", "/applications/\(otherApp)/credentials/\(id)").status == 404)
        #expect(alice.send("DELETE", "/applications/\(otherApp)/credentials/\(id)").status == 404)
        #expect(alice.send("GET", "\(credentials)/\(id)").status == 200)
    }

    @Test func anotherDevelopersCredentialsAreNotFound() throws {
        let id = try #require(alice.send("POST", credentials, form: []).json?["id"]?.stringValue)
        let attempts: [(String, String, [(String, String)]?)] = [
            ("GET", credentials, nil), ("POST", credentials, []),
            ("GET", "\(credentials)/\(id)", nil), ("DELETE", "\(credentials)/\(id)", nil),
        ]
        for (method, path, form) in attempts {
            let response = bob.send(method, path, form: form)
            #expect(response.status == 404, "\(method) \(path)")
            #expect(response.json == .apiMessage("Not found"), "\(method) \(path)")
        }
        #expect(alice.send("GET", credentials).json?["total"] == .int(1))
    }

    @Test func credentialsNeedASession() {
        let response = portal.send("GET", "/api/v1" + credentials)
        #expect(response.status == 401)
        #expect(response.json == .apiMessage("Unauthorized"))
    }
}
