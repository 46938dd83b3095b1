import Foundation
@testable import Storage
import Synchronization
import Testing

/// The request path's direct reads must answer exactly what GRDB's decoding answers for the same rows.
@Suite struct DirectReadsTests {
    let temporary: TemporaryDatabase
    let portal: Portal

    init() throws {
        temporary = try TemporaryDatabase()
        portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
    }

    /// Dates written by GRDB (rounded to the millisecond) decode to the identical `Date` both ways,
    /// so a developer read through a session equals the same developer read through GRDB.
    @Test func sessionDevelopersEqualGRDBsDecodingOfTheSameRow() throws {
        let developers = DeveloperRepository(temporary.database)
        let sessions = SessionRepository(temporary.database, lifetime: SessionLifetime(idleTimeout: 1e9, absoluteTimeout: 2e9))
        var generator = SystemRandomNumberGenerator()
        for index in 0..<300 {
            // Anything from 1970 to 2100, with sub-millisecond noise that storage rounds away.
            let created = Date(timeIntervalSince1970: Double.random(in: 0..<4_102_444_800, using: &generator))
            var developer = makeDeveloper(portalID: portal.id, email: "dev\(index)@example.com")
            developer.createdAt = created
            developer.updatedAt = created.addingTimeInterval(Double.random(in: 0..<10, using: &generator))
            try developers.create(developer)
            let token = try sessions.start(developer: developer, now: Date())
            let viaGRDB = try #require(try developers.find(portalID: portal.id, id: developer.id))
            let direct = try #require(try sessions.authenticate(token: token, portalID: portal.id, now: Date()))
            #expect(direct.developer == viaGRDB)
        }
    }

    @Test func projectTokensEqualGRDBsDecoding() throws {
        let tokens = ProjectTokenRepository(temporary.database)
        let secret = ProjectToken.generateSecret()
        var token = ProjectToken(
            portalID: portal.id, role: .editor, name: "ci", secretHash: SecretToken.hash(secret), type: .restricted,
            brokers: #"["a"]"#, issuer: "cli", issueDate: Date(timeIntervalSince1970: 1_796_216_420.9996),
            validDate: Date(timeIntervalSince1970: 4_000_000_000.123))
        try tokens.create(token)
        let now = Date(timeIntervalSince1970: 1_796_216_500.25)
        let found = try #require(try tokens.authenticate(secret: secret, now: now))
        let listed = try #require(try tokens.list(portalID: portal.id).first)
        #expect(found == listed)  // the use was recorded: both carry the same last_used_date
        token.lastUsedDate = listed.lastUsedDate
        #expect(found.issueDate == listed.issueDate && found.validDate == listed.validDate)
        #expect(try tokens.authenticate(secret: secret + "x", now: now) == nil)
        let root = ProjectToken(portalID: nil, role: .root, name: "root", secretHash: SecretToken.hash("r"), issuer: "cli", issueDate: now)
        try tokens.create(root)
        #expect(try tokens.authenticate(secret: "r", now: now)?.portalID == nil)
    }

    @Test func storedDateFormsParseAndOthersDoNot() {
        func parse(_ text: String) -> Date? {
            Array(text.utf8).withUnsafeBufferPointer { StoredDate.parse($0) }
        }
        #expect(parse("1970-01-01 00:00:00.000") == Date(timeIntervalSince1970: 0))
        #expect(parse("2026-12-02 13:08:27.5") == Date(timeIntervalSince1970: 1_796_216_907.5))
        #expect(parse("2026-12-02T13:08:27") == Date(timeIntervalSince1970: 1_796_216_907))
        #expect(parse("2026-12-02 13:08") == Date(timeIntervalSince1970: 1_796_216_880))
        #expect(parse("2026-12-02") == Date(timeIntervalSince1970: 1_796_169_600))
        #expect(parse("2000-02-29 00:00:00") == Date(timeIntervalSince1970: 951_782_400))
        #expect(parse("1969-12-31 23:59:59.999") == Date(timeIntervalSince1970: -0.001))
        for bad in ["", "2026-12-0", "2026-13-01", "2026-12-02 25:00", "2026-12-02 13:08:27.", "2026-12-02 13:08:27Z", "yesterday"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
    }

    /// Many threads at once: each checks out its own connection; every answer is right.
    @Test func concurrentReadersEachGetTheirOwnConnection() throws {
        let counters = PortalRepository(temporary.database)
        let expected = try counters.generation()
        let failures = Mutex<[String]>([])
        runOnThreads(8) { _ in
            for _ in 0..<200 {
                do {
                    let value = try counters.generation()
                    if value != expected { failures.withLock { $0.append("got \(value)") } }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty)
        #expect(temporary.database.ping())
    }

    /// A change committed through GRDB (another process's pool) is seen by the next direct read.
    @Test func directReadsSeeCommittedWritesAtOnce() throws {
        let portals = PortalRepository(temporary.database)
        let before = try portals.generation()
        _ = try PortalRepository(try temporary.openAnother()).makePortal(name: "Later", domain: "later.example")
        #expect(try portals.generation() > before)
    }
}
