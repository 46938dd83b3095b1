import Foundation
import GRDB

/// Which migrations a database file has: read without opening it for writing, so `migrate --status`
/// never creates or changes the file it reports on.
public struct MigrationStatus: Sendable, Equatable {
    /// One migration of this build, in order.
    public struct Entry: Sendable, Equatable {
        public let identifier: String
        public let applied: Bool
    }

    /// Every migration this build knows, in order, each marked applied or pending.
    public let entries: [Entry]
    /// Migrations recorded in the file that this build does not know (a newer binary ran there).
    public let unknown: [String]

    public var pending: [String] { entries.filter { !$0.applied }.map(\.identifier) }

    /// The status of the file at `path`; a missing file has every migration pending.
    public static func read(path: String) throws(StorageError) -> MigrationStatus {
        let known = PortalDatabase.migrationIdentifiers
        guard FileManager.default.fileExists(atPath: path) else {
            return MigrationStatus(entries: known.map { Entry(identifier: $0, applied: false) }, unknown: [])
        }
        let recorded = try recordedMigrations(path: path)
        let applied = Set(recorded)
        return MigrationStatus(
            entries: known.map { Entry(identifier: $0, applied: applied.contains($0)) },
            unknown: recorded.filter { !known.contains($0) })
    }

    /// Identifiers in the file's `grdb_migrations` table (none when the table does not exist).
    static func recordedMigrations(path: String) throws(StorageError) -> [String] {
        do {
            let queue = try DatabaseQueue(path: path, configuration: SQLiteFile.readOnlyConfiguration)
            defer { try? queue.close() }
            return try queue.read { db in
                guard try db.tableExists("grdb_migrations") else { return [] }
                return try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
            }
        } catch {
            throw StorageError(error)
        }
    }
}

/// Helpers for SQLite files handled whole (backup, restore, status).
enum SQLiteFile {
    /// Read-only, waiting on the pool's locks rather than failing at once.
    static var readOnlyConfiguration: Configuration {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(10)
        return config
    }
}
