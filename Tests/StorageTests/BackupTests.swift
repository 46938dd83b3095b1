import Foundation
import Storage
import Testing

/// Online backup and restore (Sources/Storage/Database/Backup.swift).
@Suite struct BackupTests {
    static func portals(_ path: String) throws -> [String] {
        try SQLiteShell.query(path, "SELECT default_domain FROM portals ORDER BY default_domain")
    }

    @Test func backupCopiesEveryRowReportsProgressAndLeavesNoPartialFile() throws {
        let temporary = try TemporaryDatabase()
        let repository = PortalRepository(temporary.database)
        for index in 0..<200 { _ = try repository.makePortal(name: String(repeating: "x", count: 500), domain: "p\(index).example") }
        let target = temporary.directory.appendingPathComponent("copy.sqlite").path
        var steps: [DatabaseBackup.Progress] = []
        let summary = try DatabaseBackup.backup(source: temporary.path, destination: target, pagesPerStep: 5) { steps.append($0) }

        #expect(steps.count > 2)
        #expect(steps.last?.isCompleted == true)
        #expect(steps.last.map { $0.copiedPages == $0.totalPages } == true)
        #expect(summary.bytes > 0)
        #expect(summary.migrations == PortalDatabase.migrationIdentifiers)
        #expect(try Self.portals(target) == (try Self.portals(temporary.path)))
        #expect(try DatabaseBackup.integrityProblems(path: target).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: target + ".partial"))
        #expect(try SQLiteShell.query(target, "PRAGMA journal_mode") == ["delete"])
    }

    @Test func backupRefusesAnExistingFileUnlessOverwriting() throws {
        let temporary = try TemporaryDatabase()
        let target = temporary.directory.appendingPathComponent("copy.sqlite").path
        _ = FileManager.default.createFile(atPath: target, contents: Data("keep".utf8))
        #expect(throws: StorageError.self) { try DatabaseBackup.backup(source: temporary.path, destination: target) }
        #expect(FileManager.default.contents(atPath: target) == Data("keep".utf8))
        _ = try DatabaseBackup.backup(source: temporary.path, destination: target, overwrite: true)
        #expect(try DatabaseBackup.integrityProblems(path: target).isEmpty)
    }

    @Test func restoreReplacesTheDatabaseAndKeepsTheOldOne() throws {
        let temporary = try TemporaryDatabase()
        _ = try PortalRepository(temporary.database).makePortal(name: "Before", domain: "before.example")
        let backup = temporary.directory.appendingPathComponent("backup.sqlite").path
        _ = try DatabaseBackup.backup(source: temporary.path, destination: backup)
        _ = try PortalRepository(temporary.database).makePortal(name: "After", domain: "after.example")

        let target = temporary.directory.appendingPathComponent("restored.sqlite").path
        _ = try DatabaseBackup.backup(source: temporary.path, destination: target)  // a database with both portals
        try DatabaseBackup.restore(backup: backup, database: target)
        #expect(try Self.portals(target) == ["before.example"])
        #expect(try Self.portals(target + ".before-restore") == ["after.example", "before.example"])
        #expect(!FileManager.default.fileExists(atPath: target + "-shm"))
        #expect(!FileManager.default.fileExists(atPath: target + ".restore-partial"))
    }

    @Test func restoreRefusesACorruptFileAndChangesNothing() throws {
        let temporary = try TemporaryDatabase()
        let target = temporary.directory.appendingPathComponent("target.sqlite").path
        _ = try DatabaseBackup.backup(source: temporary.path, destination: target)
        let before = FileManager.default.contents(atPath: target)
        let garbage = temporary.directory.appendingPathComponent("garbage.sqlite").path
        _ = FileManager.default.createFile(atPath: garbage, contents: Data(repeating: 0x41, count: 8192))
        #expect(throws: StorageError.self) { try DatabaseBackup.restore(backup: garbage, database: target) }
        #expect(FileManager.default.contents(atPath: target) == before)
        #expect(!FileManager.default.fileExists(atPath: target + ".before-restore"))
    }

    @Test func restoreRefusesADatabaseThatIsNotThePortals() throws {
        let temporary = try TemporaryDatabase()
        let other = temporary.directory.appendingPathComponent("other.sqlite").path
        _ = try SQLiteShell.query(other, "CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        let target = temporary.directory.appendingPathComponent("target.sqlite").path
        #expect(throws: StorageError.self) { try DatabaseBackup.restore(backup: other, database: target) }
        #expect(!FileManager.default.fileExists(atPath: target))
    }
}
