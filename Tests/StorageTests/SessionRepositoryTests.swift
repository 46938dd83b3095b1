import Foundation
import Storage
import Testing

/// `SessionRepository`: hashed session ids, idle and absolute expiry, revocation, rotation
/// (DESIGN.md, "Developer sessions").
@Suite struct SessionRepositoryTests {
    static let lifetime = SessionLifetime(idleTimeout: 600, absoluteTimeout: 3600)

    let temporary: TemporaryDatabase
    let portal: Portal
    let otherPortal: Portal
    let developer: Developer
    let sessions: SessionRepository
    let developers: DeveloperRepository

    init() throws {
        temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        portal = try portals.makePortal(name: "Acme", domain: "acme.example")
        otherPortal = try portals.makePortal(name: "Other", domain: "other.example")
        developers = DeveloperRepository(temporary.database)
        developer = makeDeveloper(portalID: portal.id, email: "ada@example.com")
        try developers.create(developer)
        sessions = SessionRepository(temporary.database, lifetime: Self.lifetime)
    }

    @Test func startReturnsATokenThatFindsTheDeveloper() throws {
        let token = try sessions.start(developer: developer, now: Instant.t0)
        #expect(token.count == 43)
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0 + 1) == developer)
        #expect(try sessions.developer(forToken: token + "x", portalID: portal.id, now: Instant.t0 + 1) == nil)
        #expect(try sessions.developer(forToken: "", portalID: portal.id, now: Instant.t0 + 1) == nil)
    }

    @Test func eachStartGivesANewToken() throws {
        let first = try sessions.start(developer: developer, now: Instant.t0)
        let second = try sessions.start(developer: developer, now: Instant.t0)
        #expect(first != second)
        #expect(try sessions.developer(forToken: first, portalID: portal.id, now: Instant.t0) == developer)
        #expect(try sessions.developer(forToken: second, portalID: portal.id, now: Instant.t0) == developer)
    }

    @Test func tokenIsStoredOnlyAsItsSHA256() throws {
        let token = try sessions.start(developer: developer, now: Instant.t0)
        let rows = try SQLiteShell.query(temporary.path, "SELECT token_hash, developer_id, portal_id FROM sessions")
        #expect(rows == ["\(SecretToken.hash(token))|\(developer.id)|\(portal.id)"])
        let dump = try SQLiteShell.query(temporary.path, ".dump sessions").joined(separator: "\n")
        #expect(dump.contains(SecretToken.hash(token)))
        #expect(!dump.contains(token))
    }

    @Test func idleSessionEndsAfterIdleTimeout() throws {
        let token = try sessions.start(developer: developer, now: Instant.t0)
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0 + 600) == nil)
        // Once ended, it stays ended even for an earlier clock.
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0 + 1) == nil)
    }

    @Test func idleTimeoutCountsFromLastUse() throws {
        let token = try sessions.start(developer: developer, now: Instant.t0)
        // Used just before the idle deadline: the next deadline moves to 590 + 600.
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0 + 590) == developer)
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0 + 1180) == developer)
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0 + 1180 + 600) == nil)
    }

    @Test func sessionEndsAtAbsoluteExpiryEvenWhenUsedRegularly() throws {
        let token = try sessions.start(developer: developer, now: Instant.t0)
        var now = Instant.t0
        while now < Instant.t0 + 3500 {
            now += 500  // well inside the idle timeout
            #expect(try sessions.developer(forToken: token, portalID: portal.id, now: now) == developer)
        }
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0 + 3600) == nil)
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM sessions") == ["0"])
    }

    @Test func sessionIsNotFoundFromAnotherPortal() throws {
        let token = try sessions.start(developer: developer, now: Instant.t0)
        #expect(try sessions.developer(forToken: token, portalID: otherPortal.id, now: Instant.t0) == nil)
        // Asking from the wrong portal does not end the session in its own portal.
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0) == developer)
    }

    @Test func revokeEndsOneSession() throws {
        let token = try sessions.start(developer: developer, now: Instant.t0)
        let other = try sessions.start(developer: developer, now: Instant.t0)
        try sessions.revoke(token: token)
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0) == nil)
        #expect(try sessions.developer(forToken: other, portalID: portal.id, now: Instant.t0) == developer)
        try sessions.revoke(token: "never-issued")  // not an error
    }

    @Test func revokeAllEndsEverySessionOfTheDeveloperOnly() throws {
        let colleague = makeDeveloper(portalID: portal.id, email: "grace@example.com")
        try developers.create(colleague)
        let first = try sessions.start(developer: developer, now: Instant.t0)
        let second = try sessions.start(developer: developer, now: Instant.t0)
        let colleagues = try sessions.start(developer: colleague, now: Instant.t0)
        try sessions.revokeAll(developerID: developer.id)
        #expect(try sessions.developer(forToken: first, portalID: portal.id, now: Instant.t0) == nil)
        #expect(try sessions.developer(forToken: second, portalID: portal.id, now: Instant.t0) == nil)
        #expect(try sessions.developer(forToken: colleagues, portalID: portal.id, now: Instant.t0) == colleague)
    }

    @Test func startReplacingRevokesTheOldToken() throws {
        let old = try sessions.start(developer: developer, now: Instant.t0)
        let new = try sessions.start(developer: developer, replacing: old, now: Instant.t0 + 10)
        #expect(new != old)
        #expect(try sessions.developer(forToken: old, portalID: portal.id, now: Instant.t0 + 11) == nil)
        #expect(try sessions.developer(forToken: new, portalID: portal.id, now: Instant.t0 + 11) == developer)
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM sessions") == ["1"])
    }

    @Test(arguments: [Developer.Status.pending, .rejected, .revoked, .invited, .unverified])
    func developerWhoIsNotApprovedGetsNil(status: Developer.Status) throws {
        let waiting = makeDeveloper(portalID: portal.id, email: "waiting@example.com", status: status)
        try developers.create(waiting)
        let token = try sessions.start(developer: waiting, now: Instant.t0)
        #expect(try sessions.developer(forToken: token, portalID: portal.id, now: Instant.t0) == nil)
    }

    @Test func purgeExpiredDeletesIdleAndAbsoluteExpiredSessionsOnly() throws {
        let idle = try sessions.start(developer: developer, now: Instant.t0)
        let live = try sessions.start(developer: developer, now: Instant.t0 + 500)
        #expect(try sessions.purgeExpired(now: Instant.t0 + 600) == 1)
        #expect(try sessions.developer(forToken: idle, portalID: portal.id, now: Instant.t0 + 590) == nil)
        #expect(try sessions.developer(forToken: live, portalID: portal.id, now: Instant.t0 + 600) == developer)
    }
}
