import Foundation
import GRDB
import PortalTesting
@testable import Storage
import Testing

/// Storage pieces of the hardening (issue 6): the pool-wide argon2 slots, the OWASP floor, the mail
/// quota, and housekeeping.
@Suite struct HardeningStorageTests {
    @Test func hashingSlotsAreExclusiveAcrossSeparateOpeners() throws {
        let temporary = try TemporaryDatabase(migrate: false)
        let directory = temporary.directory.appendingPathComponent("slots").path
        // Two instances on one directory stand for two worker processes: flock locks belong to
        // open file descriptions, so they conflict just as across processes.
        let first = try HashingSlots(directory: directory, count: 1)
        let second = try HashingSlots(directory: directory, count: 1)
        let hasher = try PasswordHasher(parameters: .init(memoryKiB: 1024, iterations: 1, parallelism: 1), maxConcurrent: 4, poolSlots: second)
        let order = Locked<[String]>([])
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let holder = Thread {
            first.withSlot {
                order.withLock { $0.append("first holds") }
                holding.signal()
                release.wait()
                order.withLock { $0.append("first releases") }
            }
        }
        holder.start()
        holding.wait()
        let hashed = DispatchSemaphore(value: 0)
        Thread {
            _ = try? hasher.hash("password")
            order.withLock { $0.append("second hashed") }
            hashed.signal()
        }.start()
        #expect(hashed.wait(timeout: .now() + 0.3) == .timedOut)  // waits for the slot
        release.signal()
        #expect(hashed.wait(timeout: .now() + 5) == .success)
        #expect(order.current == ["first holds", "first releases", "second hashed"])
    }

    @Test func owaspFloor() {
        #expect(Argon2Parameters.owaspMinimum.meetsOWASPMinimum)
        #expect(Argon2Parameters(memoryKiB: 7_168, iterations: 5, parallelism: 1).meetsOWASPMinimum)
        #expect(Argon2Parameters(memoryKiB: 47_104, iterations: 1, parallelism: 1).meetsOWASPMinimum)
        #expect(!Argon2Parameters(memoryKiB: 19_456, iterations: 1, parallelism: 1).meetsOWASPMinimum)
        #expect(!Argon2Parameters(memoryKiB: 7_168, iterations: 4, parallelism: 1).meetsOWASPMinimum)
        #expect(!Argon2Parameters(memoryKiB: 1_024, iterations: 100, parallelism: 1).meetsOWASPMinimum)
    }

    @Test func mailQuotaAllowsALimitPerAddressPerWindow() throws {
        let temporary = try TemporaryDatabase()
        let portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
        let accounts = AccountRepository(temporary.database)
        let quota = MailQuota(limit: 2, window: 3600)
        func request(_ email: String, at time: Date) throws -> AccountRepository.TokenRequest {
            try accounts.requestToken(
                id: UUID().uuidString, purpose: .resetPassword, lifetime: 60, portalID: portal.id, email: email,
                quota: quota, now: time, eligible: { _ in true },
                mail: { OutgoingMail(recipient: $0.email, subject: "s", body: "b") })
        }
        let ada = makeDeveloper(portalID: portal.id, email: "ada@example.com")
        try DeveloperRepository(temporary.database).create(ada)
        guard case .queued = try request("ada@example.com", at: Instant.t0) else { Issue.record("not queued"); return }
        guard case .queued = try request("ADA@example.com", at: Instant.t0 + 1) else { Issue.record("not queued"); return }
        #expect(try request("ada@example.com", at: Instant.t0 + 2) == .throttled)
        #expect(try request("ghost@example.com", at: Instant.t0 + 2) == .noAccount)
        #expect(try request("ghost@example.com", at: Instant.t0 + 3) == .noAccount)
        #expect(try request("ghost@example.com", at: Instant.t0 + 4) == .throttled)
        guard case .queued = try request("ada@example.com", at: Instant.t0 + 3601) else { Issue.record("window did not reset"); return }
        // The throttled request issued no token: the second one is still the live one.
        let live = try SQLiteShell.query(temporary.path, "SELECT count(*) FROM one_time_tokens WHERE consumed_at IS NULL")
        #expect(live == ["1"])
    }

    @Test func triesArrivingTogetherCannotAllPassAnUnlockedAccount() throws {
        let temporary = try TemporaryDatabase()
        let portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
        let throttle = LoginThrottleRepository(temporary.database, policy: LoginThrottlePolicy(freeFailures: 3, firstDelay: 10, maximumDelay: 40))
        // 40 tries at the same instant from many threads (workers): the lock check and the count are
        // one transaction, so exactly the free ones plus the one that starts the lockout get through.
        let outcomes = Locked<[LoginThrottleRepository.Reservation]>([])
        DispatchQueue.concurrentPerform(iterations: 40) { _ in
            let outcome = try? throttle.reserve(portalID: portal.id, email: "ada@example.com", now: Instant.t0)
            if let outcome { outcomes.withLock { $0.append(outcome) } }
        }
        let all = outcomes.withLock { $0 }
        #expect(all.count == 40)
        #expect(all.filter { if case .counted = $0 { true } else { false } }.count == 3)
        #expect(all.filter { $0 == .locked(retryAfter: 10) }.count == 37)
        // After the lockout the next try is counted again and doubles it; a success clears everything.
        #expect(try throttle.reserve(portalID: portal.id, email: "ada@example.com", now: Instant.t0 + 10) == .counted(lockout: 20))
        try throttle.clear(portalID: portal.id, email: "ada@example.com")
        #expect(try throttle.reserve(portalID: portal.id, email: "ada@example.com", now: Instant.t0 + 11) == .counted(lockout: 0))
    }

    /// Counts committed transactions (GRDB tells observers of every commit).
    private final class CommitCounter: TransactionObserver, @unchecked Sendable {
        var commits = 0
        func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { true }
        func databaseDidChange(with event: DatabaseEvent) {}
        func databaseDidCommit(_ db: Database) { commits += 1 }
        func databaseDidRollback(_ db: Database) {}
    }

    @Test func knownAndUnknownAddressesCostOneWriteTransactionEachAndSendNothing() throws {
        let temporary = try TemporaryDatabase()
        let portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
        try DeveloperRepository(temporary.database).create(makeDeveloper(portalID: portal.id, email: "ada@example.com"))
        let counter = CommitCounter()
        temporary.database.pool.add(transactionObserver: counter, extent: .databaseLifetime)
        let accounts = AccountRepository(temporary.database)
        var outcomes: [AccountRepository.TokenRequest] = []
        // The same work either way: a share of the address's quota is taken (a write, so the
        // commit and its fsync happen for strangers too) before the account is looked up.
        for email in ["ada@example.com", "nobody@example.com"] {
            let before = counter.commits
            outcomes.append(try accounts.requestToken(
                id: UUID().uuidString.lowercased(), purpose: .resetPassword, lifetime: 3600, portalID: portal.id, email: email,
                quota: MailQuota(), now: Instant.t0, eligible: { _ in true },
                mail: { OutgoingMail(recipient: $0.email, subject: "Reset", body: "link") }))
            #expect(counter.commits - before == 1, "\(email)")
        }
        guard case .queued = outcomes[0] else { Issue.record("known address: \(outcomes[0])"); return }
        #expect(outcomes[1] == .noAccount)
        #expect(try SQLiteShell.query(temporary.path, "SELECT recipient, recipient IN (SELECT recipient FROM mail_quota), sent_at IS NULL FROM outbox") == ["ada@example.com|1|1"])
        #expect(try SQLiteShell.query(temporary.path, "SELECT recipient FROM mail_quota ORDER BY recipient") == ["ada@example.com", "nobody@example.com"])
    }

    @Test func aStartingWorkerReadsTheInstallationSecretWhileAnotherHoldsTheWriteLock() throws {
        let temporary = try TemporaryDatabase()
        let made = try InstallationSecrets(temporary.database).secret(named: "jwt")
        // Another worker in a long write transaction: a starting worker only reads (WAL readers do
        // not wait for the writer), so it neither waits out the busy timeout nor dies of it.
        let other = try temporary.openAnother()
        let holding = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let writer = Thread {
            try? other.write { _ in
                holding.signal()
                release.wait()
            }
        }
        writer.start()
        holding.wait()
        defer { release.signal() }
        // (Through a write transaction this would wait out the busy timeout and throw `.busy`.)
        #expect(try InstallationSecrets(temporary.openAnother()).secret(named: "jwt") == made)
    }

    @Test func housekeepingDeletesOnlyWhatCanNeverBeUsedAgain() throws {
        let temporary = try TemporaryDatabase()
        let portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
        let developer = makeDeveloper(portalID: portal.id, email: "ada@example.com")
        try DeveloperRepository(temporary.database).create(developer)
        let lifetime = SessionLifetime(idleTimeout: 600, absoluteTimeout: 3600)
        let sessions = SessionRepository(temporary.database, lifetime: lifetime)
        let expired = try sessions.start(developer: developer, now: Instant.t0)
        let live = try sessions.start(developer: developer, now: Instant.t0 + 86_400 * 8)
        let throttle = LoginThrottleRepository(temporary.database)
        _ = try throttle.reserve(portalID: portal.id, email: "ada@example.com", now: Instant.t0)
        let now = Instant.t0 + 86_400 * 8 + 1
        // Emailed tokens: one spent 8 days ago, one unspent and still valid (kept).
        let spent = OneTimeToken(developerID: developer.id, purpose: .resetPassword, createdAt: Instant.t0, lifetime: 3600)
        let valid = OneTimeToken(developerID: developer.id, purpose: .verifyAccount, createdAt: now - 60, lifetime: 86_400)
        // Mail: one delivered 8 days ago, one delivered an hour ago and one still queued (both kept).
        let outbox = OutboxRepository(temporary.database)
        let (oldMail, recentMail, queuedMail) = try temporary.database.write { db in
            try spent.insert(db)
            try valid.insert(db)
            try db.execute(sql: "UPDATE one_time_tokens SET consumed_at = ? WHERE id = ?", arguments: [Instant.t0.stored, spent.id])
            let mail = { (at: Date) in OutboxMessage(portalID: portal.id, recipient: "ada@example.com", subject: "s", body: "b", createdAt: at) }
            return (try OutboxRepository.enqueue(mail(Instant.t0), in: db), try OutboxRepository.enqueue(mail(now - 3600), in: db),
                    try OutboxRepository.enqueue(mail(now - 60), in: db))
        }
        try outbox.markSent(id: oldMail, now: Instant.t0)
        try outbox.markSent(id: recentMail, now: now - 3600)
        let deleted = try Housekeeping(temporary.database, sessionLifetime: lifetime)
            .purge(now: now, throttle: throttle.policy, quota: MailQuota())
        #expect(deleted == 4)
        #expect(try SQLiteShell.query(temporary.path, "SELECT id FROM one_time_tokens") == [valid.id])
        #expect(try SQLiteShell.query(temporary.path, "SELECT id FROM outbox ORDER BY id") == ["\(recentMail)", "\(queuedMail)"])
        #expect(try sessions.developer(forToken: live, portalID: portal.id, now: now) == developer)
        #expect(try sessions.developer(forToken: expired, portalID: portal.id, now: now) == nil)
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM login_failures") == ["0"])
    }
}
