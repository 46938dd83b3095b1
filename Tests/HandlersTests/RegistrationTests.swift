import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// `POST /api/v1/register` (seed 000, operation `register`): the 200 body, the 400
/// `{"fields": …, "code": 2}` and 409 `{"fields": {"email": …}, "code": 5}` errors.
@Suite struct RegistrationTests {
    static let emptyEmailReport: JSON = .object([
        ("sent", .object([("emails", .object([])), ("count", .int(0))])),
        ("error", .object([("emails", .object([])), ("count", .int(0))])),
    ])

    static func isUUID(_ value: JSON?) -> Bool {
        guard let text = value?.stringValue else { return false }
        return UUID(uuidString: text) != nil
    }

    @Test func registerReturnsTheSeedsShape() throws {
        let portal = try TestPortal.atStart()
        let response = portal.register()
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"]?.hasPrefix("application/json") == true)
        let body = try #require(response.json)
        #expect(body.keys == ["email", "developer"])
        #expect(body["email"]?.sortedMembers == Self.emptyEmailReport.sortedMembers)

        let developer = try #require(body["developer"])
        #expect(developer.keys == ["id", "created_at", "updated_at", "consumer", "status", "email", "meta"])
        #expect(Self.isUUID(developer["id"]))
        #expect(developer["created_at"] == .int(1_750_000_000))
        #expect(developer["updated_at"] == .int(1_750_000_000))
        #expect(developer["consumer"]?.keys == ["id"])
        #expect(Self.isUUID(developer["consumer"]?["id"]))
        #expect(developer["consumer"]?["id"] != developer["id"])
        #expect(developer["status"] == .int(0))
        #expect(developer["email"] == .string(Fixture.email))
        #expect(developer["meta"] == .string(#"{"full_name":"Ada Lovelace"}"#))
    }

    @Test func registeredDeveloperIsStoredWithAHashedPassword() throws {
        let portal = try TestPortal.atStart()
        let body = try #require(portal.register().json)
        let stored = try #require(try DeveloperRepository(portal.database).find(portalID: portal.defaultPortal.id, email: Fixture.email))
        #expect(body["developer"]?["id"] == .string(stored.id))
        #expect(body["developer"]?["consumer"]?["id"] == .string(stored.consumerID))
        #expect(stored.status == .approved)
        #expect(stored.passwordHash.hasPrefix("$argon2id$v=19$"))
        #expect(!stored.passwordHash.contains(Fixture.password))
        let hasher = try PasswordHasher(parameters: TestPortal.fastArgon2)
        #expect(hasher.verify(Fixture.password, against: stored.passwordHash))
    }

    @Test func missingPassword() throws {
        let portal = try TestPortal.atStart()
        let response = portal.sendForm("POST", "/api/v1/register", [("email", Fixture.email), ("meta", Fixture.meta)])
        #expect(response.status == 400)
        #expect(response.json == .object([("fields", .object([("password", .string("password is required"))])), ("code", .int(2))]))
    }

    @Test func missingEmail() throws {
        let portal = try TestPortal.atStart()
        let response = portal.sendForm("POST", "/api/v1/register", [("password", Fixture.password), ("meta", Fixture.meta)])
        #expect(response.status == 400)
        #expect(response.json == .object([("fields", .object([("email", .string("required field missing"))])), ("code", .int(2))]))
    }

    @Test func missingMeta() throws {
        let portal = try TestPortal.atStart()
        let response = portal.sendForm("POST", "/api/v1/register", [("email", Fixture.email), ("password", Fixture.password)])
        #expect(response.status == 400)
        #expect(response.json == .object([
            ("fields", .object([("meta", .object([("full_name", .string("required field missing"))]))])), ("code", .int(2)),
        ]))
    }

    @Test func emptyValuesCountAsMissing() throws {
        let portal = try TestPortal.atStart()
        let response = portal.sendForm("POST", "/api/v1/register", [("email", ""), ("password", Fixture.password), ("meta", Fixture.meta)])
        #expect(response.status == 400)
        #expect(response.json?["fields"] == .object([("email", .string("required field missing"))]))
    }

    @Test func allThreeMissingAreReportedTogether() throws {
        let portal = try TestPortal.atStart()
        for response in [portal.sendForm("POST", "/api/v1/register", []), portal.send("POST", "/api/v1/register")] {
            #expect(response.status == 400)
            let expected = JSON.object([
                ("fields", .object([
                    ("email", .string("required field missing")),
                    ("password", .string("password is required")),
                    ("meta", .object([("full_name", .string("required field missing"))])),
                ])),
                ("code", .int(2)),
            ])
            #expect(response.json?.sortedMembers == expected.sortedMembers)
        }
    }

    /// A 400 with exactly one entry under `fields`, named `field`, and code 2.
    static func expectSingleFieldError(_ response: TestResponse, _ field: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(response.status == 400, sourceLocation: sourceLocation)
        #expect(response.json?.keys == ["fields", "code"], sourceLocation: sourceLocation)
        #expect(response.json?["code"] == .int(2), sourceLocation: sourceLocation)
        #expect(response.json?["fields"]?.keys == [field], "\(response.text)", sourceLocation: sourceLocation)
    }

    @Test(arguments: ["not-an-email", "ada@", "@example.com", "ada@example", "ada @example.com", "ada@@example.com"])
    func invalidEmail(email: String) throws {
        let portal = try TestPortal.atStart()
        let response = portal.register(email: email)
        Self.expectSingleFieldError(response, "email")
        #expect(response.json?["fields"]?["email"]?.stringValue?.isEmpty == false)
    }

    @Test func shortPassword() throws {
        let portal = try TestPortal.atStart()
        let response = portal.register(password: "1234567")
        Self.expectSingleFieldError(response, "password")
        // Eight characters is enough.
        #expect(portal.register(password: "12345678").status == 200)
    }

    @Test(arguments: ["not json", "[]", #""a string""#, "{", "42"])
    func metaThatIsNotAJSONObject(meta: String) throws {
        let portal = try TestPortal.atStart()
        let response = portal.register(meta: meta)
        Self.expectSingleFieldError(response, "meta")
    }

    @Test func metaWithAnUnknownKey() throws {
        let portal = try TestPortal.atStart()
        let response = portal.register(meta: #"{"full_name":"Ada","nickname":"countess"}"#)
        Self.expectSingleFieldError(response, "meta")
        #expect(response.json?["fields"]?["meta"]?.keys == ["nickname"])
    }

    @Test func metaWithoutTheRequiredKey() throws {
        let portal = try TestPortal.atStart()
        let response = portal.register(meta: "{}")
        Self.expectSingleFieldError(response, "meta")
        #expect(response.json?["fields"]?["meta"] == .object([("full_name", .string("required field missing"))]))
    }

    @Test func jsonBodyWithMetaAsAnObject() throws {
        let portal = try TestPortal.atStart()
        let body = #"{"email":"ada@example.com","password":"correct horse battery","meta":{"full_name":"Ada Lovelace"}}"#
        let response = portal.send("POST", "/api/v1/register", headers: [("Content-Type", "application/json")], body: Array(body.utf8))
        #expect(response.status == 200, "\(response.text)")
        #expect(response.json?["developer"]?["email"] == .string("ada@example.com"))
        #expect(response.json?["developer"]?["meta"] == .string(#"{"full_name":"Ada Lovelace"}"#))
        #expect(portal.login().status == 204)
    }

    @Test func jsonBodyWithMetaAsAString() throws {
        let portal = try TestPortal.atStart()
        let body = #"{"email":"ada@example.com","password":"correct horse battery","meta":"{\"full_name\":\"Ada Lovelace\"}"}"#
        let response = portal.send(
            "POST", "/api/v1/register", headers: [("Content-Type", "application/json; charset=utf-8")], body: Array(body.utf8))
        #expect(response.status == 200, "\(response.text)")
        #expect(response.json?["developer"]?["meta"] == .string(#"{"full_name":"Ada Lovelace"}"#))
    }

    @Test func jsonBodyMissingFieldsGivesTheSameErrors() throws {
        let portal = try TestPortal.atStart()
        let response = portal.send(
            "POST", "/api/v1/register", headers: [("Content-Type", "application/json")], body: Array(#"{"email":"ada@example.com"}"#.utf8))
        #expect(response.status == 400)
        #expect(response.json?["fields"]?.keys == ["password", "meta"])
        #expect(response.json?["fields"]?["password"] == .string("password is required"))
    }

    @Test(arguments: [("text/plain", "email=ada@example.com"), ("application/json", "{not json"), ("application/json", "[1,2]")])
    func unreadableBodyIs400Message(contentType: String, body: String) throws {
        let portal = try TestPortal.atStart()
        let response = portal.send("POST", "/api/v1/register", headers: [("Content-Type", contentType)], body: Array(body.utf8))
        #expect(response.status == 400)
        #expect(response.json?.keys == ["message"])
        #expect(response.json?["message"]?.stringValue?.isEmpty == false)
    }

    @Test func malformedFormEncodingIs400Message() throws {
        let portal = try TestPortal.atStart()
        let response = portal.send(
            "POST", "/api/v1/register", headers: [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array("email=ada%zz&password=x".utf8))
        #expect(response.status == 400)
        #expect(response.json?.keys == ["message"])
    }

    @Test(arguments: ["ada@example.com", "ADA@Example.COM"])
    func duplicateEmailIs409(again: String) throws {
        let portal = try TestPortal.atStart()
        #expect(portal.register().status == 200)
        let response = portal.register(email: again, password: "another password")
        #expect(response.status == 409)
        #expect(response.json?.keys == ["fields", "code"])
        #expect(response.json?["code"] == .int(5))
        #expect(response.json?["fields"]?.keys == ["email"])
        #expect(response.json?["fields"]?["email"]?.stringValue?.contains("already exists") == true)
        // The first account is untouched: its password still logs in, the second one does not.
        #expect(portal.login().status == 204)
        #expect(portal.login(password: "another password").status == 401)
    }

    @Test func concurrentRegistrationsOfOneEmailCreateOneAccount() throws {
        let portal = try TestPortal.atStart()
        let statuses = Locked<[Int]>([])
        let done = DispatchGroup()
        for index in 0..<4 {
            done.enter()
            Thread {
                let response = portal.register(email: index % 2 == 0 ? "race@example.com" : "RACE@example.com")
                statuses.withLock { $0.append(response.status) }
                done.leave()
            }.start()
        }
        done.wait()
        #expect(statuses.current.sorted() == [200, 409, 409, 409])
    }

    @Test func portalWithoutAutoApproveRegistersPendingDevelopersWhoCannotLogIn() throws {
        let portal = try TestPortal.atStart(autoApprove: false)
        let response = portal.register()
        #expect(response.status == 200)
        #expect(response.json?["developer"]?["status"] == .int(1))
        let login = portal.login()
        #expect(login.status == 401)
        #expect(login.json?.keys == ["message"])
        #expect(login.sessionCookie == nil)
        #expect(login.headers.values("Set-Cookie") == [])
    }
}
