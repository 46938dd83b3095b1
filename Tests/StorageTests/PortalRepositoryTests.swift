import Foundation
import PortalTesting
import Storage
import Testing

/// `PortalRepository`: the default portal and the portal serving a Host (DESIGN.md, "Identity and authorization").
@Suite struct PortalRepositoryTests {
    @Test func ensureDefaultCreatesOnceAndReturnsTheSamePortalAfter() throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        let first = try portals.ensureDefault(name: "First", domain: "first.example", now: Instant.t0)
        #expect(first.name == "First")
        #expect(first.defaultDomain == "first.example")
        #expect(first.isDefault)
        #expect(first.autoApproveDevelopers)
        #expect(first.createdAt == Instant.t0)

        let second = try portals.ensureDefault(name: "Second", domain: "second.example", now: Instant.t0 + 60)
        #expect(second == first)
        #expect(try portals.find(id: first.id) == first)
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM portals") == ["1"])
    }

    @Test func ensureDefaultFromAnotherProcessSeesTheExistingPortal() throws {
        let temporary = try TemporaryDatabase()
        let first = try PortalRepository(temporary.database).ensureDefault(name: "One", domain: "one.example", now: Instant.t0)
        let again = try PortalRepository(try temporary.openAnother()).ensureDefault(name: "Two", domain: "two.example")
        #expect(again == first)
    }

    @Test func ensureDefaultRacingFromTwoProcessesCreatesOnePortal() throws {
        let temporary = try TemporaryDatabase()
        let workers = [temporary.database, try temporary.openAnother()]
        let results = Locked<[Result<Portal, StorageError>]>([])
        runOnThreads(8) { index in
            let repository = PortalRepository(workers[index % 2])
            let result = Result { () throws(StorageError) -> Portal in
                try repository.ensureDefault(name: "Racer \(index)", domain: "racer\(index).example", now: Instant.t0)
            }
            results.withLock { $0.append(result) }
        }
        let portals = try results.current.map { try $0.get() }
        #expect(portals.count == 8)
        #expect(Set(portals.map(\.id)).count == 1)
        #expect(try SQLiteShell.query(temporary.path, "SELECT count(*) FROM portals") == ["1"])
    }

    @Test func findUnknownIDIsNil() throws {
        let temporary = try TemporaryDatabase()
        #expect(try PortalRepository(temporary.database).find(id: "no-such-portal") == nil)
    }

    @Test func updateSavesColumns() throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        var portal = try portals.makePortal(name: "Before", domain: "before.example")
        portal.name = "After"
        portal.autoApproveDevelopers = false
        portal.customDomain = "docs.after.example"
        try portals.update(portal)
        #expect(try portals.find(id: portal.id) == portal)
    }

    @Test func resolvePrefersCustomDomainOverAnotherPortalsDefaultDomain() throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        try portals.ensureDefault(name: "Default", domain: "default.example", now: Instant.t0)
        // Inserted first, so a query without the preference would likely return it.
        let byDefaultDomain = try portals.makePortal(name: "Plain", domain: "docs.shared.example")
        let byCustomDomain = try portals.makePortal(name: "Custom", domain: "custom.example", customDomain: "docs.shared.example")
        #expect(try portals.resolve(host: "docs.shared.example", serverNames: []) == byCustomDomain)
        #expect(try portals.resolve(host: "custom.example", serverNames: []) == byCustomDomain)
        #expect(byDefaultDomain.id != byCustomDomain.id)
    }

    @Test func resolveByDefaultDomain() throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        try portals.ensureDefault(name: "Default", domain: "default.example", now: Instant.t0)
        let acme = try portals.makePortal(name: "Acme", domain: "acme.example")
        #expect(try portals.resolve(host: "acme.example", serverNames: []) == acme)
    }

    @Test(arguments: ["acme.example:8443", "ACME.Example", "Acme.example:80", "docs.acme.example:443", "DOCS.ACME.EXAMPLE"])
    func resolveIgnoresPortAndCase(host: String) throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        try portals.ensureDefault(name: "Default", domain: "default.example", now: Instant.t0)
        let acme = try portals.makePortal(name: "Acme", domain: "acme.example", customDomain: "docs.acme.example")
        #expect(try portals.resolve(host: host, serverNames: []) == acme)
    }

    @Test func resolveBracketedIPv6HostWithPort() throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        try portals.ensureDefault(name: "Default", domain: "default.example", now: Instant.t0)
        let local = try portals.makePortal(name: "Local", domain: "[::1]")
        #expect(try portals.resolve(host: "[::1]:8443", serverNames: []) == local)
    }

    @Test(arguments: [Optional("unknown.example"), "unknown.example:8443", "", nil, "acme.example.evil.test"])
    func resolveRefusesHostsThatAreNeitherAPortalsDomainNorAServerName(host: String?) throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        try portals.ensureDefault(name: "Default", domain: "default.example", now: Instant.t0)
        try portals.makePortal(name: "Acme", domain: "acme.example")
        #expect(try portals.resolve(host: host, serverNames: ["localhost", "portal.internal"]) == nil)
    }

    @Test(arguments: ["localhost", "LOCALHOST:8443", "portal.internal"])
    func resolveMapsTheServerNamesToTheDefaultPortal(host: String) throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        let fallback = try portals.ensureDefault(name: "Default", domain: "default.example", now: Instant.t0)
        try portals.makePortal(name: "Acme", domain: "acme.example")
        #expect(try portals.resolve(host: host, serverNames: ["localhost", "portal.internal"]) == fallback)
    }

    @Test func resolveWithoutDefaultPortalIsNil() throws {
        let temporary = try TemporaryDatabase()
        let portals = PortalRepository(temporary.database)
        try portals.makePortal(name: "Acme", domain: "acme.example")
        #expect(try portals.resolve(host: "localhost", serverNames: ["localhost"]) == nil)
    }
}
