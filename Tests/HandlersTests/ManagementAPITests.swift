import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// The management API (seed 001, part 1) in process: portals, developers, registrations, list
/// parameters, problem+json errors, project scoping and the audit log.
@Suite struct ManagementAPITests {
    let portal: TestPortal
    let root: String

    init() throws {
        portal = try TestPortal()
        portal.now = Fixture.start
        root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
    }

    func send(_ method: String, _ path: String, _ token: String?, body: String? = nil) -> TestResponse {
        var headers: [(String, String)] = body == nil ? [] : [("Content-Type", "application/json")]
        if let token { headers.append(("Authorization", "Bearer \(token)")) }
        return portal.send(method, path, headers: headers, body: Array((body ?? "").utf8))
    }

    @Test func createGetUpdateAndDeleteAPortal() throws {
        let created = send("POST", "/api/v2/portals", root, body: #"{"name":"Partner Hub","description":"For partners","labels":{"team":"api"}}"#)
        #expect(created.status == 201)
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(created.json?["default_domain"] == .string("partner-hub.localhost"))
        #expect(created.json?["display_name"] == .string("Partner Hub") && created.json?["developer_count"] == .int(0))
        #expect(created.json?["labels"] == .object([("team", .string("api"))]))
        #expect(send("POST", "/api/v2/portals", root, body: #"{"name":"partner hub"}"#).status == 409)
        let patched = send("PATCH", "/api/v2/portals/\(id)", root, body: #"{"custom_domain":"Docs.Partner.Example","is_public":true}"#)
        #expect(patched.json?["custom_domain"] == .string("docs.partner.example") && patched.json?["is_public"] == .bool(true))
        // The new domain serves the portal's developer API at once.
        #expect(portal.send("GET", "/api/v1/developer/meta_fields", host: "docs.partner.example").status == 200)
        #expect(send("DELETE", "/api/v2/portals/\(id)", root).status == 204)
        #expect(send("GET", "/api/v2/portals/\(id)", root).status == 404)
        let actions = try AuditLogRepository(portal.database).entries(portalID: id).map(\.action)
        #expect(actions == ["portal.create", "portal.update", "portal.delete"])
    }

    @Test func badBodiesNameTheirFields() throws {
        let response = send("POST", "/api/v2/portals", root, body: #"{"name":"","is_public":"yes","colour":"red","custom_domain":"not a host"}"#)
        #expect(response.status == 400)
        #expect(response.headers["Content-Type"] == "application/problem+json")
        let fields = Set((response.json?["invalid_parameters"]?.listItems ?? []).compactMap { $0["field"]?.stringValue })
        #expect(fields == ["name", "is_public", "colour", "custom_domain"])
        let rules = (response.json?["invalid_parameters"]?.listItems ?? []).compactMap { $0["rule"]?.stringValue }
        #expect(rules.contains("unknown_property") && rules.contains("is_boolean") && rules.contains("min_length"))
    }

    @Test func listsPageSortAndFilter() throws {
        for index in 0..<25 { _ = try ApplicationsClient.make(portal, email: String(format: "dev%02d@example.com", index)) }
        let path = "/api/v2/portals/\(portal.defaultPortal.id)/developers"
        let page = send("GET", path + "?page[size]=10&page[number]=3&sort=-email", root)
        #expect(page.json?["meta"] == .object([("page", .object([("number", .int(3)), ("size", .int(10)), ("total", .int(25))]))]))
        #expect(page.json?["data"]?.listItems.compactMap { $0["email"]?.stringValue } == (0..<5).reversed().map { String(format: "dev%02d@example.com", $0) })
        let filtered = send("GET", path + "?filter[email][contains]=DEV1&filter[status]=approved", root)
        #expect(filtered.json?["meta"]?["page"]?["total"] == .int(10))
        for bad in ["?sort=password", "?page[size]=0", "?page[size]=101", "?filter[email][like]=x", "?filter[password]=x", "?page[number]=x"] {
            let response = send("GET", path + bad, root)
            #expect(response.status == 400, "\(bad)")
            #expect(response.json?["invalid_parameters"]?.listItems.isEmpty == false)
        }
    }

    @Test func projectTokensSeeOnlyTheirPortalAndRolesGateWrites() throws {
        let other = try #require(send("POST", "/api/v2/portals", root, body: #"{"name":"Other"}"#).json?["id"]?.stringValue)
        let tokens = ProjectTokenRepository(portal.database)
        let viewer = try ProjectTokensTests.make(tokens, portalID: portal.defaultPortal.id, role: .viewer)
        let editor = try ProjectTokensTests.make(tokens, portalID: portal.defaultPortal.id, role: .editor)
        #expect(send("GET", "/api/v2/portals/\(other)", viewer).status == 404)
        #expect(send("GET", "/api/v2/portals", viewer).json?["meta"]?["page"]?["total"] == .int(1))
        #expect(send("GET", "/api/v2/portals", root).json?["meta"]?["page"]?["total"] == .int(2))
        #expect(send("PATCH", "/api/v2/portals/\(portal.defaultPortal.id)", viewer, body: #"{"is_public":true}"#).status == 403)
        #expect(send("PATCH", "/api/v2/portals/\(portal.defaultPortal.id)", editor, body: #"{"is_public":true}"#).status == 200)
        #expect(send("DELETE", "/api/v2/portals/\(other)", editor).status == 404)
        #expect(send("POST", "/api/v2/portals", editor, body: #"{"name":"Mine"}"#).status == 403)
        #expect(send("GET", "/api/v2/portals/not-a-uuid", root).status == 400)
        #expect(send("GET", "/api/v2/portals", nil).status == 401)
    }

    @Test func revokingADeveloperEndsTheirSessionAndApprovingARegistrationShowsEverywhere() throws {
        let alice = try ApplicationsClient.make(portal, email: "alice@example.com")
        let versionID = try portal.addProductVersion()
        let appID = try #require(try alice.createApplication()["id"]?.stringValue)
        let registrationID = try #require(alice.send("POST", "/applications/\(appID)/application_instances", form: [("service.id", versionID)]).json?["id"]?.stringValue)
        let base = "/api/v2/portals/\(portal.defaultPortal.id)"
        let approved = send("PATCH", "\(base)/applications/\(appID)/registrations/\(registrationID)", root, body: #"{"status":"approved"}"#)
        #expect(approved.status == 200 && approved.json?["status"] == .string("approved"))
        #expect(alice.send("GET", "/applications/\(appID)/application_instances/\(registrationID)").json?["status"] == .int(0))
        #expect(portal.send("GET", "/api/portal/requests/\(registrationID)", headers: [("Authorization", root)]).json?["approved"] == .bool(true))
        #expect(try portal.outbox(to: "alice@example.com").last?.subject.contains("may use") == true)
        let revoked = send("PATCH", "\(base)/developers/\(alice.developerID)", root, body: #"{"status":"revoked"}"#)
        #expect(revoked.json?["status"] == .string("revoked"))
        #expect(alice.send("GET", "/developer").status == 401)
        #expect(send("PATCH", "\(base)/developers/\(alice.developerID)", root, body: #"{"status":"gone"}"#).status == 400)
    }

    @Test func portalDeletionIsRefusedWhileInUseUnlessForced() throws {
        let id = try #require(send("POST", "/api/v2/portals", root, body: #"{"name":"Busy","auto_approve_developers":true}"#).json?["id"]?.stringValue)
        _ = try ApplicationsClient.make(portal, email: "busy@example.com", host: "busy.localhost")
        let refused = send("DELETE", "/api/v2/portals/\(id)", root)
        #expect(refused.status == 400 && refused.json?["invalid_parameters"]?.listItems.first?["field"] == .string("force"))
        #expect(send("DELETE", "/api/v2/portals/\(id)?force=true", root).status == 204)
        #expect(try DeveloperRepository(portal.database).find(portalID: id, email: "busy@example.com") == nil)
        #expect(send("DELETE", "/api/v2/portals/\(portal.defaultPortal.id)?force=true", root).status == 400)
    }
}

/// Teams, membership, roles and RBAC as the developer sees it.
@Suite struct TeamsTests {
    @Test func withRBACADeveloperSeesAndRegistersOnlyWhatTheirTeamsMayUse() throws {
        let portal = try TestPortal()
        portal.now = Fixture.start
        let root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
        func send(_ method: String, _ path: String, _ body: String? = nil) -> TestResponse {
            portal.send(method, path, headers: [("Authorization", root), ("Content-Type", "application/json")], body: Array((body ?? "").utf8))
        }
        let alice = try ApplicationsClient.make(portal, email: "alice@example.com")
        let open = try portal.addProductVersion(product: "Open", version: "v1")
        let secret = try portal.addProductVersion(product: "Secret", version: "v1")
        let base = "/api/v2/portals/\(portal.defaultPortal.id)"
        #expect(send("PATCH", base, #"{"rbac_enabled":true}"#).status == 200)
        #expect(alice.send("GET", "/application_services").json?["data"]?.listItems.isEmpty == true)

        let team = try #require(send("POST", "\(base)/teams", #"{"name":"Partners","description":"External"}"#).json?["id"]?.stringValue)
        #expect(send("POST", "\(base)/teams", #"{"name":"Partners"}"#).status == 409)
        #expect(send("POST", "\(base)/teams/\(team)/developers", #"{"id":"\#(alice.developerID)"}"#).status == 201)
        #expect(send("POST", "\(base)/teams/\(team)/developers", #"{"id":"\#(alice.developerID)"}"#).status == 409)
        let openProduct = try #require(try CatalogRepository(portal.database).findVersion(id: open, portalID: portal.defaultPortal.id)?.productID)
        let viewer = send("POST", "\(base)/teams/\(team)/assigned-roles", #"{"role_name":"API Viewer","entity_id":"\#(openProduct)","entity_type_name":"Services"}"#)
        #expect(viewer.status == 201 && viewer.json?["entity_region"] == .string("*"))
        #expect(alice.send("GET", "/application_services").json?["data"]?.listItems.compactMap { $0["id"]?.stringValue } == [open])
        let appID = try #require(try alice.createApplication()["id"]?.stringValue)
        // Viewing is not consuming: registration needs the consumer role.
        #expect(alice.send("POST", "/applications/\(appID)/application_instances", form: [("service.id", open)]).status == 404 ||
                alice.send("POST", "/applications/\(appID)/application_instances", form: [("service.id", open)]).status == 400)
        #expect(send("POST", "\(base)/teams/\(team)/assigned-roles", #"{"role_name":"API Consumer","entity_id":"\#(openProduct)","entity_type_name":"Services"}"#).status == 201)
        #expect(alice.send("POST", "/applications/\(appID)/application_instances", form: [("service.id", open)]).status == 201)
        #expect(alice.send("POST", "/applications/\(appID)/application_instances", form: [("service.id", secret)]).status != 201)
        #expect(send("GET", "\(base)/developers/\(alice.developerID)/teams").json?["data"]?.listItems.first?["name"] == .string("Partners"))
        #expect(send("GET", "\(base)/teams/\(team)/developers").json?["data"]?.listItems.first?["email"] == .string("alice@example.com"))
        #expect(send("POST", "\(base)/teams/\(team)/assigned-roles", #"{"role_name":"Owner","entity_id":"\#(openProduct)","entity_type_name":"Services"}"#).status == 400)
        #expect(send("GET", "/api/v2/portal-roles").json?["services"]?["roles"]?["apiconsumer"]?["name"] == .string("API Consumer"))
        #expect(send("DELETE", "\(base)/teams/\(team)").status == 204)
        #expect(alice.send("GET", "/application_services").json?["data"]?.listItems.isEmpty == true)
    }
}

/// API products (our extension), their OpenAPI documents, portal product versions and auth strategies.
@Suite struct CatalogManagementTests {
    let portal: TestPortal
    let root: String

    init() throws {
        portal = try TestPortal()
        portal.now = Fixture.start
        root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
    }

    func send(_ method: String, _ path: String, _ body: String? = nil) -> TestResponse {
        portal.send(method, path, headers: [("Authorization", root), ("Content-Type", "application/json")], body: Array((body ?? "").utf8))
    }

    static let spec = """
        openapi: 3.0.3
        info:
          title: Payments
          version: "1.0"
        paths:
          /payments:
            get:
              responses:
                "200": {description: ok}
            post:
              responses:
                "201": {description: created}
        """

    @Test func aProductVersionGoesFromCreationToRegistrationOverHTTP() throws {
        let productID = try #require(send("POST", "/api/v2/api-products", #"{"name":"Payments","portal_id":"\#(portal.defaultPortal.id)"}"#).json?["id"]?.stringValue)
        let versions = "/api/v2/api-products/\(productID)/product-versions"
        let versionID = try #require(send("POST", versions, #"{"name":"v1","description":"First"}"#).json?["id"]?.stringValue)
        let uploaded = send("PUT", "\(versions)/\(versionID)/specifications", JSON.object([("content", .string(Self.spec))]).text)
        #expect(uploaded.status == 200 && uploaded.json?["operation_count"] == .int(2) && uploaded.json?["title"] == .string("Payments"))
        #expect(send("PUT", "\(versions)/\(versionID)/specifications", #"{"content":"openapi: 3.0.0\ninfo: {title: x}\n"}"#).status == 400)
        #expect(send("PUT", "\(versions)/\(versionID)/specifications", #"{"content":"a: &x [1]\nb: *x\n"}"#).status == 400)

        let alice = try ApplicationsClient.make(portal, email: "alice@example.com")
        #expect(alice.send("GET", "/application_services").json?["data"]?.listItems.isEmpty == true)  // not in the portal yet
        let strategies = send("GET", "/api/v2/application-auth-strategies").json?["data"]?.listItems ?? []
        let keyAuth = try #require(strategies.first { $0["strategy_type"] == .string("key_auth") }?["id"]?.stringValue)
        let base = "/api/v2/portals/\(portal.defaultPortal.id)/product-versions"
        let attach = #"{"product_version_id":"\#(versionID)","publish_status":"published","auth_strategy_ids":["\#(keyAuth)"],"application_registration_enabled":true,"auto_approve_registration":false,"deprecated":false}"#
        let attached = send("POST", base, attach)
        #expect(attached.status == 201)
        #expect(attached.json?["auth_strategies"]?.listItems.first?["credential_type"] == .string("key_auth"))
        #expect(send("POST", base, attach).status == 409)
        #expect(alice.send("GET", "/application_services").json?["data"]?.listItems.compactMap { $0["id"]?.stringValue } == [versionID])
        #expect(send("GET", "/api/v2/portals/\(portal.defaultPortal.id)/products").json?["data"]?.listItems.first?["version_count"] == .int(1))
        #expect(send("GET", "/api/v2/portals/\(portal.defaultPortal.id)").json?["published_product_count"] == .int(1))

        let basic = send("POST", "/api/v2/application-auth-strategies", #"{"name":"basic","display_name":"Basic","strategy_type":"basic_auth","configs":{"basic_auth":{}}}"#)
        let basicID = try #require(basic.json?["id"]?.stringValue)
        #expect(send("PATCH", "\(base)/\(versionID)", #"{"auth_strategy_ids":["\#(basicID)"]}"#).status == 200)
        #expect(try CatalogRepository(portal.database).findVersion(id: versionID, portalID: portal.defaultPortal.id)?.authStrategy == .basicAuth)
        #expect(send("DELETE", "/api/v2/application-auth-strategies/\(basicID)").status == 409)
        #expect(send("PUT", "\(base)/\(versionID)", #"{"publish_status":"published"}"#).status == 400)
        #expect(send("DELETE", "\(base)/\(versionID)").status == 204)
        #expect(alice.send("GET", "/application_services").json?["data"]?.listItems.isEmpty == true)
        #expect(send("GET", "\(base)/\(versionID)").status == 404)
    }

    @Test func strategiesValidateTheirConfigs() {
        for body in [
            #"{"name":"o","display_name":"O","strategy_type":"openid_connect","configs":{"openid_connect":{"issuer":"http://insecure"}}}"#,
            #"{"name":"k","display_name":"K","strategy_type":"key_auth","configs":{"basic_auth":{}}}"#,
            #"{"name":"k","display_name":"K","strategy_type":"magic","configs":{}}"#,
        ] {
            #expect(send("POST", "/api/v2/application-auth-strategies", body).status == 400, "\(body)")
        }
        let oidc = send("POST", "/api/v2/application-auth-strategies",
                        #"{"name":"o","display_name":"O","strategy_type":"openid_connect","configs":{"openid_connect":{"issuer":"https://id.example.com","scopes":["read"]}}}"#)
        #expect(oidc.status == 201 && oidc.json?["configs"]?["openid_connect"]?["scopes"] == .array([.string("read")]))
    }
}
