import Foundation
import PortalTesting
import Storage
import Testing

/// `ApplicationRepository` and `CatalogRepository`: owner scoping, paging, cascades, and which
/// product versions take registrations.
@Suite struct ApplicationRepositoryTests {
    let database: TemporaryDatabase
    let applications: ApplicationRepository
    let catalog: CatalogRepository
    let portal: Portal
    let otherPortal: Portal
    let alice: Developer
    let bob: Developer

    init() throws {
        database = try TemporaryDatabase()
        applications = ApplicationRepository(database.database)
        catalog = CatalogRepository(database.database)
        let portals = PortalRepository(database.database)
        portal = try portals.makePortal(name: "Main", domain: "main.example")
        otherPortal = try portals.makePortal(name: "Other", domain: "other.example")
        alice = makeDeveloper(portalID: portal.id, email: "alice@example.com")
        bob = makeDeveloper(portalID: portal.id, email: "bob@example.com")
        try DeveloperRepository(database.database).create(alice)
        try DeveloperRepository(database.database).create(bob)
    }

    func app(_ developer: Developer, _ name: String, at offset: TimeInterval = 0) throws -> DeveloperApplication {
        let application = DeveloperApplication(
            portalID: developer.portalID, developerID: developer.id, name: name, redirectURI: "https://example.com/cb",
            createdAt: Instant.t0 + offset)
        try applications.create(application)
        return application
    }

    func version(
        in portal: Portal? = nil, product: String = "Payments", name: String = "v1", registration: Bool = true,
        autoApprove: Bool = false, status: ProductVersion.PublishStatus = .published, at offset: TimeInterval = 0
    ) throws -> ProductVersion {
        let portalID = (portal ?? self.portal).id
        let owner = try catalog.findOrCreateProduct(portalID: portalID, name: product, description: "About \(product)", now: Instant.t0)
        let created = ProductVersion(
            productID: owner.id, portalID: portalID, name: name, publishStatus: status,
            applicationRegistrationEnabled: registration, autoApproveRegistration: autoApprove, createdAt: Instant.t0 + offset)
        try catalog.createVersion(created)
        return created
    }

    // MARK: applications

    @Test func anApplicationIsFoundOnlyByItsDeveloperInItsPortal() throws {
        let created = try app(alice, "Demo")
        #expect(try applications.find(id: created.id, developerID: alice.id, portalID: portal.id) == created)
        #expect(try applications.find(id: created.id, developerID: bob.id, portalID: portal.id) == nil)
        #expect(try applications.find(id: created.id, developerID: alice.id, portalID: otherPortal.id) == nil)
    }

    @Test func pagesListTheDevelopersApplicationsInCreationOrder() throws {
        let a1 = try app(alice, "a1")
        _ = try app(bob, "b1")
        let a2 = try app(alice, "a2")
        let a3 = try app(alice, "a3", at: 5)

        let first = try applications.page(developerID: alice.id, portalID: portal.id, PageRequest(size: 2))
        #expect(first.items == [a1, a2])
        #expect(first.nextCursor == a2.id)
        #expect(first.total == 3)
        let second = try applications.page(developerID: alice.id, portalID: portal.id, PageRequest(size: 2, after: a2.id))
        #expect(second.items == [a3])
        #expect(second.nextCursor == nil)
    }

    @Test func updateIsScopedToTheOwner() throws {
        var application = try app(alice, "Demo")
        application.name = "Renamed"
        application.updatedAt = Instant.t0 + 60
        var stolen = application
        stolen.developerID = bob.id
        stolen.name = "Stolen"
        #expect(try applications.update(stolen) == false)
        #expect(try applications.update(application) == true)
        #expect(try applications.find(id: application.id, developerID: alice.id, portalID: portal.id) == application)
    }

    @Test func deletingAnApplicationDeletesItsRegistrationsAndCredentials() throws {
        let application = try app(alice, "Demo")
        let service = try version()
        let registration = try #require(try applications.register(applicationID: application.id, portalID: portal.id, serviceID: service.id, now: Instant.t0))
        let credential = ApplicationCredential(
            portalID: portal.id, applicationID: application.id, name: "c", clientID: "client-1", clientSecret: "s",
            hashSecret: false, clientType: "confidential", redirectURIs: ["https://example.com/cb"], createdAt: Instant.t0)
        try applications.createCredential(credential)

        #expect(try applications.delete(id: application.id, developerID: bob.id, portalID: portal.id) == false)
        #expect(try applications.delete(id: application.id, developerID: alice.id, portalID: portal.id) == true)
        #expect(try SQLiteShell.query(database.path, "SELECT COUNT(*) FROM application_registrations WHERE id = '\(registration.id)'") == ["0"])
        #expect(try SQLiteShell.query(database.path, "SELECT COUNT(*) FROM application_credentials WHERE id = '\(credential.id)'") == ["0"])
    }

    @Test func deletingADeveloperDeletesTheirApplications() throws {
        let application = try app(alice, "Demo")
        _ = try SQLiteShell.query(database.path, "PRAGMA foreign_keys = ON; DELETE FROM developers WHERE id = '\(alice.id)'")
        #expect(try applications.find(id: application.id, developerID: alice.id, portalID: portal.id) == nil)
    }

    // MARK: registrations

    @Test func registrationIsPendingUnlessTheVersionAutoApproves() throws {
        let application = try app(alice, "Demo")
        let manual = try version(name: "v1")
        let auto = try version(name: "v2", autoApprove: true)
        let pending = try applications.register(applicationID: application.id, portalID: portal.id, serviceID: manual.id, now: Instant.t0)
        let approved = try applications.register(applicationID: application.id, portalID: portal.id, serviceID: auto.id, now: Instant.t0)
        #expect(pending?.status == .pending)
        #expect(approved?.status == .approved)
        #expect(pending?.productVersionID == manual.id)
        #expect(try applications.findRegistration(id: pending?.id ?? "", applicationID: application.id, portalID: portal.id) == pending)
    }

    @Test func onlyPublishedVersionsOpenForRegistrationInThePortalCanBeRegisteredTo() throws {
        let application = try app(alice, "Demo")
        for closed in [
            try version(name: "closed", registration: false),
            try version(name: "hidden", status: .unpublished),
            try version(in: otherPortal),
        ] {
            #expect(try applications.register(applicationID: application.id, portalID: portal.id, serviceID: closed.id, now: Instant.t0) == nil)
        }
        #expect(try applications.register(applicationID: application.id, portalID: portal.id, serviceID: "missing", now: Instant.t0) == nil)
        #expect(try applications.registrations(applicationID: application.id, portalID: portal.id, PageRequest(size: 10)).total == 0)
    }

    @Test func registeringTwiceToAVersionIsAUniqueViolation() throws {
        let application = try app(alice, "Demo")
        let service = try version()
        _ = try applications.register(applicationID: application.id, portalID: portal.id, serviceID: service.id, now: Instant.t0)
        var kind: StorageError.Kind?
        do {
            _ = try applications.register(applicationID: application.id, portalID: portal.id, serviceID: service.id, now: Instant.t0)
        } catch {
            kind = error.kind
        }
        #expect(kind == .uniqueViolation)
    }

    @Test func registrationsAndCredentialsAreScopedToTheirApplication() throws {
        let mine = try app(alice, "Mine")
        let other = try app(alice, "Other")
        let service = try version()
        let registration = try #require(try applications.register(applicationID: mine.id, portalID: portal.id, serviceID: service.id, now: Instant.t0))
        let credential = ApplicationCredential(
            portalID: portal.id, applicationID: mine.id, name: "c", clientID: "client-1", clientSecret: "s",
            hashSecret: true, clientType: "public", redirectURIs: ["https://a.example/cb", "https://b.example/cb"], createdAt: Instant.t0)
        try applications.createCredential(credential)

        #expect(try applications.findRegistration(id: registration.id, applicationID: other.id, portalID: portal.id) == nil)
        #expect(try applications.deleteRegistration(id: registration.id, applicationID: other.id, portalID: portal.id) == false)
        #expect(try applications.findCredential(id: credential.id, applicationID: other.id, portalID: portal.id) == nil)
        #expect(try applications.deleteCredential(id: credential.id, applicationID: other.id, portalID: portal.id) == false)
        // The redirect URIs round-trip through their JSON column.
        #expect(try applications.findCredential(id: credential.id, applicationID: mine.id, portalID: portal.id) == credential)
        #expect(try applications.credentials(applicationID: mine.id, portalID: portal.id, PageRequest(size: 10)).items == [credential])
        #expect(try applications.deleteCredential(id: credential.id, applicationID: mine.id, portalID: portal.id) == true)
        #expect(try applications.deleteRegistration(id: registration.id, applicationID: mine.id, portalID: portal.id) == true)
    }

    @Test func clientIDsAreUniqueAcrossTheInstallation() throws {
        let mine = try app(alice, "Mine")
        let theirs = try app(bob, "Theirs")
        func credential(_ application: DeveloperApplication) -> ApplicationCredential {
            ApplicationCredential(
                portalID: portal.id, applicationID: application.id, name: "c", clientID: "same", clientSecret: "s",
                hashSecret: false, clientType: "confidential", redirectURIs: [], createdAt: Instant.t0)
        }
        try applications.createCredential(credential(mine))
        var kind: StorageError.Kind?
        do {
            try applications.createCredential(credential(theirs))
        } catch {
            kind = error.kind
        }
        #expect(kind == .uniqueViolation)
    }

    // MARK: catalog

    @Test func applicationServicesAreThePortalsOpenVersionsWithTheirProduct() throws {
        let open = try version(product: "Payments", name: "v1")
        _ = try version(product: "Payments", name: "closed", registration: false)
        _ = try version(product: "Payments", name: "hidden", status: .unpublished)
        _ = try version(in: otherPortal, product: "Elsewhere")
        let auto = try version(product: "Maps", name: "v2", autoApprove: true, at: 1)

        let page = try catalog.applicationServices(portalID: portal.id, PageRequest(size: 10))
        #expect(page.total == 2)
        #expect(page.items.map(\.id) == [open.id, auto.id])
        let first = try #require(page.items.first)
        #expect(first.productName == "Payments")
        #expect(first.productDescription == "About Payments")
        #expect(first.versionName == "v1")
        #expect(first.autoApproveRegistration == false)
        #expect(page.items.last?.autoApproveRegistration == true)
        #expect(try catalog.applicationService(id: open.id, portalID: portal.id)?.versionName == "v1")
        #expect(try catalog.applicationService(id: open.id, portalID: otherPortal.id) == nil)

        let paged = try catalog.applicationServices(portalID: portal.id, PageRequest(size: 1))
        #expect(paged.items.map(\.id) == [open.id])
        #expect(paged.nextCursor == open.id)
    }

    @Test func findOrCreateProductReusesTheProductOfThatName() throws {
        let first = try catalog.findOrCreateProduct(portalID: portal.id, name: "Payments", now: Instant.t0)
        let again = try catalog.findOrCreateProduct(portalID: portal.id, name: "Payments", now: Instant.t0 + 5)
        let elsewhere = try catalog.findOrCreateProduct(portalID: otherPortal.id, name: "Payments", now: Instant.t0)
        #expect(first == again)
        #expect(elsewhere.id != first.id)
        #expect(try catalog.findProduct(id: first.id, portalID: portal.id) == first)
        #expect(try catalog.findProduct(id: first.id, portalID: otherPortal.id) == nil)
    }

    @Test func aVersionCannotBelongToAnotherPortalsProduct() throws {
        let product = try catalog.findOrCreateProduct(portalID: otherPortal.id, name: "Theirs", now: Instant.t0)
        var kind: StorageError.Kind?
        do {
            try catalog.createVersion(ProductVersion(productID: product.id, portalID: portal.id, name: "v1", createdAt: Instant.t0))
        } catch {
            kind = error.kind
        }
        #expect(kind == .foreignKeyViolation)
        #expect(try SQLiteShell.query(database.path, "SELECT COUNT(*) FROM product_versions") == ["0"])
    }

    @Test func versionsAreFoundWithinTheirPortal() throws {
        let created = try version(status: .unpublished)
        #expect(try catalog.findVersion(id: created.id, portalID: portal.id) == created)
        #expect(try catalog.findVersion(id: created.id, portalID: otherPortal.id) == nil)
    }
}
