import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// Seed 000 account flows (verification, password reset) and the developer's own account.
@Suite struct AccountTests {
    static let password = "correct horse battery"

    func register(_ portal: TestPortal, _ email: String, password: String = AccountTests.password) -> TestResponse {
        portal.sendForm("POST", "/api/v1/register", [("email", email), ("password", password), ("meta", #"{"full_name":"Vera"}"#)])
    }

    func login(_ portal: TestPortal, _ email: String, _ password: String = AccountTests.password) -> TestResponse {
        let basic = Data("\(email):\(password)".utf8).base64EncodedString()
        return portal.send("GET", "/api/v1/auth", headers: [("Authorization", "Basic \(basic)")])
    }

    func cookie(_ value: String?) -> [(String, String)] { [("Cookie", "portal_session=\(value ?? "")")] }

    @Test func verificationPortalRegistersUnverifiedAndQueuesMail() throws {
        let portal = try TestPortal(emailVerification: true)
        let response = register(portal, "vera@example.com")
        #expect(response.status == 200)
        #expect(response.json?["developer"]?["status"] == .int(5))
        // No SMTP server configured: the report says the mail was not sent, without SMTP details.
        #expect(response.json?["email"]?["sent"] == .object([("emails", .object([])), ("count", .int(0))]))
        #expect(response.json?["email"]?["error"]?["count"] == .int(1))
        #expect(response.json?["email"]?["error"]?["emails"]?["vera@example.com"] == .string("the email could not be delivered now; it will be retried"))
        let mail = try #require(try portal.outbox(to: "vera@example.com").first)
        #expect(mail.subject == "Verify your Test Portal account")
        #expect(mail.sentAt == nil && mail.attempts == 1)
        #expect(login(portal, "vera@example.com").status == 401)
    }

    @Test func verifyingApprovesThenTokenIsSpent() throws {
        let portal = try TestPortal(emailVerification: true)
        _ = register(portal, "vera@example.com")
        let token = try #require(try portal.mailedToken(to: "vera@example.com"))
        let verified = portal.sendForm("POST", "/api/v1/verify-account", [("token", token)])
        #expect(verified.status == 200)
        #expect(verified.json == .object([("status", .int(0))]))
        #expect(login(portal, "vera@example.com").status == 204)
        let again = portal.sendForm("POST", "/api/v1/verify-account", [("token", token)])
        #expect(again.status == 401)
        #expect(again.json == .object([("message", .string("Unauthorized"))]))
    }

    @Test func verifyingWithoutAutoApproveLeavesThePendingState() throws {
        let portal = try TestPortal(autoApprove: false, emailVerification: true)
        _ = register(portal, "pat@example.com")
        let token = try #require(try portal.mailedToken(to: "pat@example.com"))
        let verified = portal.sendForm("POST", "/api/v1/verify-account", [("token", token)])
        #expect(verified.json == .object([("status", .int(1))]))
        #expect(login(portal, "pat@example.com").json?["message"] == .string("Your account is pending approval"))
    }

    @Test func expiredForgedAndMissingTokensAreRefused() throws {
        let portal = try TestPortal(emailVerification: true)
        _ = register(portal, "vera@example.com")
        let token = try #require(try portal.mailedToken(to: "vera@example.com"))

        let missing = portal.sendForm("POST", "/api/v1/verify-account", [])
        #expect(missing.status == 400)
        #expect(missing.json == .object([("message", .string("token is required"))]))

        var forged = Array(token)
        forged[forged.count - 2] = forged[forged.count - 2] == "A" ? "B" : "A"
        #expect(portal.sendForm("POST", "/api/v1/verify-account", [("token", String(forged))]).status == 401)

        portal.now = portal.now.addingTimeInterval(25 * 3600)
        #expect(portal.sendForm("POST", "/api/v1/verify-account", [("token", token)]).status == 401)
    }

    @Test func aResetTokenCannotVerifyAnAccount() throws {
        let portal = try TestPortal()
        _ = register(portal, "rita@example.com")
        #expect(portal.sendForm("POST", "/api/v1/forgot-password", [("email", "rita@example.com")]).status == 200)
        let resetToken = try #require(try portal.mailedToken(to: "rita@example.com"))
        #expect(portal.sendForm("POST", "/api/v1/verify-account", [("token", resetToken)]).status == 401)
        #expect(portal.sendForm("POST", "/api/v1/validate-reset", [("token", resetToken)]).status == 200)
    }

    @Test func resendReplacesTheTokenAndInvalidateSpendsIt() throws {
        let portal = try TestPortal(emailVerification: true)
        _ = register(portal, "vera@example.com")
        let first = try #require(try portal.mailedToken(to: "vera@example.com"))
        #expect(portal.sendForm("POST", "/api/v1/resend-account-verification", [("email", "vera@example.com")]).status == 204)
        let second = try #require(try portal.mailedToken(to: "vera@example.com"))
        #expect(first != second)
        #expect(portal.sendForm("POST", "/api/v1/verify-account", [("token", first)]).status == 401)
        #expect(portal.sendForm("POST", "/api/v1/invalidate-account-verification", [("token", second)]).status == 204)
        #expect(portal.sendForm("POST", "/api/v1/verify-account", [("token", second)]).status == 401)
        // Unknown or already verified addresses: the same 204, and no mail.
        #expect(portal.sendForm("POST", "/api/v1/resend-account-verification", [("email", "nobody@example.com")]).status == 204)
        #expect(try portal.outbox(to: "nobody@example.com").isEmpty)
    }

    @Test func resetPasswordEndsSessionsAndIsSingleUse() throws {
        let portal = try TestPortal()
        _ = register(portal, "rita@example.com")
        let session = login(portal, "rita@example.com").sessionCookie
        #expect(portal.sendForm("POST", "/api/v1/forgot-password", [("email", "rita@example.com")]).status == 200)
        let token = try #require(try portal.mailedToken(to: "rita@example.com"))

        let short = portal.sendForm("POST", "/api/v1/reset-password", [("token", token), ("password", "short")])
        #expect(short.status == 400)
        #expect(short.json?["fields"]?["password"] == .string("password must be at least 8 characters"))

        #expect(portal.sendForm("POST", "/api/v1/reset-password", [("token", token), ("password", "new passphrase")]).status == 200)
        #expect(portal.send("GET", "/api/v1/developer", headers: cookie(session)).status == 401)
        #expect(login(portal, "rita@example.com").status == 401)
        #expect(login(portal, "rita@example.com", "new passphrase").status == 204)
        #expect(portal.sendForm("POST", "/api/v1/reset-password", [("token", token), ("password", "third passphrase")]).status == 401)
    }

    @Test func resetTokensExpireAfterAnHour() throws {
        let portal = try TestPortal()
        _ = register(portal, "rita@example.com")
        _ = portal.sendForm("POST", "/api/v1/forgot-password", [("email", "rita@example.com")])
        let token = try #require(try portal.mailedToken(to: "rita@example.com"))
        portal.now = portal.now.addingTimeInterval(3601)
        #expect(portal.sendForm("POST", "/api/v1/validate-reset", [("token", token)]).status == 401)
    }

    @Test func forgotPasswordAnswersTheSameForStrangers() throws {
        let portal = try TestPortal()
        let response = portal.sendForm("POST", "/api/v1/forgot-password", [("email", "nobody@example.com")])
        #expect(response.status == 200)
        #expect(response.response.body.isEmpty)
        #expect(try portal.outbox(to: "nobody@example.com").isEmpty)
    }

    @Test func changePasswordChecksTheOldOne() throws {
        let portal = try TestPortal()
        _ = register(portal, "cam@example.com")
        let session = login(portal, "cam@example.com").sessionCookie
        let wrong = portal.sendForm("PATCH", "/api/v1/developer/password", [("old_password", "nope nope"), ("password", "new passphrase")], headers: cookie(session))
        #expect(wrong.status == 400)
        #expect(wrong.json == .object([("message", .string("Old password is invalid"))]))
        let changed = portal.sendForm("PATCH", "/api/v1/developer/password", [("old_password", Self.password), ("password", "new passphrase")], headers: cookie(session))
        #expect(changed.status == 204)
        #expect(portal.send("GET", "/api/v1/developer", headers: cookie(session)).status == 401)
        #expect(portal.send("GET", "/api/v1/developer", headers: cookie(changed.sessionCookie)).status == 200)
    }

    @Test func changeEmailKeepsAddressesUnique() throws {
        let portal = try TestPortal()
        _ = register(portal, "one@example.com")
        _ = register(portal, "two@example.com")
        let session = login(portal, "one@example.com").sessionCookie
        let taken = portal.sendForm("PATCH", "/api/v1/developer/email", [("email", "TWO@example.com")], headers: cookie(session))
        #expect(taken.status == 409)
        #expect(taken.json?["code"] == .int(5))
        let changed = portal.sendForm("PATCH", "/api/v1/developer/email", [("email", "uno@example.com")], headers: cookie(session))
        #expect(changed.status == 200)
        #expect(changed.json?["email"] == .string("uno@example.com"))
        #expect(login(portal, "uno@example.com").status == 204)
    }

    @Test func changeMetaMergesAndValidates() throws {
        let portal = try TestPortal()
        _ = register(portal, "mia@example.com")
        let session = login(portal, "mia@example.com").sessionCookie
        #expect(portal.sendForm("PATCH", "/api/v1/developer/meta", [("meta", #"{"full_name":"Mia M"}"#)], headers: cookie(session)).status == 200)
        let developer = portal.send("GET", "/api/v1/developer", headers: cookie(session))
        #expect(developer.json?["meta"] == .string(#"{"full_name":"Mia M"}"#))
        let unknown = portal.sendForm("PATCH", "/api/v1/developer/meta", [("meta", #"{"age":"3"}"#)], headers: cookie(session))
        #expect(unknown.status == 400)
        #expect(unknown.json?["fields"]?["meta"] == .object([("age", .string("unknown field"))]))
    }

    @Test func deleteRemovesTheAccountAndItsSessions() throws {
        let portal = try TestPortal()
        _ = register(portal, "del@example.com")
        let session = login(portal, "del@example.com").sessionCookie
        let deleted = portal.send("DELETE", "/api/v1/developer", headers: cookie(session))
        #expect(deleted.status == 204)
        #expect(deleted.headers.values("set-cookie").contains { $0.contains("Max-Age=0") })
        #expect(portal.send("GET", "/api/v1/developer", headers: cookie(session)).status == 401)
        #expect(try DeveloperRepository(portal.database).find(portalID: portal.defaultPortal.id, email: "del@example.com") == nil)
        #expect(register(portal, "del@example.com").status == 200)
    }

    @Test func metaFieldsArePublic() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/api/v1/developer/meta_fields")
        #expect(response.status == 200)
        #expect(response.text == #"[{"title":"full_name","label":"Full Name","is_email":false,"validator":{"type":"string","required":true}}]"#)
    }

    @Test func filesListChecksumsAndPages() throws {
        let portal = try TestPortal()
        try FileRepository(portal.database).syncDefaultFiles(portalID: portal.defaultPortal.id, files: [("a.css", "body{}"), ("b.html", "<p>b</p>"), ("c.js", "1")])
        let all = portal.send("GET", "/api/v1/files")
        #expect(all.status == 200)
        guard case .array(let items)? = all.json?["data"] else { Issue.record("no data"); return }
        #expect(items.count == 3)
        #expect(items.first?["path"] == .string("a.css"))
        #expect(items.first?["checksum"] == .string("7c98040a541657584690ae2a1cc3b42a8b53b159cc60c5d3abbfecbaeac6c94a"))  // sha256sum of "body{}"
        #expect(all.json?["next"] == .null)
        let first = portal.send("GET", "/api/v1/files?size=2")
        let offset = try #require(first.json?["offset"]?.stringValue)
        #expect(first.json?["next"] == .string("/files?size=2&offset=\(offset)"))
        let second = portal.send("GET", "/api/v1/files?size=2&offset=\(offset)")
        #expect(second.json?["data"]?.arrayCount == 1)
        #expect(second.json?["data"]?.firstPath == "c.js")
    }
}

extension JSON {
    var arrayCount: Int? { if case .array(let items) = self { items.count } else { nil } }
    var firstPath: String? { if case .array(let items) = self { items.first?["path"]?.stringValue } else { nil } }
}
