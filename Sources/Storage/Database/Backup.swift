import Foundation
import GRDB

/// Copies of the database file while the pool serves traffic, and putting one back.
///
/// The copy uses SQLite's online backup API (https://www.sqlite.org/backup.html) from inside one read
/// transaction: in WAL mode that pins a snapshot, so the copy is the database as of the moment the backup
/// began, writers keep writing meanwhile, and the copy never restarts however busy the pool is.
public enum DatabaseBackup {
    /// Pages copied so far, reported after every step.
    public struct Progress: Sendable, Equatable {
        public let copiedPages: Int
        public let totalPages: Int
        public let isCompleted: Bool
    }

    /// What a finished backup wrote.
    public struct Summary: Sendable, Equatable {
        public let pages: Int
        public let bytes: Int
        public let migrations: [String]
    }

    /// Copies the database at `source` to `destination` through `destination.partial`, checked
    /// with `PRAGMA integrity_check`, then renamed into place (a reader never sees half a file).
    /// Refuses an existing `destination` unless `overwrite`.
    public static func backup(
        source: String, destination: String, overwrite: Bool = false, pagesPerStep: Int32 = 1000,
        progress: @escaping (Progress) -> Void = { _ in }
    ) throws(StorageError) -> Summary {
        guard FileManager.default.fileExists(atPath: source) else {
            throw refusal("no database at \(source) (check database_path in the configuration)")
        }
        if !overwrite, FileManager.default.fileExists(atPath: destination) {
            throw refusal("\(destination) exists; choose another name or pass --force to replace it")
        }
        let partial = destination + ".partial"
        removeDatabaseFiles(partial)
        do {
            var sourceConfig = Configuration()
            sourceConfig.busyMode = .timeout(10)
            let from = try DatabaseQueue(path: source, configuration: sourceConfig)
            defer { try? from.close() }
            let to = try DatabaseQueue(path: partial)
            try from.backup(to: to, pagesPerStep: pagesPerStep) { step in
                progress(Progress(copiedPages: step.completedPageCount, totalPages: step.totalPageCount, isCompleted: step.isCompleted))
            }
            // A standalone file: rollback journal, so it can be read or copied without -wal/-shm beside it.
            try to.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try to.close()
        } catch {
            removeDatabaseFiles(partial)
            throw StorageError(error)
        }
        let problems = try integrityProblems(path: partial)
        guard problems.isEmpty else {
            removeDatabaseFiles(partial)
            throw refusal("the copy failed its integrity check: \(problems.prefix(5).joined(separator: "; "))")
        }
        try syncFile(partial)
        guard rename(partial, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            removeDatabaseFiles(partial)
            throw refusal("cannot rename \(partial) to \(destination): \(reason)")
        }
        syncDirectory(of: destination)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: destination)[.size] as? Int) ?? 0
        let migrations = try MigrationStatus.recordedMigrations(path: destination)
        return Summary(pages: bytes / max(1, try pageSize(path: destination)), bytes: bytes, migrations: migrations)
    }

    /// The lines `PRAGMA integrity_check` printed other than `ok`: empty for a sound file.
    public static func integrityProblems(path: String) throws(StorageError) -> [String] {
        do {
            let queue = try DatabaseQueue(path: path, configuration: SQLiteFile.readOnlyConfiguration)
            defer { try? queue.close() }
            let lines = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
            return lines == ["ok"] ? [] : lines
        } catch {
            throw StorageError(error)
        }
    }

    /// Replaces the database at `database` with the backup at `backup`, which must pass
    /// `PRAGMA integrity_check` and hold only migrations this build knows. The old database (and its
    /// WAL) is kept as `<database>.before-restore`; a stale `-shm` is removed. The pool must be stopped.
    public static func restore(backup: String, database: String) throws(StorageError) {
        guard FileManager.default.fileExists(atPath: backup) else { throw refusal("no backup file at \(backup)") }
        let problems: [String]
        do {
            problems = try integrityProblems(path: backup)
        } catch {
            throw refusal("\(backup) is not a readable SQLite database (\(error.message))")
        }
        guard problems.isEmpty else {
            throw refusal("\(backup) failed its integrity check, nothing was changed: \(problems.prefix(5).joined(separator: "; "))")
        }
        let recorded = try MigrationStatus.recordedMigrations(path: backup)
        guard !recorded.isEmpty else { throw refusal("\(backup) is not a portal database (it has no migrations table)") }
        let unknown = recorded.filter { !PortalDatabase.migrationIdentifiers.contains($0) }
        guard unknown.isEmpty else {
            throw refusal("\(backup) was written by a newer portal-fcgi (unknown migrations: \(unknown.joined(separator: ", "))); restore it with that version")
        }

        // Copy next to the database first, so the final step is a rename on one file system.
        let incoming = database + ".restore-partial"
        removeDatabaseFiles(incoming)
        do {
            try FileManager.default.copyItem(atPath: backup, toPath: incoming)
        } catch {
            throw refusal("cannot copy \(backup) to \(incoming): \(error.localizedDescription)")
        }
        try syncFile(incoming)
        let kept = database + ".before-restore"
        if FileManager.default.fileExists(atPath: database) {
            removeDatabaseFiles(kept)
            // The WAL holds committed writes of the old database: it moves along under the name SQLite expects.
            for suffix in ["", "-wal"] where FileManager.default.fileExists(atPath: database + suffix) {
                guard rename(database + suffix, kept + suffix) == 0 else {
                    let reason = String(cString: strerror(errno))
                    removeDatabaseFiles(incoming)
                    throw refusal("cannot move \(database + suffix) aside to \(kept + suffix): \(reason)")
                }
            }
        }
        unlink(database + "-shm")
        unlink(database + "-wal")
        guard rename(incoming, database) == 0 else {
            throw refusal("cannot rename \(incoming) to \(database): \(String(cString: strerror(errno))); the old database is at \(kept)")
        }
        syncDirectory(of: database)
    }

    /// Removes a database file and its -wal, -shm and -journal companions.
    static func removeDatabaseFiles(_ path: String) {
        for suffix in ["", "-wal", "-shm", "-journal"] { unlink(path + suffix) }
    }

    private static func pageSize(path: String) throws(StorageError) -> Int {
        do {
            let queue = try DatabaseQueue(path: path, configuration: SQLiteFile.readOnlyConfiguration)
            defer { try? queue.close() }
            return try queue.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } ?? 4096
        } catch {
            throw StorageError(error)
        }
    }

    /// fsync of the file, so a rename after it never exposes a file whose data is not on disk.
    private static func syncFile(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw refusal("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw refusal("cannot fsync \(path): \(String(cString: strerror(errno)))") }
    }

    /// fsync of the directory holding `path`: makes a rename in it durable.
    private static func syncDirectory(of path: String) {
        let directory = (path as NSString).deletingLastPathComponent
        let fd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    private static func refusal(_ text: String) -> StorageError {
        StorageError(kind: .other, message: text)
    }
}
