import Foundation
import Storage
import Testing

/// Migrations (Sources/Storage/Database/Migrations.swift): ordered identifiers, applied once.
@Suite struct MigrationsTests {
    /// The first migrations that shipped; later ones are appended after them, never inserted before.
    static let firstIdentifiers = ["2026-11-25-portals", "2026-11-25-developers", "2026-11-25-sessions"]

    /// What GRDB recorded on disk, in the order the migrations ran.
    static func recorded(_ path: String) throws -> [String] {
        try SQLiteShell.query(path, "SELECT identifier FROM grdb_migrations ORDER BY rowid")
    }

    @Test func freshFileHasNoMigrationsUntilMigrated() throws {
        let temporary = try TemporaryDatabase(migrate: false)
        #expect(try temporary.database.appliedMigrations() == [])
        try temporary.database.migrate()
        let applied = try temporary.database.appliedMigrations()
        #expect(Array(applied.prefix(3)) == Self.firstIdentifiers)
        #expect(applied == (try Self.recorded(temporary.path)))
        #expect(Set(applied).count == applied.count)
    }

    @Test func migrateCreatesTheTablesOnDisk() throws {
        let temporary = try TemporaryDatabase()
        let tables = try SQLiteShell.query(
            temporary.path, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        #expect(Set(["developers", "grdb_migrations", "portals", "sessions"]).isSubset(of: tables))
        let journalMode = try SQLiteShell.query(temporary.path, "PRAGMA journal_mode")
        #expect(journalMode == ["wal"])
    }

    @Test func migrateTwiceIsIdempotentAndKeepsData() throws {
        let temporary = try TemporaryDatabase()
        let before = try temporary.database.appliedMigrations()
        let portal = try PortalRepository(temporary.database).makePortal(name: "Kept", domain: "kept.example")
        try temporary.database.migrate()
        #expect(try temporary.database.appliedMigrations() == before)
        #expect(try Self.recorded(temporary.path) == before)
        #expect(try PortalRepository(temporary.database).find(id: portal.id) == portal)
    }

    @Test func anotherInstanceSeesTheMigrationsAndMigratesToNothing() throws {
        let temporary = try TemporaryDatabase()
        let applied = try temporary.database.appliedMigrations()
        let other = try temporary.openAnother()
        #expect(try other.appliedMigrations() == applied)
        try other.migrate()
        #expect(try other.appliedMigrations() == applied)
        #expect(try Self.recorded(temporary.path) == applied)
    }

    @Test func pingAnswersOnAnOpenDatabase() throws {
        let temporary = try TemporaryDatabase()
        #expect(temporary.database.ping())
    }
}
