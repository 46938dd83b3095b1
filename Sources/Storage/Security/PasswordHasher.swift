import CArgon2
import Foundation

/// argon2id cost parameters. The default is OWASP's minimum (m = 19 MiB, t = 2, p = 1; ~21 ms here).
public struct Argon2Parameters: Sendable, Equatable, Codable {
    public var memoryKiB: UInt32
    public var iterations: UInt32
    public var parallelism: UInt32

    public static let owaspMinimum = Argon2Parameters(memoryKiB: 19_456, iterations: 2, parallelism: 1)

    /// OWASP's equivalent minimum configurations (Password Storage Cheat Sheet): memory in KiB and
    /// iterations, each with parallelism 1. Less memory needs more passes.
    public static let owaspFloor: [(memoryKiB: UInt32, iterations: UInt32)] = [
        (47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5),
    ]

    /// Whether these parameters are at least as costly as one of OWASP's minimum configurations.
    /// Weaker ones must not be configured: rehash-on-login would weaken every stored hash.
    public var meetsOWASPMinimum: Bool {
        parallelism >= 1 && Self.owaspFloor.contains { memoryKiB >= $0.memoryKiB && iterations >= $0.iterations }
    }

    public init(memoryKiB: UInt32, iterations: UInt32, parallelism: UInt32) {
        self.memoryKiB = memoryKiB
        self.iterations = iterations
        self.parallelism = parallelism
    }

    enum CodingKeys: String, CodingKey {
        case memoryKiB = "memory_kib", iterations, parallelism
    }
}

/// Why a password could not be hashed.
public struct PasswordHashingError: Error, CustomStringConvertible {
    public let code: Int32
    public var description: String {
        "argon2 failed: " + (argon2_error_message(code).map { String(cString: $0) } ?? "code \(code)")
    }
}

/// Hashes and verifies passwords with argon2id (libargon2), producing encoded hash strings
/// (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) that carry their own parameters.
///
/// Each hash takes `memoryKiB` of memory and tens of milliseconds of CPU, so concurrent hashes are
/// bounded (about one per core): per process by a semaphore, and across the whole pool by
/// `HashingSlots` when given. A burst of logins queues here instead of exhausting memory.
/// Never call it inside a database transaction.
public final class PasswordHasher: Sendable {
    public let parameters: Argon2Parameters
    private let slots: DispatchSemaphore
    /// The pool-wide limit, shared with the other worker processes.
    private let poolSlots: HashingSlots?
    /// A hash of a random password, verified against when an account does not exist, so that
    /// "no such account" takes as long as "wrong password".
    private let decoyHash: String

    static let saltLength = 16
    static let hashLength = 32

    public init(
        parameters: Argon2Parameters = .owaspMinimum, maxConcurrent: Int = ProcessInfo.processInfo.activeProcessorCount,
        poolSlots: HashingSlots? = nil
    ) throws {
        self.parameters = parameters
        self.slots = DispatchSemaphore(value: max(1, maxConcurrent))
        self.poolSlots = poolSlots
        self.decoyHash = try Self.encode(SecretToken.generate(), parameters: parameters)
    }

    /// The encoded argon2id hash of `password` with a fresh random salt.
    public func hash(_ password: String) throws(PasswordHashingError) -> String {
        try withSlot { () throws(PasswordHashingError) in try Self.encode(password, parameters: parameters) }
    }

    private static func encode(_ password: String, parameters: Argon2Parameters) throws(PasswordHashingError) -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = (0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let passwordBytes = Array(password.utf8)
        let encodedLength = argon2_encodedlen(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            UInt32(Self.saltLength), UInt32(Self.hashLength), Argon2_id)
        var encoded = [CChar](repeating: 0, count: encodedLength)
        let code = argon2id_hash_encoded(
            parameters.iterations, parameters.memoryKiB, parameters.parallelism,
            passwordBytes, passwordBytes.count, salt, salt.count, Self.hashLength,
            &encoded, encodedLength)
        guard code == ARGON2_OK.rawValue else { throw PasswordHashingError(code: code) }
        return String(nulTerminated: encoded)
    }

    /// Whether `password` matches `encoded`. A malformed hash verifies as false.
    public func verify(_ password: String, against encoded: String) -> Bool {
        let passwordBytes = Array(password.utf8)
        return withSlot { argon2id_verify(encoded, passwordBytes, passwordBytes.count) == ARGON2_OK.rawValue }
    }

    private func withSlot<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        slots.wait()
        defer { slots.signal() }
        guard let poolSlots else { return try body() }
        let result: Result<T, E> = poolSlots.withSlot {
            do throws(E) { return .success(try body()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Spends the time of one verification without an account to verify against.
    public func verifyDecoy(_ password: String) {
        _ = verify(password, against: decoyHash)
    }

    /// Whether a stored hash was made with other parameters than the current ones (rehash at next login).
    public func needsRehash(_ encoded: String) -> Bool {
        guard let stored = Self.parameters(of: encoded) else { return true }
        return stored != parameters
    }

    /// The parameters recorded in an encoded argon2id hash, or nil if it is not one.
    static func parameters(of encoded: String) -> Argon2Parameters? {
        let parts = encoded.split(separator: "$", omittingEmptySubsequences: true)
        guard parts.count == 5, parts[0] == "argon2id", parts[1] == "v=19" else { return nil }
        var values: [Substring: UInt32] = [:]
        for pair in parts[2].split(separator: ",") {
            let keyValue = pair.split(separator: "=", maxSplits: 1)
            guard keyValue.count == 2, let value = UInt32(keyValue[1]) else { return nil }
            values[keyValue[0]] = value
        }
        guard let m = values["m"], let t = values["t"], let p = values["p"] else { return nil }
        return Argon2Parameters(memoryKiB: m, iterations: t, parallelism: p)
    }
}
