import Foundation
import Storage
import Testing

/// Upgrading an old database: data written under the first schemas survives every later migration,
/// and `MigrationStatus` reports the file as it is (what `portal-fcgi migrate --status` prints).
@Suite struct MigrationUpgradeTests {
    static let first = "2026-11-25-portals"
    static let withDevelopers = "2026-11-25-developers"
    static let portalID = "00000000-0000-4000-8000-000000000001"

    /// A database with only the first migration applied, holding one portal in that schema's columns.
    static func firstSchemaDatabase() throws -> TemporaryDatabase {
        let temporary = try TemporaryDatabase(migrate: false)
        try temporary.database.migrate(upTo: first)
        _ = try SQLiteShell.query(temporary.path, """
            INSERT INTO portals (id, name, default_domain, custom_domain, is_default, auto_approve_developers, created_at, updated_at)
            VALUES ('\(portalID)', 'Old Portal', 'old.example', NULL, 1, 0, '2026-11-25 10:00:00.000', '2026-11-25 10:00:00.000');
            """)
        return temporary
    }

    @Test func statusOfAFirstSchemaDatabaseListsTheFirstAppliedAndTheRestPending() throws {
        let temporary = try Self.firstSchemaDatabase()
        let status = try MigrationStatus.read(path: temporary.path)
        #expect(status.entries.map(\.identifier) == PortalDatabase.migrationIdentifiers)
        #expect(status.entries.filter(\.applied).map(\.identifier) == [Self.first])
        #expect(status.pending == Array(PortalDatabase.migrationIdentifiers.dropFirst()))
        #expect(status.unknown.isEmpty)
    }

    @Test func statusOfAMissingFileIsAllPendingAndCreatesNothing() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")
        let path = directory.appendingPathComponent("none.sqlite").path
        let status = try MigrationStatus.read(path: path)
        #expect(status.pending == PortalDatabase.migrationIdentifiers)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func migrateUpToAnUnknownIdentifierIsRefused() throws {
        let temporary = try TemporaryDatabase(migrate: false)
        #expect(throws: StorageError.self) { try temporary.database.migrate(upTo: "1999-01-01-nothing") }
        #expect(try temporary.database.appliedMigrations() == [])
    }

    @Test func portalAndDevelopersFromTheFirstSchemasSurviveTheUpgradeToTheLatest() throws {
        let temporary = try Self.firstSchemaDatabase()
        // The developers table came with the second migration: fill it in that schema's columns.
        try temporary.database.migrate(upTo: Self.withDevelopers)
        #expect(try temporary.database.appliedMigrations() == [Self.first, Self.withDevelopers])
        for index in 1...3 {
            _ = try SQLiteShell.query(temporary.path, """
                INSERT INTO developers (id, portal_id, email, password_hash, meta, status, consumer_id, created_at, updated_at)
                VALUES ('dev-\(index)', '\(Self.portalID)', 'dev\(index)@example.com', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA',
                        '{"full_name":"Dev \(index)"}', '\(index == 3 ? "pending" : "approved")', 'consumer-\(index)',
                        '2026-11-25 10:00:0\(index).000', '2026-11-25 10:00:0\(index).000');
                """)
        }

        try temporary.database.migrate()
        #expect(try temporary.database.appliedMigrations() == PortalDatabase.migrationIdentifiers)
        #expect(try MigrationStatus.read(path: temporary.path).pending.isEmpty)

        let portal = try #require(try PortalRepository(temporary.database).find(id: Self.portalID))
        #expect(portal.name == "Old Portal")
        #expect(portal.defaultDomain == "old.example")
        #expect(portal.isDefault)
        let developers = DeveloperRepository(temporary.database)
        for index in 1...3 {
            let developer = try #require(try developers.find(portalID: Self.portalID, email: "dev\(index)@example.com"))
            #expect(developer.id == "dev-\(index)")
            #expect(developer.status == (index == 3 ? .pending : .approved))
            #expect(developer.meta == "{\"full_name\":\"Dev \(index)\"}")
        }
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM developers") == ["3"])
        // The per-portal counter starts from the rows already there, and then follows every change.
        let management = ManagementRepository(temporary.database)
        #expect(try management.developers(portalID: Self.portalID, ListCriteria()).total == 3)
        try developers.create(Developer(portalID: Self.portalID, email: "new@example.com", passwordHash: "x", meta: "{}",
                                        status: .approved, createdAt: Instant.t0))
        _ = try SQLiteShell.query(temporary.path, "DELETE FROM developers WHERE id IN ('dev-1', 'dev-2')")
        #expect(try management.developers(portalID: Self.portalID, ListCriteria()).total == 2)
        let pending = ListCriteria(filters: [.init(field: "status", op: .eq, value: "pending")])
        #expect(try management.developers(portalID: Self.portalID, pending).total == 1)
        let other = try PortalRepository(temporary.database).makePortal(name: "Other", domain: "other.example")
        #expect(try management.developers(portalID: other.id, ListCriteria()).total == 0)
        #expect(try SQLiteShell.query(temporary.path, "PRAGMA integrity_check") == ["ok"])
        #expect(try SQLiteShell.query(temporary.path, "PRAGMA foreign_key_check").isEmpty)
    }
}
