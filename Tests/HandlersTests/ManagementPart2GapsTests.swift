import Foundation
@testable import Handlers
import PortalTesting
import Storage
import Testing

/// Gaps of management API part 2 closed after its audit: page paths the portal's own routes answer,
/// the larger body limit of `/api/v2`, PATCHes that read and write in one transaction (and never bring a
/// deleted row back), replay jobs that give up, the delivery lease renewed per batch, and image data URLs
/// without `;base64`.
@Suite(.serialized) struct ManagementPart2GapsTests {
    typealias Admin = ManagementPart2Tests.Admin

    // MARK: Page paths

    @Test(arguments: [
        "/login", "/logout", "/register", "/catalog", "/catalog/some-version", "/dashboard", "/profile", "/profile/email",
        "/applications", "/applications/new", "/applications/abc/edit", "/credentials", "/credentials/jwt", "/favicon.ico",
        "/account/verify", "/account/forgot-password", "/account/reset-password", "/appearance-scheme",
    ])
    func pagesCannotTakeAPathThePortalAnswers(path: String) throws {
        let admin = try Admin()
        let refused = admin.send("POST", admin.base + "/pages", #"{"path":"\#(path)","title":"t","content":"c"}"#)
        #expect(refused.status == 400)
        #expect(refused.json?.firstInvalidField == "path")
        #expect(refused.text.contains("reserved by the portal"))
        // Nor can a PATCH move a page there.
        let created = admin.send("POST", admin.base + "/pages", #"{"path":"/free","title":"t","content":"c"}"#)
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(admin.send("PATCH", admin.base + "/pages/\(id)", #"{"path":"\#(path)"}"#).json?.firstInvalidField == "path")
        #expect(admin.send("GET", admin.base + "/pages/\(id)").json?["path"] == .string("/free"))
    }

    @Test func pagesNextToThePortalsRoutesAreFineAndServed() throws {
        let admin = try Admin()
        for path in ["/", "/account", "/account/help", "/login/", "/catalogue", "/applications-guide"] {
            let created = admin.send("POST", admin.base + "/pages", ##"{"path":"\##(path)","title":"T","content":"# Here","public":true,"published":true}"##)
            #expect(created.status == 201, "\(path): \(created.text)")
            let served = admin.portal.send("GET", path)
            #expect(served.status == 200 && served.text.contains("<h1>Here</h1>"), "\(path) is not served")
        }
    }

    // MARK: Body limit

    @Test func theManagementAPITakesLargerBodiesThanTheRest() throws {
        let admin = try Admin()
        let application = admin.portal.application
        #expect(application.maxBodyBytes(path: "/api/v2/portals/x/pages") == 8 << 20)
        #expect(application.maxBodyBytes(path: "/api/v2") == 8 << 20)
        for path in ["/api/v1/register", "/api/portal/requests", "/api/projects/x/tokens", "/login", "/api/v2x", "//api/v2/portals"] {
            #expect(application.maxBodyBytes(path: path) == 1 << 20, "\(path)")
        }
        let refused = application.payloadTooLarge(RawRequest(method: "POST", uri: "/api/v2/portals", headers: HTTPHeaders([("Host", "localhost")]), body: []))
        #expect(refused.status == 413 && String(decoding: refused.body, as: UTF8.self).contains("\(8 << 20) bytes"))
    }

    @Test func aPageOfAMillionNonASCIICharactersEscapedIsAcceptedAndOneMoreIsNot() throws {
        let admin = try Admin()
        // Each "é" as a \u00e9 escape: 6 bytes, 6 MB in all — over the 1 MiB of other paths, under 8 MiB.
        func body(_ count: Int) -> String {
            #"{"path":"/big","title":"Big","content":""# + String(repeating: #"\u00e9"#, count: count) + #""}"#
        }
        #expect(body(1_000_000).utf8.count > 6_000_000 && body(1_000_000).utf8.count < 8 << 20)
        let tooLong = admin.send("POST", admin.base + "/pages", body(1_000_001))
        #expect(tooLong.status == 400 && tooLong.json?.firstInvalidField == "content")
        let created = admin.send("POST", admin.base + "/pages", body(1_000_000))
        #expect(created.status == 201)
        #expect(created.json?["content"]?.stringValue?.count == 1_000_000)
    }

    // MARK: Read-modify-write in one transaction

    /// Sends the PATCHes at once from as many threads, `rounds` times; each round starts from `reset`.
    private func concurrently(_ admin: Admin, _ path: String, reset: String, _ patches: [String], rounds: Int = 8, check: (JSON?) -> Bool) {
        for round in 0..<rounds {
            #expect(admin.send("PATCH", path, reset).status == 200)
            let statuses = Locked([Int]())
            DispatchQueue.concurrentPerform(iterations: patches.count) { index in
                let status = admin.send("PATCH", path, patches[index]).status
                statuses.withLock { $0.append(status) }
            }
            #expect(statuses.current.allSatisfy { $0 == 200 }, "round \(round): \(statuses.current)")
            let after = admin.send("GET", path).json
            #expect(check(after), "round \(round) lost an update: \(after?.text ?? "nil")")
        }
    }

    @Test func concurrentAuthenticationSettingsPatchesLoseNothing() throws {
        let admin = try Admin()
        concurrently(admin, admin.base + "/authentication-settings",
                     reset: #"{"basic_auth_enabled":true,"konnect_mapping_enabled":true,"saml_auth_enabled":false,"oidc_team_mapping_enabled":false,"idp_mapping_enabled":false}"#,
                     [#"{"basic_auth_enabled":false}"#, #"{"konnect_mapping_enabled":false}"#, #"{"saml_auth_enabled":true}"#,
                      #"{"oidc_team_mapping_enabled":true}"#, #"{"idp_mapping_enabled":true}"#]) { json in
            json?["basic_auth_enabled"] == .bool(false) && json?["konnect_mapping_enabled"] == .bool(false)
                && json?["saml_auth_enabled"] == .bool(true) && json?["oidc_team_mapping_enabled"] == .bool(true)
                && json?["idp_mapping_enabled"] == .bool(true)
        }
    }

    @Test func concurrentAppearancePatchesLoseNothing() throws {
        let admin = try Admin()
        concurrently(admin, admin.base + "/appearance", reset: #"{"theme_name":"mint_rocket","use_custom_fonts":false,"text":null,"custom_fonts":null}"#,
                     [#"{"theme_name":"dark_mode"}"#, #"{"use_custom_fonts":true}"#, #"{"text":{"catalog":{"welcome_message":"Hi","primary_header":"H"}}}"#,
                      #"{"custom_fonts":{"base":"Inter","code":"PT Mono","headings":"Lato"}}"#]) { json in
            json?["theme_name"] == .string("dark_mode") && json?["use_custom_fonts"] == .bool(true)
                && json?["text"]?["catalog"]?["welcome_message"] == .string("Hi") && json?["custom_fonts"]?["base"] == .string("Inter")
        }
    }

    @Test func concurrentPagePatchesLoseNothing() throws {
        let admin = try Admin()
        let id = try #require(admin.send("POST", admin.base + "/pages", #"{"path":"/p","title":"t","content":"c"}"#).json?["id"]?.stringValue)
        concurrently(admin, admin.base + "/pages/\(id)", reset: #"{"title":"t","content":"c","public":false,"published":false,"description":null}"#,
                     [#"{"title":"T2"}"#, #"{"content":"C2"}"#, #"{"public":true}"#, #"{"published":true}"#, #"{"description":"D2"}"#]) { json in
            json?["title"] == .string("T2") && json?["content"] == .string("C2") && json?["public"] == .bool(true)
                && json?["published"] == .bool(true) && json?["description"] == .string("D2")
        }
    }

    @Test func concurrentIdentityProviderPatchesLoseNothing() throws {
        let admin = try Admin()
        let created = admin.send("POST", admin.base + "/identity-providers", #"{"type":"oidc","config":{"issuer_url":"https://id.example.com","client_id":"a"}}"#)
        let id = try #require(created.json?["id"]?.stringValue)
        concurrently(admin, admin.base + "/identity-providers/\(id)",
                     reset: #"{"enabled":false,"login_path":"oidc","config":{"issuer_url":"https://id.example.com","client_id":"a"}}"#,
                     [#"{"enabled":true}"#, #"{"login_path":"sso"}"#, #"{"config":{"issuer_url":"https://id.example.com","client_id":"b"}}"#]) { json in
            json?["enabled"] == .bool(true) && json?["login_path"] == .string("sso") && json?["config"]?["client_id"] == .string("b")
        }
    }

    @Test func anUpdateOfADeletedPageOrProviderWritesNothing() throws {
        let admin = try Admin()
        let services = admin.portal.application.services
        let portalID = admin.portal.defaultPortal.id
        let audit = AuditEntry(portalID: portalID, tokenID: "test", action: "x.update", targetType: "x", targetID: "x", clientAddress: nil, at: Date())
        let page = PortalPage(portalID: portalID, path: "/gone", title: "t", content: "c", description: nil, isPublic: true, published: true, createdAt: Date())
        #expect(try services.customPages.create(page, audit: audit))
        #expect(try services.customPages.delete(id: page.id, portalID: portalID, audit: audit))
        #expect(try services.customPages.update(id: page.id, portalID: portalID, audit: audit) { $0.title = "back?" } == .notFound)
        #expect(try services.customPages.page(id: page.id, portalID: portalID) == nil)

        let provider = IdentityProvider(portalID: portalID, type: "oidc", enabled: false, loginPath: "oidc", config: "{}", clientSecret: nil, createdAt: Date())
        guard case .success = try services.identityProviders.create(provider, audit: audit) else {
            Issue.record("the provider was not created")
            return
        }
        #expect(try services.identityProviders.delete(id: provider.id, portalID: portalID, audit: audit))
        #expect(try services.identityProviders.update(id: provider.id, portalID: portalID, audit: audit) { $0.enabled = true } == .notFound)
        #expect(try services.identityProviders.provider(id: provider.id, portalID: portalID) == nil)

        // A change refused against the stored values writes nothing either.
        let before = try services.portalSettings.appearance(portalID: portalID)
        let refused = try services.portalSettings.updateAppearance(portalID: portalID, images: [:], now: Date(), audit: audit) { appearance in
            appearance.themeName = "custom"
            return false
        }
        guard case .refused = refused else { Issue.record("expected .refused, got \(refused)"); return }
        #expect(try services.portalSettings.appearance(portalID: portalID) == before)
    }

    @Test func aPatchOfACustomThemeIsCheckedAgainstTheStoredTheme() throws {
        let admin = try Admin()
        let refused = admin.send("PATCH", admin.base + "/appearance", #"{"theme_name":"custom"}"#)
        #expect(refused.status == 400 && refused.json?.firstInvalidField == "theme_name")
        #expect(refused.text.contains("dependent_fields"))
        #expect(admin.send("GET", admin.base + "/appearance").json?["theme_name"] == .string("mint_rocket"))
        let refusedAuth = admin.send("PATCH", admin.base + "/authentication-settings", #"{"oidc_auth_enabled":true,"saml_auth_enabled":true}"#)
        #expect(refusedAuth.status == 400 && refusedAuth.json?.firstInvalidField == "oidc_auth_enabled")
        #expect(admin.send("GET", admin.base + "/authentication-settings").json?["saml_auth_enabled"] == .bool(false))
    }

    // MARK: Audit delivery: the lease and replay jobs

    /// A destination at a closed port and the webhook enabled with it (its own audit entry is then due).
    private func hooked(_ admin: Admin) throws {
        let created = admin.send("POST", "/api/v2/audit-log-destinations", #"{"name":"down","endpoint":"http://127.0.0.1:9/hook"}"#)
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(admin.send("PATCH", admin.base + "/audit-log-webhook", #"{"enabled":true,"audit_log_destination_id":"\#(id)"}"#).status == 200)
    }

    /// A clock that moves 2 s at every reading (the sender's own work takes time too).
    private static func tickingClock(from start: Date) -> (Locked<Date>, @Sendable () -> Date) {
        let clock = Locked(start)
        return (clock, { clock.withLock { now in now += 2; return now } })
    }

    @Test func theDeliveryLeaseIsRenewedBeforeEveryBatch() throws {
        let admin = try Admin()
        try hooked(admin)
        let repository = admin.portal.application.services.auditDelivery
        let (clock, reading) = Self.tickingClock(from: admin.portal.now)
        let sends = Locked(0)
        let takenOver = Locked([Date]())
        // Every attempt takes the full request timeout, and meanwhile another worker tries to take the lease.
        let sender = AuditWebhookSender(repository: repository, maximumBackoff: 1, logger: TestPortal.quietLogger, clock: reading) { _ in
            let now = clock.withLock { now in now += AuditWebhookSender.requestTimeout; return now }
            sends.withLock { $0 += 1 }
            if (try? repository.acquireLease("audit-delivery", holder: "another-worker", now: now, duration: 60)) == true {
                takenOver.withLock { $0.append(now) }
            }
            return .init(succeeded: false, code: nil, message: "connection refused")
        }
        sender.deliverDue()
        // The round outlasted a lease several times over, and the lease never ran out under a batch.
        #expect(sends.current == AuditWebhookSender.batchesPerRound)
        #expect(clock.current.timeIntervalSince(admin.portal.now) > 3 * AuditWebhookSender.leaseDuration)
        #expect(takenOver.current.isEmpty)

        // Once another worker holds the lease, this one sends nothing until it runs out.
        #expect(try repository.acquireLease("audit-delivery", holder: "another-worker", now: clock.current.addingTimeInterval(100), duration: 60))
        clock.withLock { $0 = $0.addingTimeInterval(100) }
        sender.deliverDue()
        #expect(sends.current == AuditWebhookSender.batchesPerRound)
    }

    @Test func aReplayWhoseReceiverStaysDownFailsAndANewOneCanStart() throws {
        let admin = try Admin()
        try hooked(admin)
        let now = admin.portal.now
        let range = #"{"start_at":"\#(RFC3339.format(now.addingTimeInterval(-3600)))","end_at":"\#(RFC3339.format(now.addingTimeInterval(30)))"}"#
        let viewer = try ProjectTokensTests.make(ProjectTokenRepository(admin.portal.database), portalID: admin.portal.defaultPortal.id, role: .viewer)
        let editor = try ProjectTokensTests.make(ProjectTokenRepository(admin.portal.database), portalID: admin.portal.defaultPortal.id, role: .editor)
        for token in [viewer, editor] {
            let refused = admin.portal.send("PUT", admin.base + "/audit-log-replay-job", headers: [("Authorization", token), ("Content-Type", "application/json")], body: Array(range.utf8))
            #expect(refused.status == 403)
        }
        #expect(admin.send("PUT", admin.base + "/audit-log-replay-job", range).status == 202)
        #expect(admin.send("PUT", admin.base + "/audit-log-replay-job", range).status == 409)

        let repository = admin.portal.application.services.auditDelivery
        let (clock, reading) = Self.tickingClock(from: now)
        let sender = AuditWebhookSender(repository: repository, maximumBackoff: 1, logger: TestPortal.quietLogger, clock: reading) { _ in
            clock.withLock { $0 += AuditWebhookSender.requestTimeout }
            return .init(succeeded: false, code: nil, message: "connection refused")
        }
        sender.deliverDue()
        // A few minutes of failures: still trying.
        #expect(clock.current.timeIntervalSince(now) < AuditWebhookSender.replayGiveUpAfter)
        #expect(try repository.replayJob(portalID: admin.portal.defaultPortal.id)?.status == "running")
        #expect(admin.send("PUT", admin.base + "/audit-log-replay-job", range).status == 409)
        var rounds = 0
        while try repository.replayJob(portalID: admin.portal.defaultPortal.id)?.status == "running", rounds < 10 {
            sender.deliverDue()
            rounds += 1
        }
        // No progress for replayGiveUpAfter: failed, and says so.
        #expect(clock.current.timeIntervalSince(now) >= AuditWebhookSender.replayGiveUpAfter)
        #expect(admin.send("GET", admin.base + "/audit-log-replay-job").json?["status"] == .string("failed"))
        let restarted = admin.send("PUT", admin.base + "/audit-log-replay-job", range)
        #expect(restarted.status == 202 && restarted.json?["status"] == .string("accepted"))
    }

    @Test func aReplayThatMakesProgressKeepsGoing() throws {
        let admin = try Admin()
        try hooked(admin)
        let now = admin.portal.now
        let range = #"{"start_at":"\#(RFC3339.format(now.addingTimeInterval(-3600)))","end_at":"\#(RFC3339.format(now.addingTimeInterval(30)))"}"#
        #expect(admin.send("PUT", admin.base + "/audit-log-replay-job", range).status == 202)
        let repository = admin.portal.application.services.auditDelivery
        // Long after the give-up time, the first attempt succeeds: the job completes, it is not failed.
        let (_, reading) = Self.tickingClock(from: now.addingTimeInterval(2 * AuditWebhookSender.replayGiveUpAfter))
        let sender = AuditWebhookSender(repository: repository, maximumBackoff: 1, logger: TestPortal.quietLogger, clock: reading) { _ in
            .init(succeeded: true, code: 200, message: "OK")
        }
        sender.deliverDue()
        #expect(try repository.replayJob(portalID: admin.portal.defaultPortal.id)?.status == "completed")
    }

    // MARK: Images

    @Test func imageDataURLsTakeBase64WithOrWithoutTheMarker() {
        let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3]
        let encoded = Data(png).base64EncodedString()
        for url in ["data:image/png;base64,\(encoded)", "data:image/png,\(encoded)"] {
            guard case .success(let (type, bytes)) = ImageDataURL.decode(url, maximumBytes: 1024) else {
                Issue.record("\(url) was refused")
                continue
            }
            #expect(type == "image/png" && bytes == png)
        }
        // Not base64 (RFC 2397 percent-encoding is outside the v2 file's pattern), or other parameters.
        for url in ["data:image/png,%89PNG%0D%0A%1A%0A", "data:image/png;charset=utf-8,\(encoded)", "data:image/png;base64;base64,\(encoded)"] {
            guard case .failure = ImageDataURL.decode(url, maximumBytes: 1024) else {
                Issue.record("\(url) was accepted")
                continue
            }
        }
    }
}
