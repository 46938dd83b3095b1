import Foundation
import Storage

/// A migrated database in a fresh temporary directory, removed when the value goes away.
final class TemporaryDatabase: @unchecked Sendable {
    let directory: URL
    let path: String
    let database: PortalDatabase

    init(migrate: Bool = true) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("storage-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("portal.sqlite").path
        database = try PortalDatabase(DatabaseSettings(path: path))
        if migrate { try database.migrate() }
    }

    /// Another `PortalDatabase` (another GRDB pool) on the same file, as a second worker process has.
    func openAnother() throws -> PortalDatabase {
        try PortalDatabase(DatabaseSettings(path: path))
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs SQL with the `sqlite3` command-line shell, outside GRDB and this process's connections,
/// so tests see exactly what is on disk.
enum SQLiteShell {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The shell's output lines for `sql` (list mode, `|` between columns).
    static func query(_ path: String, _ sql: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-cmd", ".timeout 5000", path, sql]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "sqlite3 failed: " + String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

/// Fixed instants with whole seconds, so records read back compare equal (GRDB stores milliseconds).
enum Instant {
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)
}


/// Runs `body(index)` on `count` new threads that start together, and waits for all of them.
/// (Not `concurrentPerform`: it would use only as many threads as cores.)
func runOnThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    let start = DispatchSemaphore(value: 0)
    let done = DispatchGroup()
    for index in 0..<count {
        done.enter()
        let thread = Thread {
            start.wait()
            body(index)
            done.leave()
        }
        thread.start()
    }
    for _ in 0..<count { start.signal() }
    done.wait()
}

extension PortalRepository {
    /// Inserts a portal with a whole-second creation date, for tests.
    @discardableResult
    func makePortal(name: String, domain: String, customDomain: String? = nil) throws -> Portal {
        let portal = Portal(name: name, defaultDomain: domain, customDomain: customDomain, createdAt: Instant.t0)
        try create(portal)
        return portal
    }
}

/// A developer with a placeholder password hash (these tests do not hash).
func makeDeveloper(
    portalID: String, email: String, status: Developer.Status = .approved,
    passwordHash: String = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA"
) -> Developer {
    Developer(
        portalID: portalID, email: email, passwordHash: passwordHash, meta: #"{"full_name":"Test"}"#,
        status: status, createdAt: Instant.t0)
}
