import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// `/api/projects/{projectId}/tokens` (seed 003) in process: roles, hashing, expiry, the error shape.
@Suite struct ProjectTokensTests {
    let portal: TestPortal
    let tokens: ProjectTokenRepository
    let root: String

    init() throws {
        portal = try TestPortal()
        portal.now = Fixture.start
        tokens = ProjectTokenRepository(portal.database)
        root = try Self.make(tokens, portalID: nil, role: .root)
    }

    static func make(_ tokens: ProjectTokenRepository, portalID: String?, role: ProjectToken.Role, validDate: Date? = nil) throws -> String {
        let secret = ProjectToken.generateSecret()
        try tokens.create(ProjectToken(
            portalID: portalID, role: role, name: "\(role)", secretHash: SecretToken.hash(secret), issuer: "cli",
            issueDate: Fixture.start, validDate: validDate))
        return secret
    }

    var path: String { "/api/projects/\(portal.defaultPortal.id)/tokens" }

    func send(_ method: String, _ uri: String, _ secret: String?, body: String? = nil) -> TestResponse {
        var headers: [(String, String)] = body == nil ? [] : [("Content-Type", "application/json")]
        if let secret { headers.append(("Authorization", "Bearer \(secret)")) }
        return portal.send(method, uri, headers: headers, body: Array((body ?? "").utf8))
    }

    @Test func createReturnsTheSeedsObjectWithTheSecretOnce() throws {
        let created = send("POST", path, root, body: #"{"name":"ci","role":"editor","brokers":["b1"],"valid_date":"2030-01-01T00:00:00Z"}"#)
        #expect(created.status == 200)
        let json = try #require(created.json)
        #expect(json.keys == ["id", "project_id", "role_id", "issuer", "name", "hash", "issue_date", "valid_date", "last_used_date", "brokers", "type", "token"])
        let secret = try #require(json["token"]?.stringValue)
        #expect(secret.hasPrefix("pt_") && secret.count == 46)
        #expect(json["hash"] == .string(SecretToken.hash(secret)))
        #expect(json["valid_date"] == .int(1_893_456_000) && json["type"] == .string("unrestricted"))
        #expect(json["brokers"] == .array([.string("b1")]) && json["project_id"] == .string(portal.defaultPortal.id))
        let listed = send("GET", path, root)
        guard case .array(let items)? = listed.json else { Issue.record("not an array"); return }
        #expect(items.count == 1 && items[0]["token"] == nil && items[0]["id"] == json["id"])
        // The new editor token reads but cannot manage tokens.
        #expect(send("GET", path, secret).status == 403)
    }

    @Test func rolesAndProjectsAreEnforced() throws {
        let other = Portal(name: "Other", defaultDomain: "other.example", createdAt: Fixture.start)
        try PortalRepository(portal.database).create(other)
        let admin = try Self.make(tokens, portalID: portal.defaultPortal.id, role: .admin)
        let viewer = try Self.make(tokens, portalID: portal.defaultPortal.id, role: .viewer)
        #expect(send("GET", path, admin).status == 200)
        #expect(send("POST", path, viewer, body: #"{"name":"x"}"#).status == 403)
        let foreign = send("GET", "/api/projects/\(other.id)/tokens", admin)
        #expect(foreign.status == 403)
        #expect(foreign.json == .object([
            ("message", .string("This token belongs to another project")), ("code", .string("FORBIDDEN")),
            ("status", .int(403)), ("info", .null),
        ]))
        #expect(send("GET", "/api/projects/nope/tokens", root).status == 404)
        #expect(send("GET", "/api/projects/nope/tokens", admin).status == 403)
        #expect(send("GET", path, nil).status == 401)
        #expect(send("GET", path, "pt_unknown").status == 401)
    }

    @Test func expiredAndDeletedTokensStopWorking() throws {
        let admin = try Self.make(tokens, portalID: portal.defaultPortal.id, role: .admin, validDate: Fixture.start + 60)
        #expect(send("GET", path, admin).status == 200)
        portal.now = Fixture.start + 61
        #expect(send("GET", path, admin).status == 401)
        let created = try #require(send("POST", path, root, body: #"{"name":"short-lived","role":"admin"}"#).json)
        let id = try #require(created["id"]?.stringValue), secret = try #require(created["token"]?.stringValue)
        let deleted = send("DELETE", "\(path)/\(id)", root)
        #expect(deleted.status == 200 && deleted.text == "true")
        #expect(send("GET", path, secret).status == 401)
        #expect(send("DELETE", "\(path)/\(id)", root).status == 404)
    }

    @Test(arguments: [
        (#"{"role":"admin"}"#, "name"), (#"{"name":""}"#, "name"), (#"{"name":"x","role":"owner"}"#, "role"),
        (#"{"name":"x","type":"partial"}"#, "type"), (#"{"name":"x","role":"admin","type":"restricted"}"#, "role"),
        (#"{"name":"x","valid_date":"2020-01-01T00:00:00Z"}"#, "valid_date"), (#"{"name":"x","valid_date":"soon"}"#, "valid_date"),
        (#"{"name":"x","brokers":"b"}"#, "brokers"), (#"{"name":"x","role":"root"}"#, "role"),
        // Beyond RFC 3339's year 9999, or beyond Int64: refused before anything is stored.
        (#"{"name":"x","valid_date":253402300800}"#, "valid_date"), (#"{"name":"x","valid_date":1e19}"#, "valid_date"),
        (#"{"name":"x","valid_date":"9223372036854775807"}"#, "valid_date"),
        (#"{"name":"a\tb\nroot\troot"}"#, "name"), (#"{"name":"\n\n"}"#, "name"),
    ])
    func badFieldsAre400NamingTheField(_ body: String, _ field: String) throws {
        let response = send("POST", path, root, body: body)
        #expect(response.status == 400)
        #expect(response.json?["code"] == .string("BAD_REQUEST") && response.json?["status"] == .int(400))
        #expect(response.json?["info"]?["fields"]?[field] != nil)
    }

    @Test func longNamesAndMalformedJSONAre400() {
        #expect(send("POST", path, root, body: #"{"name":"\#(String(repeating: "n", count: 256))"}"#).status == 400)
        #expect(send("POST", path, root, body: "{").status == 400)
        #expect(send("POST", path, root, body: "[]").status == 400)
    }

    @Test func theSecretIsAcceptedInAllThreeForms() throws {
        #expect(portal.send("GET", path, headers: [("Authorization", root)]).status == 200)
        #expect(portal.send("GET", path + "?token=" + root).status == 200)
        #expect(portal.send("GET", path, headers: [("Authorization", "bearer " + root)]).status == 200)
        #expect(portal.send("GET", path, headers: [("Authorization", "Basic abc def")]).status == 401)
    }
}
