import Foundation
import PortalTesting
import Storage
import Testing

/// `PasswordHasher`: argon2id encoded hashes (RFC 9106; libargon2's `$argon2id$v=19$…` format),
/// verification, rehash detection and the bound on concurrent hashes.
@Suite struct PasswordHasherTests {
    static let cheap = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)

    @Test func hashIsAnEncodedArgon2idStringWithTheParameters() throws {
        let hasher = try PasswordHasher(parameters: Self.cheap)
        let encoded = try hasher.hash("correct horse battery staple")
        // 16-byte salt and 32-byte hash, base64 without padding: 22 and 43 characters.
        let match = encoded.wholeMatch(of: /\$argon2id\$v=19\$m=1024,t=1,p=1\$[A-Za-z0-9+\/]{22}\$[A-Za-z0-9+\/]{43}/)
        #expect(match != nil, "unexpected encoding: \(encoded)")
    }

    @Test func hashRecordsOtherParameters() throws {
        let hasher = try PasswordHasher(parameters: Argon2Parameters(memoryKiB: 2048, iterations: 3, parallelism: 2))
        let encoded = try hasher.hash("correct horse battery staple")
        #expect(encoded.hasPrefix("$argon2id$v=19$m=2048,t=3,p=2$"))
    }

    @Test func verifyAcceptsTheRightPasswordOnly() throws {
        let hasher = try PasswordHasher(parameters: Self.cheap)
        let encoded = try hasher.hash("correct horse battery staple")
        #expect(hasher.verify("correct horse battery staple", against: encoded))
        #expect(!hasher.verify("correct horse battery stapler", against: encoded))
        #expect(!hasher.verify("Correct horse battery staple", against: encoded))
        #expect(!hasher.verify("", against: encoded))
    }

    @Test func verifyHandlesNonASCIIPasswords() throws {
        let hasher = try PasswordHasher(parameters: Self.cheap)
        let encoded = try hasher.hash("pässwörd-😀")
        #expect(hasher.verify("pässwörd-😀", against: encoded))
        #expect(!hasher.verify("passwort-😀", against: encoded))
    }

    @Test(arguments: [
        "", "garbage", "$argon2id$", "$argon2id$v=19$m=1024,t=1,p=1$$",
        "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW",
        "$argon2id$v=19$m=1024,t=1,p=1$!!!!$!!!!",
    ])
    func verifyIsFalseForGarbageHashes(encoded: String) throws {
        let hasher = try PasswordHasher(parameters: Self.cheap)
        #expect(!hasher.verify("password", against: encoded))
    }

    @Test func verifyIsFalseForATruncatedHash() throws {
        let hasher = try PasswordHasher(parameters: Self.cheap)
        let encoded = try hasher.hash("correct horse battery staple")
        #expect(!hasher.verify("correct horse battery staple", against: String(encoded.dropLast(4))))
    }

    @Test func twoHashesOfTheSamePasswordDiffer() throws {
        let hasher = try PasswordHasher(parameters: Self.cheap)
        let first = try hasher.hash("same password")
        let second = try hasher.hash("same password")
        #expect(first != second)
        let salt = { (encoded: String) in encoded.split(separator: "$")[3] }
        #expect(salt(first) != salt(second))
        #expect(hasher.verify("same password", against: first))
        #expect(hasher.verify("same password", against: second))
    }

    @Test func needsRehashOnlyWhenParametersChange() throws {
        let current = try PasswordHasher(parameters: Self.cheap)
        let encoded = try current.hash("password")
        #expect(!current.needsRehash(encoded))

        for changed in [
            Argon2Parameters(memoryKiB: 2048, iterations: 1, parallelism: 1),
            Argon2Parameters(memoryKiB: 1024, iterations: 2, parallelism: 1),
            Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 2),
        ] {
            let upgraded = try PasswordHasher(parameters: changed)
            #expect(upgraded.needsRehash(encoded), "\(changed)")
            #expect(!upgraded.needsRehash(try upgraded.hash("password")))
            // The old hash still verifies: parameters travel with the hash.
            #expect(upgraded.verify("password", against: encoded))
        }
        #expect(current.needsRehash("garbage"))
        #expect(current.needsRehash("$argon2i$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"))
    }

    @Test func defaultParametersAreOWASPMinimum() throws {
        let hasher = try PasswordHasher(maxConcurrent: 1)
        #expect(hasher.parameters == Argon2Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1))
        #expect(try hasher.hash("password").hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
    }

    /// Runs 4 threads hashing at once and returns when each hash ran, as
    /// `[end − thread CPU time spent in the call, end]`. A thread waiting for a slot sleeps on a
    /// semaphore and spends no CPU, so this interval lies inside the time the hash actually ran
    /// (argon2 with p = 1 computes on the calling thread).
    static func hashingIntervals(maxConcurrent: Int) throws -> [ClosedRange<UInt64>] {
        let hasher = try PasswordHasher(parameters: .owaspMinimum, maxConcurrent: maxConcurrent)
        let intervals = Locked<[ClosedRange<UInt64>]>([])
        let failures = Locked<[String]>([])
        runOnThreads(4) { index in
            let cpuBefore = Clock.threadCPUNanoseconds()
            do {
                let encoded = try hasher.hash("password \(index)")
                let end = Clock.monotonicNanoseconds()
                let cpu = Clock.threadCPUNanoseconds() - cpuBefore
                intervals.withLock { $0.append((end - cpu)...end) }
                if !hasher.verify("password \(index)", against: encoded) {
                    failures.withLock { $0.append("hash \(index) does not verify") }
                }
            } catch {
                failures.withLock { $0.append("\(error)") }
            }
        }
        #expect(failures.current == [])
        return intervals.current.sorted { $0.lowerBound < $1.lowerBound }
    }

    /// Pairs of intervals that share more than half of the shorter one. The slack absorbs a thread
    /// being descheduled between releasing its slot and reading the clock (a few ms on a busy
    /// machine); hashes that truly run together share nearly all of their time.
    static func overlaps(_ intervals: [ClosedRange<UInt64>]) -> Int {
        var count = 0
        for (index, first) in intervals.enumerated() {
            for second in intervals[(index + 1)...] {
                let shared = min(first.upperBound, second.upperBound) - min(max(first.lowerBound, second.lowerBound), min(first.upperBound, second.upperBound))
                let shorter = min(first.upperBound - first.lowerBound, second.upperBound - second.lowerBound)
                if shared > shorter / 2 { count += 1 }
            }
        }
        return count
    }

    @Test func concurrentHashesAreBoundedByMaxConcurrent() throws {
        let intervals = try Self.hashingIntervals(maxConcurrent: 1)
        #expect(intervals.count == 4)
        #expect(Self.overlaps(intervals) == 0, "hashes overlapped: \(intervals)")
    }

    /// The measurement above can see overlap: without the bound, 4 threads on any machine overlap.
    @Test func unboundedHashesOverlap() throws {
        let intervals = try Self.hashingIntervals(maxConcurrent: 4)
        #expect(intervals.count == 4)
        #expect(Self.overlaps(intervals) > 0, "no overlap measured: \(intervals)")
    }
}

/// Clocks for the concurrency measurement.
enum Clock {
    static func monotonicNanoseconds() -> UInt64 { read(CLOCK_MONOTONIC) }
    static func threadCPUNanoseconds() -> UInt64 { read(CLOCK_THREAD_CPUTIME_ID) }

    private static func read(_ clock: clockid_t) -> UInt64 {
        var time = timespec()
        clock_gettime(clock, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
