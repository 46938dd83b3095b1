import Foundation
import GRDB

/// How the database is opened: one file shared by every worker process.
public struct DatabaseSettings: Sendable {
    /// Path of the SQLite file.
    public var path: String
    /// How long a writer waits for another process's write lock before giving up.
    public var busyTimeout: TimeInterval
    /// Maximum number of concurrent readers per process (GRDB's pool size).
    public var maximumReaderCount: Int

    public init(path: String, busyTimeout: TimeInterval = 5, maximumReaderCount: Int = 4) {
        self.path = path
        self.busyTimeout = busyTimeout
        self.maximumReaderCount = maximumReaderCount
    }
}

/// The portal's SQLite database: a GRDB `DatabasePool` in WAL mode, shared by several processes.
///
/// Writes run in IMMEDIATE transactions (GRDB's default for a writable pool), so a transaction that
/// reads then writes waits on `busy_timeout` instead of failing with SQLITE_BUSY.
/// `synchronous = FULL`: every write this application makes is an account, a session, a credential or
/// a token, which must survive a power cut once a 2xx was sent; the write rate is bounded by argon2
/// hashing long before fsync matters (docs/decisions.md).
public final class PortalDatabase: Sendable {
    /// The underlying GRDB pool; only Storage uses it.
    let pool: DatabasePool
    /// The request path's single-statement reads, on raw connections (see `DirectReads`).
    let direct: DirectReads

    /// Opens (creating if needed) the database file. Does not migrate: see `migrate()`.
    public init(_ settings: DatabaseSettings) throws(StorageError) {
        var config = Configuration()
        config.busyMode = .timeout(settings.busyTimeout)
        config.foreignKeysEnabled = true
        config.maximumReaderCount = settings.maximumReaderCount
        config.journalMode = .wal
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            pool = try DatabasePool(path: settings.path, configuration: config)
            direct = DirectReads(path: settings.path, busyTimeout: settings.busyTimeout)
        } catch {
            throw StorageError(error)
        }
    }

    /// Applies every pending migration. Run once by the supervisor before workers start.
    public func migrate() throws(StorageError) {
        do {
            try Migrations.migrator.migrate(pool)
        } catch {
            throw StorageError(error)
        }
    }

    /// Applies the migrations up to and including `identifier`, no further. For tests that build an
    /// old schema and upgrade it; production always runs `migrate()`.
    public func migrate(upTo identifier: String) throws(StorageError) {
        guard Self.migrationIdentifiers.contains(identifier) else {
            throw StorageError(kind: .other, message: "no migration \(identifier)")
        }
        do {
            try Migrations.migrator.migrate(pool, upTo: identifier)
        } catch {
            throw StorageError(error)
        }
    }

    /// Every migration this build knows, in the order they run.
    public static var migrationIdentifiers: [String] { Migrations.migrator.migrations }

    /// Identifiers of the migrations already applied, in order.
    public func appliedMigrations() throws(StorageError) -> [String] {
        try read { db in try Migrations.migrator.completedMigrations(db) }
    }

    /// Checks the database answers a query on its schema (for the health endpoint): false when the
    /// file is unreadable or not migrated.
    public func ping() -> Bool {
        let count = try? direct.first(.portalCount) { row in row.int64(0) }
        return count != nil
    }

    /// Runs `body` in a read-only snapshot.
    func read<T>(_ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            return try pool.read(body)
        } catch {
            throw StorageError(error)
        }
    }

    /// Runs `body` on a reader without a transaction: for one statement, which needs no snapshot. The hot
    /// path uses it with cached statements to skip BEGIN/COMMIT and re-preparing.
    func readStatement<T>(_ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            return try pool.unsafeRead(body)
        } catch {
            throw StorageError(error)
        }
    }

    /// Runs `body` in an IMMEDIATE write transaction, committed when `body` returns.
    func write<T>(_ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            return try pool.write(body)
        } catch {
            throw StorageError(error)
        }
    }
}
