import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// `/api/v1/application_services` and `/api/v1/applications/{id}/application_instances`
/// (seed 000, tags `application-services` and `application-instances`).
@Suite struct ApplicationInstancesTests {
    let portal: TestPortal
    let alice: ApplicationsClient
    let bob: ApplicationsClient
    let appID: String

    init() throws {
        portal = try TestPortal.atStart()
        alice = try ApplicationsClient.make(portal, email: "alice@example.com")
        bob = try ApplicationsClient.make(portal, email: "bob@example.com")
        appID = try #require(try alice.createApplication()["id"]?.stringValue)
    }

    var instances: String { "/applications/\(appID)/application_instances" }

    /// The instance object the seed's example shows.
    func expectedInstance(id: JSON?, serviceID: String, status: Int64, applicationID: String? = nil) -> JSON {
        let application = applicationID ?? appID
        return .object([
            ("created_at", .int(fixtureEpoch)),
            ("suspended", .bool(false)),
            ("status", .int(status)),
            ("id", id ?? .null),
            ("composite_id", .string("\(application)_\(serviceID)")),
            ("updated_at", .int(fixtureEpoch)),
            ("application", .object([("id", .string(application))])),
            ("service", .object([("id", .string(serviceID))])),
        ])
    }

    // MARK: GET /application_services

    @Test func servicesAreThePublishedVersionsOpenForRegistration() throws {
        let open = try portal.addProductVersion(product: "Payments", version: "v1", description: "Card payments")
        _ = try portal.addProductVersion(product: "Payments", version: "v0", registration: false)
        _ = try portal.addProductVersion(product: "Payments", version: "beta", publishStatus: .unpublished)
        let auto = try portal.addProductVersion(product: "Maps", version: "v2", description: "", autoApprove: true)
        try CatalogRepository(portal.database).createProduct(Product(portalID: portal.defaultPortal.id, name: "Unused", createdAt: portal.now))

        let response = alice.send("GET", "/application_services")
        #expect(response.status == 200)
        #expect(response.json == .object([
            ("data", .array([
                .object([
                    ("name", .string("Payments v1")),
                    ("app_registration_config", .object([
                        ("description", .string("Card payments")), ("show_issuer", .bool(false)),
                        ("display_name", .string("Payments v1")), ("auto_approve", .bool(false)),
                    ])),
                    ("id", .string(open)),
                ]),
                .object([
                    ("name", .string("Maps v2")),
                    ("app_registration_config", .object([
                        ("description", .string("")), ("show_issuer", .bool(false)),
                        ("display_name", .string("Maps v2")), ("auto_approve", .bool(true)),
                    ])),
                    ("id", .string(auto)),
                ]),
            ])),
            ("next", .null),
            ("total", .int(2)),
        ]))
    }

    @Test func aVersionWithoutDescriptionShowsItsProducts() throws {
        let catalog = CatalogRepository(portal.database)
        let product = Product(portalID: portal.defaultPortal.id, name: "Weather", description: "Forecasts", createdAt: portal.now)
        try catalog.createProduct(product)
        try catalog.createVersion(ProductVersion(
            productID: product.id, portalID: portal.defaultPortal.id, name: "v3", applicationRegistrationEnabled: true,
            createdAt: portal.now))
        let service = alice.send("GET", "/application_services").json?["data"]?.listItems.first
        #expect(service?["app_registration_config"]?["description"] == .string("Forecasts"))
    }

    @Test func servicesOfAnotherPortalAreNotListed() throws {
        let other = Portal(name: "Other", defaultDomain: "other.example", createdAt: Fixture.start)
        try PortalRepository(portal.database).create(other)
        _ = try portal.addProductVersion(portalID: other.id)
        #expect(alice.send("GET", "/application_services").json?["total"] == .int(0))
    }

    @Test func servicesArePaged() throws {
        let ids = try (1...3).map { try portal.addProductVersion(version: "v\($0)") }
        let page = try #require(alice.send("GET", "/application_services?size=2").json)
        #expect(page["data"]?.listItems.map { $0["id"] } == [.string(ids[0]), .string(ids[1])])
        #expect(page["next"] == .string("/application_services?size=2&offset=\(ids[1])"))
        #expect(page["total"] == .int(3))
    }

    @Test func servicesNeedASession() {
        let response = portal.send("GET", "/api/v1/application_services")
        #expect(response.status == 401)
        #expect(response.json == .apiMessage("Unauthorized"))
    }

    // MARK: POST /applications/{id}/application_instances

    @Test func registeringIsPendingUnlessTheServiceAutoApproves() throws {
        let manual = try portal.addProductVersion(version: "v1")
        let auto = try portal.addProductVersion(version: "v2", autoApprove: true)

        let pending = alice.send("POST", instances, form: [("service.id", manual)])
        #expect(pending.status == 201)
        #expect(pending.json == expectedInstance(id: pending.json?["id"], serviceID: manual, status: 1))

        let approved = alice.send("POST", instances, form: [("service.id", auto)])
        #expect(approved.status == 201)
        #expect(approved.json == expectedInstance(id: approved.json?["id"], serviceID: auto, status: 0))
    }

    @Test(arguments: [#"{"service.id":"SERVICE"}"#, #"{"service":{"id":"SERVICE"}}"#])
    func registeringAcceptsJSONBodies(_ template: String) throws {
        let serviceID = try portal.addProductVersion()
        let response = alice.sendJSON("POST", instances, template.replacingOccurrences(of: "SERVICE", with: serviceID))
        #expect(response.status == 201)
        #expect(response.json?["service"]?["id"] == .string(serviceID))
    }

    @Test func registeringWithoutAServiceIsAFieldError() {
        let response = alice.send("POST", instances, form: [])
        #expect(response.status == 400)
        #expect(response.json == .apiFieldErrors([("service.id", .string("required field missing"))]))
    }

    @Test func registeringToAServiceThatIsNotOpenIsAFieldError() throws {
        let other = Portal(name: "Other", defaultDomain: "other.example", createdAt: Fixture.start)
        try PortalRepository(portal.database).create(other)
        let closed = [
            "00000000-0000-0000-0000-000000000000",
            try portal.addProductVersion(version: "closed", registration: false),
            try portal.addProductVersion(version: "hidden", publishStatus: .unpublished),
            try portal.addProductVersion(portalID: other.id),
        ]
        for serviceID in closed {
            let response = alice.send("POST", instances, form: [("service.id", serviceID)])
            #expect(response.status == 400)
            #expect(response.json == .apiFieldErrors([("service.id", .string("no application service with this id"))]))
        }
        #expect(alice.send("GET", instances).json?["total"] == .int(0))
    }

    @Test func registeringTwiceToTheSameServiceConflicts() throws {
        let serviceID = try portal.addProductVersion()
        #expect(alice.send("POST", instances, form: [("service.id", serviceID)]).status == 201)
        let again = alice.send("POST", instances, form: [("service.id", serviceID)])
        #expect(again.status == 409)
        #expect(again.json == .apiFieldErrors([("service.id", .string("already exists with value '\(serviceID)'"))], code: 5))
    }

    @Test func anotherApplicationMayRegisterToTheSameService() throws {
        let serviceID = try portal.addProductVersion()
        let otherApp = try #require(try alice.createApplication(name: "Second")["id"]?.stringValue)
        #expect(alice.send("POST", instances, form: [("service.id", serviceID)]).status == 201)
        let response = alice.send("POST", "/applications/\(otherApp)/application_instances", form: [("service.id", serviceID)])
        #expect(response.status == 201)
        #expect(response.json?["composite_id"] == .string("\(otherApp)_\(serviceID)"))
    }

    // MARK: GET / DELETE

    @Test func listShowsTheApplicationsInstances() throws {
        let v1 = try portal.addProductVersion(version: "v1")
        let v2 = try portal.addProductVersion(version: "v2")
        let first = try #require(alice.send("POST", instances, form: [("service.id", v1)]).json)
        let second = try #require(alice.send("POST", instances, form: [("service.id", v2)]).json)
        let otherApp = try #require(try alice.createApplication(name: "Other")["id"]?.stringValue)
        _ = alice.send("POST", "/applications/\(otherApp)/application_instances", form: [("service.id", v1)])

        let response = alice.send("GET", instances)
        #expect(response.status == 200)
        #expect(response.json == .object([("data", .array([first, second])), ("next", .null), ("total", .int(2))]))
    }

    @Test func showAndDeleteAnInstance() throws {
        let serviceID = try portal.addProductVersion()
        let created = try #require(alice.send("POST", instances, form: [("service.id", serviceID)]).json)
        let id = try #require(created["id"]?.stringValue)

        let shown = alice.send("GET", "\(instances)/\(id)")
        #expect(shown.status == 200)
        #expect(shown.json == created)

        let deleted = alice.send("DELETE", "\(instances)/\(id)")
        #expect(deleted.status == 204)
        #expect(alice.send("GET", "\(instances)/\(id)").status == 404)
        #expect(alice.send("DELETE", "\(instances)/\(id)").json == .apiMessage("Not found"))
        // Registering again is allowed once the old registration is gone.
        #expect(alice.send("POST", instances, form: [("service.id", serviceID)]).status == 201)
    }

    @Test func anInstanceIsOnlyFoundThroughItsOwnApplication() throws {
        let serviceID = try portal.addProductVersion()
        let id = try #require(alice.send("POST", instances, form: [("service.id", serviceID)]).json?["id"]?.stringValue)
        let otherApp = try #require(try alice.createApplication(name: "Other")["id"]?.stringValue)
        let response = alice.send("GET", "/applications/\(otherApp)/application_instances/\(id)")
        #expect(response.status == 404)
        #expect(response.json == .apiMessage("Not found"))
        #expect(alice.send("DELETE", "/applications/\(otherApp)/application_instances/\(id)").status == 404)
        #expect(alice.send("GET", "\(instances)/\(id)").status == 200)
    }

    @Test func anotherDevelopersApplicationInstancesAreNotFound() throws {
        let serviceID = try portal.addProductVersion()
        let id = try #require(alice.send("POST", instances, form: [("service.id", serviceID)]).json?["id"]?.stringValue)
        let attempts: [(String, String, [(String, String)]?)] = [
            ("GET", instances, nil),
            ("POST", instances, [("service.id", serviceID)]),
            ("GET", "\(instances)/\(id)", nil),
            ("DELETE", "\(instances)/\(id)", nil),
        ]
        for (method, path, form) in attempts {
            let response = bob.send(method, path, form: form)
            #expect(response.status == 404, "\(method) \(path)")
            #expect(response.json == .apiMessage("Not found"), "\(method) \(path)")
        }
        #expect(alice.send("GET", instances).json?["total"] == .int(1))
    }
}
