import Foundation
import Storage
import Testing

/// `DeveloperRepository`: accounts scoped by portal, email unique per portal, case-insensitive.
@Suite struct DeveloperRepositoryTests {
    let temporary: TemporaryDatabase
    let portal: Portal
    let otherPortal: Portal
    let developers: DeveloperRepository

    init() throws {
        temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        portal = try portals.makePortal(name: "Acme", domain: "acme.example")
        otherPortal = try portals.makePortal(name: "Other", domain: "other.example")
        developers = DeveloperRepository(temporary.database)
    }

    @Test func createThenFindByEmailIgnoringCase() throws {
        let developer = makeDeveloper(portalID: portal.id, email: "Ada.Lovelace@Example.com")
        try developers.create(developer)
        #expect(try developers.find(portalID: portal.id, email: "Ada.Lovelace@Example.com") == developer)
        #expect(try developers.find(portalID: portal.id, email: "ada.lovelace@example.com") == developer)
        #expect(try developers.find(portalID: portal.id, email: "ADA.LOVELACE@EXAMPLE.COM") == developer)
        #expect(try developers.find(portalID: portal.id, email: "ada@example.com") == nil)
    }

    @Test func findByIDIsScopedToThePortal() throws {
        let developer = makeDeveloper(portalID: portal.id, email: "ada@example.com")
        try developers.create(developer)
        #expect(try developers.find(portalID: portal.id, id: developer.id) == developer)
        #expect(try developers.find(portalID: otherPortal.id, id: developer.id) == nil)
        #expect(try developers.find(portalID: otherPortal.id, email: "ada@example.com") == nil)
    }

    @Test func sameEmailInAnotherPortalIsAnotherAccount() throws {
        let here = makeDeveloper(portalID: portal.id, email: "ada@example.com")
        let there = makeDeveloper(portalID: otherPortal.id, email: "ADA@example.com")
        try developers.create(here)
        try developers.create(there)
        let foundHere = try #require(try developers.find(portalID: portal.id, email: "ada@example.com"))
        let foundThere = try #require(try developers.find(portalID: otherPortal.id, email: "ada@example.com"))
        #expect(foundHere == here)
        #expect(foundThere == there)
        #expect(foundHere.id != foundThere.id)
    }

    @Test(arguments: ["ada@example.com", "ADA@EXAMPLE.COM"])
    func duplicateEmailInPortalIsAUniqueViolationWithoutBoundValues(duplicateEmail: String) throws {
        try developers.create(makeDeveloper(portalID: portal.id, email: "ada@example.com"))
        let secretHash = "$argon2id$v=19$m=1024,t=1,p=1$U0VDUkVUU0FMVFNFQ1JFVA$U0VDUkVUSEFTSFNFQ1JFVEhBU0hTRUNSRVRIQVNI"
        let duplicate = makeDeveloper(portalID: portal.id, email: duplicateEmail, passwordHash: secretHash)

        let error = try #require(throws: StorageError.self) { try developers.create(duplicate) }
        #expect(error.kind == .uniqueViolation)
        #expect(error.resultCode == 2067)  // SQLITE_CONSTRAINT_UNIQUE
        #expect(error.description.contains("UNIQUE constraint failed"))
        // Bound values (password hash, email, ids) never reach the error text (STYLE.md, GRDB section).
        for value in [secretHash, "U0VDUkVU", duplicateEmail, duplicate.id, duplicate.consumerID] {
            #expect(!error.description.contains(value), "description leaks \(value): \(error.description)")
            #expect(!error.message.contains(value))
        }
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM developers") == ["1"])
    }

    @Test func developerOfUnknownPortalIsAForeignKeyViolation() throws {
        let orphan = makeDeveloper(portalID: "no-such-portal", email: "ada@example.com")
        let error = try #require(throws: StorageError.self) { try developers.create(orphan) }
        #expect(error.kind == .foreignKeyViolation)
        #expect(!error.description.contains("no-such-portal"))
    }

    @Test func updatePasswordHashReplacesHashAndUpdatedAt() throws {
        let developer = makeDeveloper(portalID: portal.id, email: "ada@example.com")
        try developers.create(developer)
        try developers.updatePasswordHash(developerID: developer.id, hash: "$argon2id$new", now: Instant.t0 + 120)
        let updated = try #require(try developers.find(portalID: portal.id, id: developer.id))
        #expect(updated.passwordHash == "$argon2id$new")
        #expect(updated.updatedAt == Instant.t0 + 120)
        #expect(updated.createdAt == Instant.t0)
    }
}
