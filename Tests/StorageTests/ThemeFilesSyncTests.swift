import Foundation
import PortalTesting
@testable import Storage
import Testing

/// The default theme's files in each portal follow upgrades where no admin edited them.
@Suite struct ThemeFilesSyncTests {
    @Test func untouchedDefaultsFollowTheNewThemeAndEditedFilesAreKept() throws {
        let temporary = try TemporaryDatabase()
        let portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
        let files = FileRepository(temporary.database)
        let v1 = [("themes/default/layouts/page.mustache", "<main>v1</main>"), ("themes/default/assets/portal.css", "a{}")]
        #expect(try files.syncDefaultFiles(portalID: portal.id, files: v1, now: Instant.t0) == (2, 0))
        // An admin edits the stylesheet.
        let audit = AuditEntry(portalID: portal.id, tokenID: "t", action: "file.put", targetType: "file", targetID: "css",
                               clientAddress: nil, at: Instant.t0 + 60)
        _ = try files.put(PortalFile(portalID: portal.id, path: "themes/default/assets/portal.css", contents: "a{color:red}", createdAt: Instant.t0 + 60), audit: audit)

        let v2 = [("themes/default/layouts/page.mustache", "<main>v2</main>"), ("themes/default/assets/portal.css", "a{b:c}"),
                  ("themes/default/partials/logo.mustache", "<img>")]
        #expect(try files.syncDefaultFiles(portalID: portal.id, files: v2, now: Instant.t0 + 120) == (1, 1))
        #expect(try files.file(path: "themes/default/layouts/page.mustache", portalID: portal.id)?.contents == "<main>v2</main>")
        #expect(try files.file(path: "themes/default/assets/portal.css", portalID: portal.id)?.contents == "a{color:red}")
        #expect(try files.file(path: "themes/default/partials/logo.mustache", portalID: portal.id)?.contents == "<img>")
        // Nothing left to do the second time.
        #expect(try files.syncDefaultFiles(portalID: portal.id, files: v2, now: Instant.t0 + 180) == (0, 0))
    }

    @Test func theMigrationMarksOnlyTheFirstBatchOfUneditedFilesAsSeeded() throws {
        let temporary = try TemporaryDatabase(migrate: false)
        try temporary.database.migrate(upTo: "2026-12-07-developer-activity")
        let portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
        try temporary.database.write { db in
            // Seeded together, then: one edited later, one deleted and uploaded again by an admin.
            for path in ["page.mustache", "edited.css", "reuploaded.css"] {
                try PortalFile(portalID: portal.id, path: path, contents: path, createdAt: Instant.t0).insert(db)
            }
            try db.execute(sql: "UPDATE portal_files SET contents = 'mine', updated_at = ? WHERE path = 'edited.css'", arguments: [(Instant.t0 + 5).stored])
            try db.execute(sql: "DELETE FROM portal_files WHERE path = 'reuploaded.css'")
            try PortalFile(portalID: portal.id, path: "reuploaded.css", contents: "mine too", createdAt: Instant.t0 + 9).insert(db)
        }
        try temporary.database.migrate()
        #expect(try SQLiteShell.query(temporary.path, "SELECT path FROM portal_files WHERE seeded_checksum = checksum ORDER BY path") == ["page.mustache"])
    }
}
