import Foundation
@testable import Handlers
import PortalTesting
import Storage
import Testing

/// Test keys made with `openssl genpkey` (public halves only, plus one EC private key to show
/// that a private key is refused where a public one is expected).
enum CredentialTestPEM {
    static let rsa2048 = """
        -----BEGIN PUBLIC KEY-----
        MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAlUwf2D+gMoP/Ud/sgMik
        i5HLY0z1SHRAmaB8maCNQjwctPPVglBZJj9TbhdPqkNC+K5UeOs+/FP9YREKVxZ8
        znPgpcixRWGxbqhPn1R4b09qkcg3PpsnE2xkecJAznx5ngPTOy/Q56gSZWNNoJZV
        L9gado25WszA6E3fhazV+f4k2EbZsv4Ai57gMJ2ww5Qd5LDxbG9Izx59kgTmBWGN
        52b5+JcH2uKZKFc38ZrrVHWkNSkm7vWU/o3PwfdZzN9oF7V/6x38/9MFb/ML0ELT
        jNxo7lcigWxOEcT8B8wN2qM0HOYV9lHq5+fA4FJun1a4o5STaGVSLr3LXY3idlFV
        BQIDAQAB
        -----END PUBLIC KEY-----
        """
    /// The same key as `rsa2048`, in PKCS#1 form (`openssl rsa -RSAPublicKey_out`).
    static let rsa2048PKCS1 = """
        -----BEGIN RSA PUBLIC KEY-----
        MIIBCgKCAQEAlUwf2D+gMoP/Ud/sgMiki5HLY0z1SHRAmaB8maCNQjwctPPVglBZ
        Jj9TbhdPqkNC+K5UeOs+/FP9YREKVxZ8znPgpcixRWGxbqhPn1R4b09qkcg3Ppsn
        E2xkecJAznx5ngPTOy/Q56gSZWNNoJZVL9gado25WszA6E3fhazV+f4k2EbZsv4A
        i57gMJ2ww5Qd5LDxbG9Izx59kgTmBWGN52b5+JcH2uKZKFc38ZrrVHWkNSkm7vWU
        /o3PwfdZzN9oF7V/6x38/9MFb/ML0ELTjNxo7lcigWxOEcT8B8wN2qM0HOYV9lHq
        5+fA4FJun1a4o5STaGVSLr3LXY3idlFVBQIDAQAB
        -----END RSA PUBLIC KEY-----
        """
    static let rsa1024 = """
        -----BEGIN PUBLIC KEY-----
        MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCshB0g3F6UYMP//PJK8jyqVCiQ
        YsJOWgHtvTG285DdVq3WBiG4ADxZJL7O7qgVXewVilXpkCDIeZzDEZ/hSdbIpT+6
        o2pbo2tOvgkzDJJzbNsrxLnIqIPryYQJZLVTUACB0UxgOj6OkKLSDi0d1XEgtdy8
        GrRl1mQ3ArR6Sz4tNwIDAQAB
        -----END PUBLIC KEY-----
        """
    static let p256 = """
        -----BEGIN PUBLIC KEY-----
        MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEfkinMS3quihn+tIIF0WdV/BCcDh6
        1gArWIi28G7GYrwqufhNh/TP4/9F/nr6lFttaNhqzZ/5ylnMdmqFHC3aog==
        -----END PUBLIC KEY-----
        """
    static let p384 = """
        -----BEGIN PUBLIC KEY-----
        MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEQrEPMayk/MJ3WgOwOYZvnGcfa3FhA2er
        Yf6Uo4ktGfcJ5IGIAG1MPxnuybywfExldFePmQnJu4zH9STiSbeQW8eHBySR8lC8
        KkqRUwkOuWzax79e39oUWHNiti0x9h1G
        -----END PUBLIC KEY-----
        """
    static let p256Private = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgjOQRCqpi4Pq5FPgO
        VR8kO+VPFTBsktRXTLTBPb/vYlChRANCAAR+SKcxLeq6KGf60ggXRZ1X8EJwOHrW
        ACtYiLbwbsZivCq5+E2H9M/j/0X+evqUW21o2GrNn/nKWcx2aoUcLdqi
        -----END PRIVATE KEY-----
        """
}

/// A developer with a live session in a `TestPortal` (made through Storage, so these tests do
/// not depend on registration and login).
struct CredentialTestDeveloper {
    let developer: Developer
    let cookie: String

    init(_ portal: TestPortal, email: String) throws {
        developer = Developer(
            portalID: portal.defaultPortal.id, email: email, passwordHash: "unused", meta: "{}",
            status: .approved, createdAt: portal.now)
        try DeveloperRepository(portal.database).create(developer)
        let sessions = SessionRepository(portal.database, lifetime: SessionLifetime(idleTimeout: 7200, absoluteTimeout: 604_800))
        cookie = try sessions.start(developer: developer, now: portal.now)
    }

    var headers: [(String, String)] { [("Cookie", "portal_session=\(cookie)")] }
    var consumer: JSON { .object([("id", .string(developer.consumerID))]) }
}

/// 400 `{fields: {...}, code: 2}` with exactly these field errors.
func credentialSchemaViolation(_ fields: [(String, JSON)]) -> JSON {
    .object([("fields", .object(fields)), ("code", .int(2))])
}

let credentialNotFoundBody = JSON.object([("message", .string("Not found"))])
let credentialUnauthorizedBody = JSON.object([("message", .string("Unauthorized"))])

// MARK: - key-auth

@Suite struct KeyAuthCredentialsTests {
    let portal: TestPortal
    let alice: CredentialTestDeveloper
    let bob: CredentialTestDeveloper
    let path = "/api/v1/credentials/key-auth"

    init() throws {
        portal = try TestPortal()
        portal.now = Date(timeIntervalSince1970: 1_700_000_000)
        alice = try CredentialTestDeveloper(portal, email: "alice@example.com")
        bob = try CredentialTestDeveloper(portal, email: "bob@example.com")
    }

    @Test func createWithAKeyAnswersTheSeedShape() throws {
        let response = portal.sendForm("POST", path, [("key", "demo123")], headers: alice.headers)
        #expect(response.status == 200)
        let id = try #require(response.json?["id"]?.stringValue)
        #expect(response.json == .object([
            ("key", .string("demo123")), ("consumer", alice.consumer), ("id", .string(id)), ("created_at", .int(1_700_000_000)),
        ]))
    }

    @Test func createWithoutAKeyGeneratesA32CharacterURLSafeKey() throws {
        let first = portal.sendForm("POST", path, [], headers: alice.headers)
        let second = portal.sendForm("POST", path, [("key", "")], headers: alice.headers)
        #expect(first.status == 200)
        #expect(second.status == 200)
        let key = try #require(first.json?["key"]?.stringValue)
        let urlSafe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(key.count == 32)
        #expect(key.allSatisfy { urlSafe.contains($0) })
        #expect(second.json?["key"]?.stringValue?.count == 32)
        #expect(second.json?["key"]?.stringValue != key)
    }

    @Test func createAcceptsAJSONBody() {
        let response = portal.send(
            "POST", path, headers: alice.headers + [("Content-Type", "application/json")], body: Array(#"{"key":"json-key"}"#.utf8))
        #expect(response.status == 200)
        #expect(response.json?["key"] == .string("json-key"))
    }

    @Test func aKeyTakenByAnotherDeveloperConflicts() {
        #expect(portal.sendForm("POST", path, [("key", "shared")], headers: bob.headers).status == 200)
        let response = portal.sendForm("POST", path, [("key", "shared")], headers: alice.headers)
        #expect(response.status == 409)
        #expect(response.json == .object([
            ("fields", .object([("key", .string("already exists with value 'shared'"))])), ("code", .int(5)),
        ]))
    }

    @Test(arguments: [
        ("has space", "must contain only printable ASCII characters, without spaces"),
        ("tab\there", "must contain only printable ASCII characters, without spaces"),
        ("ключ", "must contain only printable ASCII characters, without spaces"),
        (String(repeating: "k", count: 256), "must be at most 255 characters"),
    ])
    func badKeysAreSchemaViolations(key: String, message: String) {
        let response = portal.sendForm("POST", path, [("key", key)], headers: alice.headers)
        #expect(response.status == 400)
        #expect(response.json == credentialSchemaViolation([("key", .string(message))]))
    }

    @Test func a255CharacterKeyIsAccepted() {
        let key = String(repeating: "k", count: 255)
        let response = portal.sendForm("POST", path, [("key", key)], headers: alice.headers)
        #expect(response.status == 200)
        #expect(response.json?["key"] == .string(key))
    }

    @Test func listShowsOnlyTheDevelopersKeysInCreationOrder() throws {
        let first = portal.sendForm("POST", path, [("key", "a-1")], headers: alice.headers)
        _ = portal.sendForm("POST", path, [("key", "b-1")], headers: bob.headers)
        portal.now += 1
        let second = portal.sendForm("POST", path, [("key", "a-2")], headers: alice.headers)

        let response = portal.send("GET", path, headers: alice.headers)
        #expect(response.status == 200)
        #expect(response.json == .object([
            ("data", .array([try #require(first.json), try #require(second.json)])),
            ("next", .null),
            ("total", .int(2)),
        ]))
    }

    @Test func listPagesWithSizeAndOffset() throws {
        for key in ["p1", "p2", "p3"] { _ = portal.sendForm("POST", path, [("key", key)], headers: alice.headers) }
        let first = portal.send("GET", path + "?size=2", headers: alice.headers)
        #expect(first.json?["data"].map(keyList) == ["p1", "p2"])
        #expect(first.json?["total"] == .int(3))
        let lastID = try #require(first.json?["data"].flatMap { if case .array(let items) = $0 { items.last } else { nil } }?["id"]?.stringValue)
        #expect(first.json?["next"] == .string("/credentials/key-auth?size=2&offset=\(lastID)"))
        let second = portal.send("GET", path + "?size=2&offset=\(lastID)", headers: alice.headers)
        #expect(second.json?["data"].map(keyList) == ["p3"])
        #expect(second.json?["next"] == .null)
    }

    @Test func anEmptyListIsEmpty() {
        let response = portal.send("GET", path, headers: alice.headers)
        #expect(response.status == 200)
        #expect(response.json == .object([("data", .array([])), ("next", .null), ("total", .int(0))]))
    }

    @Test func withoutASessionBothOperationsAre401() {
        #expect(portal.send("GET", path).json == credentialUnauthorizedBody)
        #expect(portal.send("GET", path).status == 401)
        let post = portal.sendForm("POST", path, [("key", "x")])
        #expect(post.status == 401)
        #expect(post.json == credentialUnauthorizedBody)
    }

    private func keyList(_ data: JSON) -> [String] {
        guard case .array(let items) = data else { return [] }
        return items.compactMap { $0["key"]?.stringValue }
    }
}

// MARK: - JWT

@Suite struct JWTCredentialsTests {
    let portal: TestPortal
    let alice: CredentialTestDeveloper
    let bob: CredentialTestDeveloper
    let path = "/api/v1/credentials/jwt"

    init() throws {
        portal = try TestPortal()
        portal.now = Date(timeIntervalSince1970: 1_700_000_000)
        alice = try CredentialTestDeveloper(portal, email: "alice@example.com")
        bob = try CredentialTestDeveloper(portal, email: "bob@example.com")
    }

    func create(_ fields: [(String, String)], as developer: CredentialTestDeveloper? = nil) -> TestResponse {
        portal.sendForm("POST", path, fields, headers: (developer ?? alice).headers)
    }

    func createdID(_ fields: [(String, String)], as developer: CredentialTestDeveloper? = nil) throws -> String {
        let response = create(fields, as: developer)
        #expect(response.status == 200, "\(response.text)")
        return try #require(response.json?["id"]?.stringValue)
    }

    @Test func createHS256AnswersTheJWTHSShape() throws {
        // A public key sent with an HS algorithm is dropped.
        let response = create([("key", "hs-key"), ("secret", "secret1"), ("algorithm", "HS256"), ("rsa_public_key", CredentialTestPEM.rsa2048)])
        #expect(response.status == 200)
        let id = try #require(response.json?["id"]?.stringValue)
        #expect(response.json == .object([
            ("algorithm", .string("HS256")), ("id", .string(id)), ("created_at", .int(1_700_000_000)),
            ("secret", .string("secret1")), ("consumer", alice.consumer), ("key", .string("hs-key")),
        ]))
        let stored = try CredentialRepository(portal.database).findJWT(id: id, developerID: alice.developer.id, portalID: portal.defaultPortal.id)
        #expect(stored?.rsaPublicKey == nil)
    }

    @Test(arguments: ["RS256", "RS384", "RS512"])
    func createRSAnswersTheJWTRSShape(algorithm: String) throws {
        let response = create([("key", "rs-\(algorithm)"), ("secret", "secret1"), ("algorithm", algorithm), ("rsa_public_key", CredentialTestPEM.rsa2048)])
        #expect(response.status == 200)
        let id = try #require(response.json?["id"]?.stringValue)
        #expect(response.json == .object([
            ("algorithm", .string(algorithm)), ("id", .string(id)), ("created_at", .int(1_700_000_000)),
            ("secret", .string("secret1")), ("consumer", alice.consumer),
            ("rsa_public_key", .string(CredentialTestPEM.rsa2048)), ("key", .string("rs-\(algorithm)")),
        ]))
    }

    @Test func theSeedsOwnRSA4096ExampleKeyIsAcceptedAndATruncatedOneIsNot() {
        let whole = """
            -----BEGIN PUBLIC KEY-----
            MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAtZGewwUOx8dRq7txWGVt
            FBd/s3RNcRDe8uNRM//LxNoMFlK+LCT3r8sUp7x5JQ9ee+rLVV5YpUWHYhQ0XtBP
            FritRKabw/6cid+cBdeIQZ/BufVhxDybwm+Bq0CL+dHkXR1nLUoG6I1/CvSSjMVj
            ILtsBDUC9B8PVpjRo66U5vx0mBCtItx4bblcSrAVkUHRH3fx9bHNrqQhNx8wNf08
            VHuiCGKM7fo4YdhUJtXSCh5CKafnxjGLUMPKum82l23vNkhrV7H7FjKv9OpWeIQt
            xLq1gtUXLXUy0hM/WqtXDLzq3b3iXLHpilrPAUsaBGDvaO9qnqfJ7/kLJXz4Zxn8
            V70ucfMABJc5lAiEZpBVtSJ5QTIurdIvAIBuCU7VS3wHwPtNwKIdLQVNLqUYsSGl
            yp5zfAhKjrdmKCNUgdIMmFiCB1UqfTWESw7OT7kfu4xc15QIZc+JJD24QwUSJLwl
            OgHDzFigMcPuLYpmswPEIYjOcZefe8PreZcVzDSBQkMDS8TP9MUYpd225AtyVChB
            xUxLZ8Ca4C1pWI/Jlh9E5ZRk1dnvgypcipkSzj24uTazZQUws0qbCE0ZaEd0yxYz
            1MIQaWMQ/hk38h4ogkdatTXjalFIHJ+Vrt7nkfcOzD2/ujBacMvr/9WB1xcBNEUg
            ZRP0UdnTaVZ5EqWVwqNTUvcCAwEAAQ==
            -----END PUBLIC KEY-----
            """
        let response = create([("key", "rs-key"), ("secret", "secret1"), ("algorithm", "RS256"), ("rsa_public_key", whole)])
        #expect(response.status == 200)
        #expect(response.json?["rsa_public_key"] == .string(whole))

        let lines = whole.split(separator: "\n")
        let truncated = (lines.prefix(4) + [lines[lines.count - 1]]).joined(separator: "\n")
        let refused = create([("key", "cut"), ("secret", "s"), ("algorithm", "RS256"), ("rsa_public_key", truncated)])
        #expect(refused.status == 400)
        #expect(refused.json == credentialSchemaViolation([("rsa_public_key", .string("invalid PEM public key"))]))
    }

    @Test func aPEMWithCRLFLineEndsIsAccepted() {
        // Browsers send textarea contents with CRLF line ends.
        let crlf = CredentialTestPEM.rsa2048.replacingOccurrences(of: "\n", with: "\r\n")
        let response = create([("key", "crlf"), ("secret", "s"), ("algorithm", "RS256"), ("rsa_public_key", crlf)])
        #expect(response.status == 200)
    }

    @Test func createES256WithAP256Key() throws {
        let response = create([("key", "es-key"), ("secret", "secret1"), ("algorithm", "ES256"), ("rsa_public_key", CredentialTestPEM.p256)])
        #expect(response.status == 200)
        let id = try #require(response.json?["id"]?.stringValue)
        #expect(response.json == .object([
            ("algorithm", .string("ES256")), ("id", .string(id)), ("created_at", .int(1_700_000_000)),
            ("secret", .string("secret1")), ("consumer", alice.consumer),
            ("rsa_public_key", .string(CredentialTestPEM.p256)), ("key", .string("es-key")),
        ]))
    }

    @Test(arguments: [
        ("RS256", "not a key"),
        ("RS256", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
        ("RS256", CredentialTestPEM.p256),
        ("RS512", CredentialTestPEM.p256Private),
        ("ES256", CredentialTestPEM.rsa2048),
        ("ES256", CredentialTestPEM.p384),
        ("ES256", CredentialTestPEM.p256Private),
        ("ES256", CredentialTestPEM.p256 + "\n" + CredentialTestPEM.p256),
    ])
    func publicKeysThatDoNotParseAreRefused(algorithm: String, pem: String) {
        let response = create([("key", "bad"), ("secret", "s"), ("algorithm", algorithm), ("rsa_public_key", pem)])
        #expect(response.status == 400)
        #expect(response.json == credentialSchemaViolation([("rsa_public_key", .string("invalid PEM public key"))]))
    }

    @Test func aPKCS1RSAPublicKeyIsAccepted() {
        let response = create([("key", "pkcs1"), ("secret", "s"), ("algorithm", "RS256"), ("rsa_public_key", CredentialTestPEM.rsa2048PKCS1)])
        #expect(response.status == 200)
        #expect(response.json?["rsa_public_key"] == .string(CredentialTestPEM.rsa2048PKCS1))
    }

    @Test func nonRSAKeysForRSAlgorithmsFailCleanlyEveryTime() {
        // These reach the DER parser: with swift-crypto 3.12.3's RSA PEM initializer they
        // double-freed and aborted the process. Repeat to catch heap damage, not just one abort.
        let frames = [CredentialTestPEM.p256, CredentialTestPEM.p384, "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"]
        for round in 0..<30 {
            for pem in frames {
                let response = create([("key", "loop-\(round)"), ("secret", "s"), ("algorithm", "RS256"), ("rsa_public_key", pem)])
                #expect(response.status == 400)
                #expect(response.json == credentialSchemaViolation([("rsa_public_key", .string("invalid PEM public key"))]))
            }
        }
    }

    @Test func rsaKeysUnder2048BitsAreRefused() {
        let response = create([("key", "weak"), ("secret", "s"), ("algorithm", "RS256"), ("rsa_public_key", CredentialTestPEM.rsa1024)])
        #expect(response.status == 400)
        #expect(response.json == credentialSchemaViolation([("rsa_public_key", .string("RSA public key must be at least 2048 bits (this one has 1024)"))]))
    }

    @Test(arguments: ["RS256", "ES256"])
    func asymmetricAlgorithmsRequireAPublicKey(algorithm: String) {
        let response = create([("key", "k"), ("secret", "s"), ("algorithm", algorithm)])
        #expect(response.status == 400)
        #expect(response.json == credentialSchemaViolation([("rsa_public_key", .string("required field missing"))]))
    }

    @Test func missingFieldsAreAllReported() {
        let response = create([])
        #expect(response.status == 400)
        #expect(response.json == credentialSchemaViolation([
            ("key", .string("required field missing")),
            ("secret", .string("required field missing")),
            ("algorithm", .string("required field missing")),
        ]))
    }

    @Test(arguments: ["hs256", "none", "PS256", "ES384", "HS256 "])
    func unknownAlgorithmsAreRefused(algorithm: String) {
        let response = create([("key", "k"), ("secret", "s"), ("algorithm", algorithm)])
        #expect(response.status == 400)
        #expect(response.json == credentialSchemaViolation([
            ("algorithm", .string("expected one of: HS256, HS384, HS512, RS256, RS384, RS512, ES256")),
        ]))
    }

    @Test func badKeyAndOverlongSecretAreReportedTogether() {
        let response = create([("key", "a b"), ("secret", String(repeating: "s", count: 1025)), ("algorithm", "HS512")])
        #expect(response.status == 400)
        #expect(response.json == credentialSchemaViolation([
            ("key", .string("must contain only printable ASCII characters, without spaces")),
            ("secret", .string("must be at most 1024 bytes")),
        ]))
    }

    @Test func aKeyTakenInThePortalConflicts() throws {
        _ = try createdID([("key", "taken"), ("secret", "s"), ("algorithm", "HS256")], as: bob)
        let response = create([("key", "taken"), ("secret", "s"), ("algorithm", "HS384")])
        #expect(response.status == 409)
        #expect(response.json == .object([
            ("fields", .object([("key", .string("already exists with value 'taken'"))])), ("code", .int(5)),
        ]))
    }

    @Test func showReturnsTheCredential() throws {
        let created = create([("key", "shown"), ("secret", "s"), ("algorithm", "ES256"), ("rsa_public_key", CredentialTestPEM.p256)])
        let id = try #require(created.json?["id"]?.stringValue)
        let response = portal.send("GET", "\(path)/\(id)", headers: alice.headers)
        #expect(response.status == 200)
        #expect(response.json == created.json)
    }

    @Test func anotherDevelopersCredentialIsNotFoundForEveryMethod() throws {
        let id = try createdID([("key", "bobs"), ("secret", "bob-secret"), ("algorithm", "HS256")], as: bob)
        for (method, fields) in [("GET", [(String, String)]()), ("PATCH", [("secret", "stolen")]), ("DELETE", [])] {
            let response = portal.sendForm(method, "\(path)/\(id)", fields, headers: alice.headers)
            #expect(response.status == 404, "\(method)")
            #expect(response.json == credentialNotFoundBody, "\(method)")
        }
        let stillThere = portal.send("GET", "\(path)/\(id)", headers: bob.headers)
        #expect(stillThere.json?["secret"] == .string("bob-secret"))
    }

    @Test(arguments: ["not-a-uuid", "%00", "..", String(repeating: "x", count: 300)])
    func malformedIdsAreNotFound(id: String) {
        for method in ["GET", "PATCH", "DELETE"] {
            let response = portal.send(method, "\(path)/\(id)", headers: alice.headers)
            #expect(response.status == 404, "\(method) \(id)")
            #expect(response.json == credentialNotFoundBody)
        }
    }

    @Test func patchChangesOnlyTheFieldsSent() throws {
        let id = try createdID([("key", "demo123"), ("secret", "secret1"), ("algorithm", "HS256")])
        portal.now += 60
        let response = portal.sendForm("PATCH", "\(path)/\(id)", [("secret", "secret2"), ("key", "demo1234")], headers: alice.headers)
        #expect(response.status == 200)
        #expect(response.json == .object([
            ("algorithm", .string("HS256")), ("id", .string(id)), ("created_at", .int(1_700_000_000)),
            ("secret", .string("secret2")), ("consumer", alice.consumer), ("key", .string("demo1234")),
        ]))
        #expect(portal.send("GET", "\(path)/\(id)", headers: alice.headers).json == response.json)
    }

    @Test func patchToAnAsymmetricAlgorithmNeedsAKeyAndDroppingItClearsIt() throws {
        let id = try createdID([("key", "switch"), ("secret", "s"), ("algorithm", "HS256")])
        let noKey = portal.sendForm("PATCH", "\(path)/\(id)", [("algorithm", "RS256")], headers: alice.headers)
        #expect(noKey.status == 400)
        #expect(noKey.json == credentialSchemaViolation([("rsa_public_key", .string("required field missing"))]))

        let toRS = portal.sendForm("PATCH", "\(path)/\(id)", [("algorithm", "RS256"), ("rsa_public_key", CredentialTestPEM.rsa2048)], headers: alice.headers)
        #expect(toRS.status == 200)
        #expect(toRS.json?["rsa_public_key"] == .string(CredentialTestPEM.rsa2048))

        // The stored RSA key is re-validated against the new algorithm: it is no P-256 key.
        let toES = portal.sendForm("PATCH", "\(path)/\(id)", [("algorithm", "ES256")], headers: alice.headers)
        #expect(toES.status == 400)
        #expect(toES.json == credentialSchemaViolation([("rsa_public_key", .string("invalid PEM public key"))]))

        let toHS = portal.sendForm("PATCH", "\(path)/\(id)", [("algorithm", "HS512")], headers: alice.headers)
        #expect(toHS.status == 200)
        #expect(toHS.json?["rsa_public_key"] == nil)
        #expect(toHS.json?["algorithm"] == .string("HS512"))
        let stored = try CredentialRepository(portal.database).findJWT(id: id, developerID: alice.developer.id, portalID: portal.defaultPortal.id)
        #expect(stored?.rsaPublicKey == nil)
        #expect(stored?.algorithm == .hs512)
    }

    @Test func patchValidatesLikeCreate() throws {
        let id = try createdID([("key", "valid"), ("secret", "s"), ("algorithm", "HS256")])
        let badAlgorithm = portal.sendForm("PATCH", "\(path)/\(id)", [("algorithm", "HS1024")], headers: alice.headers)
        #expect(badAlgorithm.status == 400)
        #expect(badAlgorithm.json == credentialSchemaViolation([
            ("algorithm", .string("expected one of: HS256, HS384, HS512, RS256, RS384, RS512, ES256")),
        ]))
        let badKey = portal.sendForm("PATCH", "\(path)/\(id)", [("key", "with space")], headers: alice.headers)
        #expect(badKey.json == credentialSchemaViolation([("key", .string("must contain only printable ASCII characters, without spaces"))]))
        #expect(portal.send("GET", "\(path)/\(id)", headers: alice.headers).json?["key"] == .string("valid"))
    }

    @Test func patchToATakenKeyConflicts() throws {
        _ = try createdID([("key", "bobs-key"), ("secret", "s"), ("algorithm", "HS256")], as: bob)
        let id = try createdID([("key", "mine"), ("secret", "s"), ("algorithm", "HS256")])
        let response = portal.sendForm("PATCH", "\(path)/\(id)", [("key", "bobs-key")], headers: alice.headers)
        #expect(response.status == 409)
        #expect(response.json == .object([
            ("fields", .object([("key", .string("already exists with value 'bobs-key'"))])), ("code", .int(5)),
        ]))
    }

    @Test func patchWithNoFieldsChangesNothing() throws {
        let created = create([("key", "same"), ("secret", "s"), ("algorithm", "HS256")])
        let id = try #require(created.json?["id"]?.stringValue)
        let response = portal.send("PATCH", "\(path)/\(id)", headers: alice.headers)
        #expect(response.status == 200)
        #expect(response.json == created.json)
    }

    @Test func deleteAnswers204AndTheCredentialIsGone() throws {
        let id = try createdID([("key", "gone"), ("secret", "s"), ("algorithm", "HS256")])
        let response = portal.send("DELETE", "\(path)/\(id)", headers: alice.headers)
        #expect(response.status == 204)
        #expect(response.response.body.isEmpty)
        #expect(portal.send("GET", "\(path)/\(id)", headers: alice.headers).status == 404)
        #expect(portal.send("DELETE", "\(path)/\(id)", headers: alice.headers).json == credentialNotFoundBody)
        // The key is free again.
        #expect(create([("key", "gone"), ("secret", "s"), ("algorithm", "HS256")]).status == 200)
    }

    @Test func listShowsOnlyTheDevelopersCredentials() throws {
        let hs = create([("key", "l-hs"), ("secret", "s"), ("algorithm", "HS256")])
        _ = try createdID([("key", "l-bob"), ("secret", "s"), ("algorithm", "HS256")], as: bob)
        portal.now += 1
        let rs = create([("key", "l-rs"), ("secret", "s"), ("algorithm", "RS256"), ("rsa_public_key", CredentialTestPEM.rsa2048)])
        let response = portal.send("GET", path, headers: alice.headers)
        #expect(response.status == 200)
        #expect(response.json == .object([
            ("data", .array([try #require(hs.json), try #require(rs.json)])), ("next", .null), ("total", .int(2)),
        ]))
        let paged = portal.send("GET", path + "?size=1", headers: alice.headers)
        #expect(paged.json?["next"] == .string("/credentials/jwt?size=1&offset=\(hs.json?["id"]?.stringValue ?? "")"))
    }

    @Test func everyOperationNeedsASession() {
        for (method, uri) in [("GET", path), ("POST", path), ("GET", path + "/x"), ("PATCH", path + "/x"), ("DELETE", path + "/x")] {
            let response = portal.send(method, uri)
            #expect(response.status == 401, "\(method) \(uri)")
            #expect(response.json == credentialUnauthorizedBody)
        }
    }
}

// MARK: - PEM and DER reading

