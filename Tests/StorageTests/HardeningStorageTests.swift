import Foundation
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
        let deleted = try Housekeeping(temporary.database, sessionLifetime: lifetime)
            .purge(now: now, throttle: throttle.policy, quota: MailQuota())
        #expect(deleted == 2)
        #expect(try sessions.developer(forToken: live, portalID: portal.id, now: now) == developer)
        #expect(try sessions.developer(forToken: expired, portalID: portal.id, now: now) == nil)
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM login_failures") == ["0"])
    }
}
