import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// `/api/v1/applications` and `/api/v1/applications/{id}` (seed 000, tag `application`).
@Suite struct ApplicationsTests {
    let portal: TestPortal
    let alice: ApplicationsClient
    let bob: ApplicationsClient

    init() throws {
        portal = try TestPortal.atStart()
        alice = try ApplicationsClient.make(portal, email: "alice@example.com")
        bob = try ApplicationsClient.make(portal, email: "bob@example.com")
    }

    /// The application object the seed's examples show, for `created`'s id and consumer.
    func expected(_ created: JSON, name: String, redirectURI: String, updatedAt: Int64 = fixtureEpoch, developerID: String? = nil) -> JSON {
        .object([
            ("created_at", .int(fixtureEpoch)),
            ("id", created["id"] ?? .null),
            ("redirect_uri", .string(redirectURI)),
            ("updated_at", .int(updatedAt)),
            ("developer", .object([("id", .string(developerID ?? alice.developerID))])),
            ("name", .string(name)),
            ("consumer", created["consumer"] ?? .null),
        ])
    }

    // MARK: POST /applications

    @Test func createReturns201WithTheSeedShape() throws {
        let response = alice.send("POST", "/applications", form: [("name", "My Application"), ("redirect_uri", "http://localhost")])
        #expect(response.status == 201)
        let json = try #require(response.json)
        let id = try #require(json["id"]?.stringValue)
        let consumerID = try #require(json["consumer"]?["id"]?.stringValue)
        #expect(json == expected(json, name: "My Application", redirectURI: "http://localhost"))
        #expect(!id.isEmpty)
        // The application's consumer is its own, not the developer's.
        let developer = alice.send("GET", "/developer").json
        #expect(consumerID != developer?["consumer"]?["id"]?.stringValue)
        #expect(consumerID != id)
    }

    @Test func eachApplicationHasItsOwnIdAndConsumer() throws {
        let first = try alice.createApplication(name: "One")
        let second = try alice.createApplication(name: "Two")
        #expect(first["id"] != second["id"])
        #expect(first["consumer"]?["id"] != second["consumer"]?["id"])
    }

    @Test func createAcceptsAJSONBody() throws {
        let response = alice.sendJSON("POST", "/applications", #"{"name":"Json App","redirect_uri":"https://example.com/cb"}"#)
        #expect(response.status == 201)
        let json = try #require(response.json)
        #expect(json == expected(json, name: "Json App", redirectURI: "https://example.com/cb"))
    }

    @Test func createWithoutFieldsListsBothMissing() {
        let response = alice.send("POST", "/applications", form: [])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([
            ("name", .string("required field missing")), ("redirect_uri", .string("required field missing")),
        ]))
    }

    @Test func createWithABlankNameIsMissing() {
        let response = alice.send("POST", "/applications", form: [("name", "   "), ("redirect_uri", "http://localhost")])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([("name", .string("required field missing"))]))
    }

    @Test(arguments: ["/callback", "ftp://example.com/x", "not a url", "https://", "https://example.com/cb#frag", "javascript:alert(1)", "mailto:a@example.com"])
    func createRejectsARedirectURIThatIsNotAnAbsoluteHTTPURL(_ uri: String) {
        let response = alice.send("POST", "/applications", form: [("name", "App"), ("redirect_uri", uri)])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([("redirect_uri", .string("must be an absolute http or https URL"))]))
    }

    @Test func createAcceptsNamesUpTo255Characters() throws {
        let longest = String(repeating: "é", count: 255)
        let ok = alice.send("POST", "/applications", form: [("name", longest), ("redirect_uri", "http://localhost")])
        #expect(ok.status == 201)
        #expect(ok.json?["name"]?.stringValue == longest)

        let tooLong = alice.send("POST", "/applications", form: [("name", longest + "x"), ("redirect_uri", "http://localhost")])
        #expect(tooLong.status == 400)
        #expect(tooLong.json == .apiFieldErrors([("name", .string("length must be at most 255"))]))
    }

    @Test func createNeedsASession() {
        let response = portal.sendForm("POST", "/api/v1/applications", [("name", "App"), ("redirect_uri", "http://localhost")])
        #expect(response.status == 401)
        #expect(response.json == .apiMessage("Unauthorized"))
    }

    // MARK: GET /applications

    @Test func listShowsOnlyTheDevelopersApplicationsInCreationOrder() throws {
        let first = try alice.createApplication(name: "First")
        _ = try bob.createApplication(name: "Bob's")
        portal.now = Fixture.start + 10
        let second = try alice.createApplication(name: "Second")

        let response = alice.send("GET", "/applications")
        #expect(response.status == 200)
        let json = try #require(response.json)
        #expect(json.keys == ["data", "next", "total"])
        #expect(json["data"]?.listItems == [first, second])
        #expect(json["next"] == .null)
        #expect(json["total"] == .int(2))
    }

    @Test func listIsEmptyForANewDeveloper() {
        let response = alice.send("GET", "/applications")
        #expect(response.status == 200)
        #expect(response.json == .object([("data", .array([])), ("next", .null), ("total", .int(0))]))
    }

    @Test func listPagesWithSizeAndOffset() throws {
        let apps = try (1...3).map { try alice.createApplication(name: "App \($0)") }
        let firstPage = try #require(alice.send("GET", "/applications?size=2").json)
        #expect(firstPage["data"]?.listItems == Array(apps[0...1]))
        #expect(firstPage["total"] == .int(3))
        let next = try #require(firstPage["next"]?.stringValue)
        #expect(next == "/applications?size=2&offset=\(apps[1]["id"]?.stringValue ?? "")")

        let secondPage = try #require(alice.send("GET", next).json)
        #expect(secondPage["data"]?.listItems == [apps[2]])
        #expect(secondPage["next"] == .null)
    }

    @Test func listRejectsAnOffsetFromAnotherDevelopersList() throws {
        let bobs = try bob.createApplication()
        let response = alice.send("GET", "/applications?offset=\(bobs["id"]?.stringValue ?? "")")
        #expect(response.status == 400)
        #expect(response.json?["message"] != nil)
    }

    // MARK: GET /applications/{id}

    @Test func showReturnsThePlainApplicationObject() throws {
        let created = try alice.createApplication()
        let id = try #require(created["id"]?.stringValue)
        let response = alice.send("GET", "/applications/\(id)")
        #expect(response.status == 200)
        #expect(response.json == created)
    }

    @Test func anotherDevelopersApplicationIsNotFound() throws {
        let id = try #require(try alice.createApplication()["id"]?.stringValue)
        for (method, form) in [("GET", nil), ("PATCH", [("name", "Stolen")]), ("DELETE", nil)] as [(String, [(String, String)]?)] {
            let response = bob.send(method, "/applications/\(id)", form: form)
            #expect(response.status == 404, "\(method)")
            #expect(response.json == .apiMessage("Not found"), "\(method)")
        }
        // Untouched.
        #expect(alice.send("GET", "/applications/\(id)").json?["name"] == .string("My Application"))
    }

    @Test func anUnknownApplicationIsNotFound() {
        let response = alice.send("GET", "/applications/00000000-0000-0000-0000-000000000000")
        #expect(response.status == 404)
        #expect(response.json == .apiMessage("Not found"))
    }

    @Test func anotherPortalsApplicationIsNotFound() throws {
        try PortalRepository(portal.database).create(Portal(name: "Other", defaultDomain: "other.example", createdAt: Fixture.start))
        let carol = try ApplicationsClient.make(portal, email: "carol@example.com", host: "other.example")
        let id = try #require(try alice.createApplication()["id"]?.stringValue)
        let response = carol.send("GET", "/applications/\(id)")
        #expect(response.status == 404)
        #expect(response.json == .apiMessage("Not found"))
        #expect(carol.send("GET", "/applications").json?["total"] == .int(0))
    }

    // MARK: PATCH /applications/{id}

    @Test func patchChangesTheNameAndKeepsTheRest() throws {
        let created = try alice.createApplication()
        let id = try #require(created["id"]?.stringValue)
        portal.now = Fixture.start + 60
        let response = alice.send("PATCH", "/applications/\(id)", form: [("name", "Another")])
        #expect(response.status == 200)
        #expect(response.json == expected(created, name: "Another", redirectURI: "http://localhost", updatedAt: fixtureEpoch + 60))
        #expect(alice.send("GET", "/applications/\(id)").json == response.json)
    }

    @Test(arguments: ["redirect_uri", "request_uri"])
    func patchChangesTheRedirectURIUnderEitherName(_ field: String) throws {
        let created = try alice.createApplication()
        let id = try #require(created["id"]?.stringValue)
        let response = alice.send("PATCH", "/applications/\(id)", form: [(field, "https://example.com/back")])
        #expect(response.status == 200)
        #expect(response.json == expected(created, name: "My Application", redirectURI: "https://example.com/back"))
    }

    @Test func patchRejectsAnInvalidRedirectURI() throws {
        let id = try #require(try alice.createApplication()["id"]?.stringValue)
        let response = alice.send("PATCH", "/applications/\(id)", form: [("name", "Fine"), ("redirect_uri", "nope")])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([("redirect_uri", .string("must be an absolute http or https URL"))]))
        #expect(alice.send("GET", "/applications/\(id)").json?["name"] == .string("My Application"))
    }

    @Test func patchWithNothingToChangeAsksForTheName() throws {
        let id = try #require(try alice.createApplication()["id"]?.stringValue)
        let response = alice.send("PATCH", "/applications/\(id)", form: [])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([("name", .string("required field missing"))]))
    }

    @Test func patchAcceptsAJSONBody() throws {
        let id = try #require(try alice.createApplication()["id"]?.stringValue)
        let response = alice.sendJSON("PATCH", "/applications/\(id)", #"{"name":"Renamed"}"#)
        #expect(response.status == 200)
        #expect(response.json?["name"] == .string("Renamed"))
    }

    // MARK: DELETE /applications/{id}

    @Test func deleteRemovesTheApplicationWithItsRegistrationsAndCredentials() throws {
        let serviceID = try portal.addProductVersion()
        let id = try #require(try alice.createApplication()["id"]?.stringValue)
        let instance = alice.send("POST", "/applications/\(id)/application_instances", form: [("service.id", serviceID)])
        let credential = alice.send("POST", "/applications/\(id)/credentials", form: [])
        let instanceID = try #require(instance.json?["id"]?.stringValue)
        let credentialID = try #require(credential.json?["id"]?.stringValue)

        let response = alice.send("DELETE", "/applications/\(id)")
        #expect(response.status == 204)
        #expect(response.response.body.isEmpty)
        #expect(alice.send("GET", "/applications/\(id)").status == 404)
        #expect(alice.send("DELETE", "/applications/\(id)").status == 404)
        let applications = ApplicationRepository(portal.database)
        #expect(try applications.findRegistration(id: instanceID, applicationID: id, portalID: portal.defaultPortal.id) == nil)
        #expect(try applications.findCredential(id: credentialID, applicationID: id, portalID: portal.defaultPortal.id) == nil)
    }

    @Test func applicationRoutesRejectOtherMethods() throws {
        let id = try #require(try alice.createApplication()["id"]?.stringValue)
        let response = alice.send("PUT", "/applications/\(id)")
        #expect(response.status == 405)
        #expect(response.json?["message"] != nil)
    }
}
