import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// `/api/portal/requests` (seed 002) in process: a developer's registration is a key request; approving
/// it issues the version's credential once and shows everywhere.
@Suite struct KeyRequestsTests {
    let portal: TestPortal
    let alice: ApplicationsClient
    let editor: String
    let viewer: String

    init() throws {
        portal = try TestPortal()
        portal.now = Fixture.start
        alice = try ApplicationsClient.make(portal, email: "alice@example.com")
        let tokens = ProjectTokenRepository(portal.database)
        editor = try ProjectTokensTests.make(tokens, portalID: portal.defaultPortal.id, role: .editor)
        viewer = try ProjectTokensTests.make(tokens, portalID: portal.defaultPortal.id, role: .viewer)
    }

    func admin(_ method: String, _ path: String, _ token: String, body: String = "") -> TestResponse {
        portal.send(method, path, headers: [("Authorization", token), ("Content-Type", "application/json")], body: Array(body.utf8))
    }

    /// Alice registers an application to a fresh version; returns the registration (key request) id.
    func aliceRequests(auth: ProductVersion.AuthStrategy = .keyAuth) throws -> (id: String, versionID: String, appID: String) {
        let versionID = try portal.addProductVersion(version: "v-\(auth.rawValue)", auth: auth)
        let appID = try #require(try alice.createApplication(name: "App \(auth.rawValue)")["id"]?.stringValue)
        let instance = alice.send("POST", "/applications/\(appID)/application_instances", form: [("service.id", versionID)])
        return (try #require(instance.json?["id"]?.stringValue), versionID, appID)
    }

    @Test func aDevelopersRegistrationIsAnUnapprovedKeyRequestWithTheSeedsShape() throws {
        let (id, versionID, _) = try aliceRequests()
        let list = admin("GET", "/api/portal/requests?approved=false", viewer)
        #expect(list.status == 200 && list.json?["Pages"] == .int(1))
        let item = try #require(list.json?["Data"]?.listItems.first)
        #expect(item.keys == [
            "id", "org_id", "for_api", "for_plan", "apply_policies", "by_user", "fields", "approved", "date_created", "version",
            "jwt_secret", "certificate", "oauth_info", "portal_developer", "catalogue_entry", "catalogues",
        ])
        #expect(item["id"] == .string(id) && item["for_plan"] == .string(versionID) && item["approved"] == .bool(false))
        #expect(item["by_user"] == .string(alice.developerID) && item["org_id"] == .string(portal.defaultPortal.id))
        #expect(item["portal_developer"]?["email"] == .string("alice@example.com"))
        #expect(item["catalogue_entry"]?["auth_type"] == .string("authToken") && item["catalogue_entry"]?["policy_id"] == .string(versionID))
        #expect(admin("GET", "/api/portal/requests?approved=true", viewer).json?["Data"] == .array([]))
    }

    @Test func approvingIssuesOneKeyTheDeveloperSees() throws {
        let (id, _, appID) = try aliceRequests()
        #expect(admin("PUT", "/api/portal/requests/approve/\(id)", viewer).status == 403)
        let approved = admin("PUT", "/api/portal/requests/approve/\(id)", editor)
        #expect(approved.status == 200)
        let key = try #require(approved.json?["RawKey"]?.stringValue)
        #expect(approved.json?["Password"] == .string(""))
        let keys = alice.send("GET", "/credentials/key-auth").json?["data"]?.listItems ?? []
        #expect(keys.map { $0["key"] } == [.string(key)])
        #expect(alice.send("GET", "/applications/\(appID)/application_instances/\(id)").json?["status"] == .int(0))
        let again = admin("PUT", "/api/portal/requests/approve/\(id)", editor)
        #expect(again.status == 409 && again.json?["Status"] == .string("Error"))
        #expect((alice.send("GET", "/credentials/key-auth").json?["data"]?.listItems ?? []).count == 1)
        let mail = try #require(try portal.outbox(to: "alice@example.com").last)
        #expect(mail.subject.contains("approved") && mail.body.contains("/api/v1/credentials/key-auth"))
    }

    @Test func basicAuthAndOAuthApprovalsReturnTheirCredentials() throws {
        let basic = try aliceRequests(auth: .basicAuth)
        let credentials = admin("PUT", "/api/portal/requests/approve/\(basic.id)", editor).json
        let username = try #require(credentials?["RawKey"]?.stringValue), password = try #require(credentials?["Password"]?.stringValue)
        #expect(!password.isEmpty)
        #expect(try KeyRequestRepository(portal.database).basicAuthPasswordHash(username: username, portalID: portal.defaultPortal.id)
            == SecretToken.hash(password))
        let oauth = try aliceRequests(auth: .oauth2)
        let client = try #require(admin("PUT", "/api/portal/requests/approve/\(oauth.id)", editor).json)
        #expect(client.keys == ["client_id", "secret", "policy_id", "redirect_uri"] && client["policy_id"] == .string(oauth.versionID))
        let listed = alice.send("GET", "/applications/\(oauth.appID)/credentials").json?["data"]?.listItems ?? []
        #expect(listed.map { $0["client_id"] } == [client["client_id"]])
    }

    @Test func createUpdateAndDeleteFollowTheEnvelope() throws {
        let versionID = try portal.addProductVersion(version: "v9")
        let created = admin("POST", "/api/portal/requests", editor, body: #"{"by_user":"\#(alice.developerID)","for_plan":"\#(versionID)","fields":{"use":"tests"}}"#)
        #expect(created.status == 200 && created.json?["Status"] == .string("OK"))
        let id = try #require(created.json?["Message"]?.stringValue)
        #expect(admin("GET", "/api/portal/requests/\(id)", viewer).json?["fields"] == .object([("use", .string("tests"))]))
        #expect(admin("PUT", "/api/portal/requests/\(id)", editor, body: #"{"fields":{"use":"more tests"}}"#).json?["Message"] == .string(id))
        #expect(admin("GET", "/api/portal/requests/\(id)", viewer).json?["fields"] == .object([("use", .string("more tests"))]))
        #expect(admin("PUT", "/api/portal/requests/\(id)", editor, body: #"{"approved":true}"#).status == 400)
        #expect(admin("DELETE", "/api/portal/requests/\(id)", editor).status == 403)
        let root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
        let deleted = admin("DELETE", "/api/portal/requests/\(id)", root)
        #expect(deleted.json == .object([("Status", .string("OK")), ("Message", .string("Data deleted")), ("Meta", .null)]))
        #expect(admin("GET", "/api/portal/requests/\(id)", viewer).status == 404)
    }

    @Test func badInputIsAnErrorEnvelope() throws {
        let versionID = try portal.addProductVersion(version: "closed", registration: false)
        for (body, status) in [
            ("{", 400), ("[]", 400), (#"{"for_plan":"x"}"#, 400), (#"{"by_user":"\#(alice.developerID)","for_plan":"\#(versionID)"}"#, 400),
            (#"{"by_user":"nobody","for_plan":"\#(versionID)"}"#, 404),
        ] {
            let response = admin("POST", "/api/portal/requests", editor, body: body)
            #expect(response.status == status, "\(body)")
            #expect(response.json?["Status"] == .string("Error") && response.json?["Meta"] == .null)
        }
        #expect(admin("GET", "/api/portal/requests?p=x", viewer).status == 400)
        #expect(admin("GET", "/api/portal/requests?approved=maybe", viewer).status == 400)
        #expect(portal.send("GET", "/api/portal/requests").status == 401)
    }
}
