import Foundation
import PortalTesting
import Storage
import Testing

/// `CredentialRepository`: creation, per-portal key uniqueness, owner scoping and paging.
@Suite struct CredentialRepositoryTests {
    let portal: TestPortal
    let credentials: CredentialRepository
    let alice: Developer
    let bob: Developer
    let start = Date(timeIntervalSince1970: 1_700_000_000)

    init() throws {
        portal = try TestPortal()
        credentials = CredentialRepository(portal.database)
        let developers = DeveloperRepository(portal.database)
        alice = Developer(portalID: portal.defaultPortal.id, email: "alice@example.com", passwordHash: "x", meta: "{}", status: .approved, createdAt: start)
        bob = Developer(portalID: portal.defaultPortal.id, email: "bob@example.com", passwordHash: "x", meta: "{}", status: .approved, createdAt: start)
        try developers.create(alice)
        try developers.create(bob)
    }

    /// A second portal with one developer, for cross-portal checks.
    func otherPortalDeveloper() throws -> Developer {
        let other = Portal(name: "Other", defaultDomain: "other.example", createdAt: start)
        try PortalRepository(portal.database).create(other)
        let carol = Developer(portalID: other.id, email: "carol@example.com", passwordHash: "x", meta: "{}", status: .approved, createdAt: start)
        try DeveloperRepository(portal.database).create(carol)
        return carol
    }

    func keyAuth(_ developer: Developer, _ key: String, at offset: TimeInterval = 0) -> KeyAuthCredential {
        KeyAuthCredential(portalID: developer.portalID, developerID: developer.id, key: key, createdAt: start + offset)
    }

    func jwt(_ developer: Developer, _ key: String, _ algorithm: JWTCredential.Algorithm = .hs256, at offset: TimeInterval = 0) -> JWTCredential {
        JWTCredential(portalID: developer.portalID, developerID: developer.id, key: key, secret: "s-\(key)", algorithm: algorithm, createdAt: start + offset)
    }

    @Test func keyAuthPageListsOnlyTheOwnersKeysInCreationOrder() throws {
        // Same created_at for the first two: rowid breaks the tie, so order is insertion order.
        try credentials.createKeyAuth(keyAuth(alice, "a-1"))
        try credentials.createKeyAuth(keyAuth(bob, "b-1"))
        try credentials.createKeyAuth(keyAuth(alice, "a-2"))
        try credentials.createKeyAuth(keyAuth(alice, "a-3", at: 5))

        let page = try credentials.keyAuthPage(developerID: alice.id, portalID: alice.portalID, PageRequest(size: 10))
        #expect(page.items.map(\.key) == ["a-1", "a-2", "a-3"])
        #expect(page.total == 3)
        #expect(page.nextCursor == nil)
        #expect(page.items[0].createdAt == start)
        #expect(page.items[0].developerID == alice.id)
        #expect(try credentials.keyAuthCount(developerID: alice.id, portalID: alice.portalID) == 3)
        #expect(try credentials.keyAuthCount(developerID: bob.id, portalID: bob.portalID) == 1)
        #expect(try credentials.keyAuthCount(developerID: alice.id, portalID: "elsewhere") == 0)
    }

    @Test func keyAuthPagesFollowTheCursor() throws {
        for index in 1...3 { try credentials.createKeyAuth(keyAuth(alice, "k\(index)", at: Double(index))) }
        let first = try credentials.keyAuthPage(developerID: alice.id, portalID: alice.portalID, PageRequest(size: 2))
        #expect(first.items.map(\.key) == ["k1", "k2"])
        #expect(first.nextCursor == first.items[1].id)
        #expect(first.total == 3)
        let second = try credentials.keyAuthPage(developerID: alice.id, portalID: alice.portalID, PageRequest(size: 2, after: first.nextCursor))
        #expect(second.items.map(\.key) == ["k3"])
        #expect(second.nextCursor == nil)
    }

    @Test func anotherDevelopersIdIsNotACursor() throws {
        try credentials.createKeyAuth(keyAuth(alice, "mine"))
        let bobs = keyAuth(bob, "his")
        try credentials.createKeyAuth(bobs)
        #expect {
            _ = try credentials.keyAuthPage(developerID: alice.id, portalID: alice.portalID, PageRequest(size: 2, after: bobs.id))
        } throws: { ($0 as? StorageError)?.kind == .invalidCursor }
    }

    @Test func keyAuthKeysAreUniquePerPortal() throws {
        try credentials.createKeyAuth(keyAuth(alice, "shared"))
        #expect {
            try credentials.createKeyAuth(keyAuth(bob, "shared"))
        } throws: { ($0 as? StorageError)?.kind == .uniqueViolation }
        // The same key in another portal is a different consumer's key: allowed.
        let carol = try otherPortalDeveloper()
        try credentials.createKeyAuth(keyAuth(carol, "shared"))
        let carols = try credentials.keyAuthPage(developerID: carol.id, portalID: carol.portalID, PageRequest(size: 10))
        #expect(carols.items.map(\.key) == ["shared"])
    }

    @Test func findKeyAuthIsScopedByOwnerAndPortal() throws {
        let credential = keyAuth(alice, "found")
        try credentials.createKeyAuth(credential)
        #expect(try credentials.findKeyAuth(id: credential.id, developerID: alice.id, portalID: alice.portalID) == credential)
        #expect(try credentials.findKeyAuth(id: credential.id, developerID: bob.id, portalID: bob.portalID) == nil)
        #expect(try credentials.findKeyAuth(id: credential.id, developerID: alice.id, portalID: "other-portal") == nil)
    }

    @Test func jwtRoundTripsEveryColumn() throws {
        var credential = jwt(alice, "rs-key", .rs256)
        credential.rsaPublicKey = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
        try credentials.createJWT(credential)
        let found = try credentials.findJWT(id: credential.id, developerID: alice.id, portalID: alice.portalID)
        #expect(found == credential)
        #expect(found?.algorithm == .rs256)
        #expect(found?.secret == "s-rs-key")
    }

    @Test func findJWTIsScopedByOwnerAndPortal() throws {
        let credential = jwt(alice, "a-jwt")
        try credentials.createJWT(credential)
        #expect(try credentials.findJWT(id: credential.id, developerID: bob.id, portalID: bob.portalID) == nil)
        #expect(try credentials.findJWT(id: credential.id, developerID: alice.id, portalID: "nope") == nil)
        #expect(try credentials.findJWT(id: "not-an-id", developerID: alice.id, portalID: alice.portalID) == nil)
    }

    @Test func jwtKeysAreUniquePerPortalButIndependentOfKeyAuth() throws {
        try credentials.createJWT(jwt(alice, "same"))
        #expect {
            try credentials.createJWT(jwt(bob, "same"))
        } throws: { ($0 as? StorageError)?.kind == .uniqueViolation }
        // key-auth and JWT are separate gateway plugins with separate key spaces.
        try credentials.createKeyAuth(keyAuth(bob, "same"))
    }

    @Test func jwtPageIsScopedAndOrdered() throws {
        try credentials.createJWT(jwt(alice, "j1", at: 1))
        try credentials.createJWT(jwt(bob, "j-bob", at: 2))
        try credentials.createJWT(jwt(alice, "j2", .es256, at: 3))
        let page = try credentials.jwtPage(developerID: alice.id, portalID: alice.portalID, PageRequest(size: 1))
        #expect(page.items.map(\.key) == ["j1"])
        #expect(page.total == 2)
        let next = try credentials.jwtPage(developerID: alice.id, portalID: alice.portalID, PageRequest(size: 1, after: page.nextCursor))
        #expect(next.items.map(\.key) == ["j2"])
        #expect(next.items.first?.algorithm == .es256)
        #expect(next.nextCursor == nil)
    }

    @Test func updateJWTChangesTheOwnersRowOnly() throws {
        let original = jwt(alice, "before")
        try credentials.createJWT(original)

        var stolen = original
        stolen.developerID = bob.id
        stolen.key = "hijacked"
        #expect(try credentials.updateJWT(stolen) == false)
        #expect(try credentials.findJWT(id: original.id, developerID: alice.id, portalID: alice.portalID)?.key == "before")

        var changed = original
        changed.key = "after"
        changed.secret = "new-secret"
        changed.algorithm = .es256
        changed.rsaPublicKey = "pem"
        #expect(try credentials.updateJWT(changed) == true)
        #expect(try credentials.findJWT(id: original.id, developerID: alice.id, portalID: alice.portalID) == changed)
    }

    @Test func updateJWTToATakenKeyIsAUniqueViolation() throws {
        try credentials.createJWT(jwt(bob, "taken"))
        var mine = jwt(alice, "free")
        try credentials.createJWT(mine)
        mine.key = "taken"
        #expect {
            _ = try credentials.updateJWT(mine)
        } throws: { ($0 as? StorageError)?.kind == .uniqueViolation }
    }

    @Test func deleteJWTIsScopedByOwner() throws {
        let credential = jwt(alice, "doomed")
        try credentials.createJWT(credential)
        #expect(try credentials.deleteJWT(id: credential.id, developerID: bob.id, portalID: bob.portalID) == false)
        #expect(try credentials.findJWT(id: credential.id, developerID: alice.id, portalID: alice.portalID) != nil)
        #expect(try credentials.deleteJWT(id: credential.id, developerID: alice.id, portalID: alice.portalID) == true)
        #expect(try credentials.findJWT(id: credential.id, developerID: alice.id, portalID: alice.portalID) == nil)
        #expect(try credentials.deleteJWT(id: credential.id, developerID: alice.id, portalID: alice.portalID) == false)
    }
}
