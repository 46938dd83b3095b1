import Foundation
import Handlers
import PortalTesting
import Storage
import Testing

/// The developer API's defences (issue 6) in process: the per-account throttle and its backoff,
/// re-authentication for an email change, email syntax that cannot reach SMTP commands.
@Suite struct HardeningTests {
    static let throttled = HandlerSettings(loginThrottle: LoginThrottlePolicy(freeFailures: 3, firstDelay: 10, maximumDelay: 40))

    @Test func failuresBeyondTheFreeOnesLockTheAccountWithADoublingDelay() throws {
        let portal = try TestPortal(settings: Self.throttled)
        portal.now = Fixture.start
        _ = try portal.registerAndLogIn()
        for _ in 0..<3 { #expect(portal.login(password: "wrong password").status == 401) }
        let locked = portal.login()
        #expect(locked.status == 429)
        #expect(locked.headers["Retry-After"] == "10")
        portal.now = Fixture.start + 11
        #expect(portal.login(password: "wrong again").status == 401)  // 4th failure: 20 s
        #expect(portal.login().headers["Retry-After"] == "20")
        portal.now = Fixture.start + 32
        #expect(portal.login(password: "and again").status == 401)  // 5th: 40 s, the cap
        portal.now = Fixture.start + 33
        #expect(portal.login().headers["Retry-After"] == "39")
        portal.now = Fixture.start + 80
        #expect(portal.login(password: "once more").status == 401)  // 6th: still the cap
        #expect(portal.login().headers["Retry-After"] == "40")
        portal.now = Fixture.start + 121
        #expect(portal.login().status == 204)
        // A success starts the count over: three free failures again.
        for _ in 0..<2 { #expect(portal.login(password: "wrong password").status == 401) }
        #expect(portal.login().status == 204)
        // Every try is counted before hashing; a success takes its own count back (with the session).
        for _ in 0..<6 { #expect(portal.login().status == 204) }
        for _ in 0..<2 { #expect(portal.login(password: "wrong password").status == 401) }
        #expect(portal.login().status == 204)
    }

    @Test func failuresAreForgottenAfterAnHour() throws {
        let portal = try TestPortal(settings: Self.throttled)
        portal.now = Fixture.start
        _ = try portal.registerAndLogIn()
        for _ in 0..<2 { #expect(portal.login(password: "wrong password").status == 401) }
        portal.now = Fixture.start + 3601
        for _ in 0..<2 { #expect(portal.login(password: "wrong password").status == 401) }
        #expect(portal.login().status == 204)  // 2 + 2 failures, never 3 within the hour
    }

    @Test func unknownAndKnownAddressesAreThrottledAlike() throws {
        let portal = try TestPortal(settings: Self.throttled)
        portal.now = Fixture.start
        _ = try portal.registerAndLogIn()
        let known = (0..<4).map { _ in portal.login(password: "wrong password").status }
        let unknown = (0..<4).map { _ in portal.login(email: "nobody@example.com", password: "wrong password").status }
        #expect(known == [401, 401, 401, 429] && unknown == known)
    }

    @Test func emailChangeAfterTheReauthenticationWindowNeedsThePassword() throws {
        let portal = try TestPortal()
        portal.now = Fixture.start
        let cookie = try portal.registerAndLogIn()
        portal.now = Fixture.start + 901
        let stale = portal.sendForm("PATCH", "/api/v1/developer/email", [("email", "new@example.com")], headers: [("Cookie", "portal_session=\(cookie)")])
        #expect(stale.status == 401)
        #expect(stale.json?["message"]?.stringValue?.contains("password") == true)
        let withPassword = portal.sendForm(
            "PATCH", "/api/v1/developer/email", [("email", "new@example.com"), ("password", Fixture.password)],
            headers: [("Cookie", "portal_session=\(cookie)")])
        #expect(withPassword.status == 200)
        #expect(withPassword.json?["email"] == .string("new@example.com"))
        // The old address was told, at the portal's configured origin.
        let notice = try #require(try portal.outbox(to: Fixture.email).last)
        #expect(notice.body.contains("new@example.com") && notice.body.contains("https://localhost/account/forgot-password"))
    }

    @Test(arguments: [
        "a\u{0}b@example.com", "a\rb@example.com", "a\nb@example.com", "a@example.com>", "<a@example.com",
        "a\u{7f}@example.com", "a,b@example.com", "a;b@example.com", "a\"b\"@example.com", "a\u{2028}b@example.com",
    ])
    func addressesThatCouldBreakSMTPAreRefused(_ address: String) throws {
        let portal = try TestPortal()
        let response = portal.register(email: address)
        #expect(response.status == 400)
        #expect(response.json?["fields"]?["email"] == .string("invalid email address"))
    }

    @Test func verificationTokensOfAnotherPortalAreNeitherUsedNorSpent() throws {
        let portal = try TestPortal(emailVerification: true)
        portal.register(email: "vera@example.com")
        let token = try #require(try portal.mailedToken(to: "vera@example.com"))
        let other = Portal(name: "Other", defaultDomain: "other.example", createdAt: Fixture.start)
        try PortalRepository(portal.database).create(other)
        let elsewhere = portal.sendForm("POST", "/api/v1/verify-account", [("token", token)], host: "other.example")
        #expect(elsewhere.status == 401)
        #expect(portal.sendForm("POST", "/api/v1/verify-account", [("token", token)]).status == 200)
    }
}

/// The worker's background thread: woken by handlers, stopped and joined when the worker drains.
@Suite struct BackgroundWorkTests {
    @Test func queuedMailIsDeliveredWhenWokenAndTheThreadJoinsOnStop() throws {
        let sink = try MailerTests.SMTPSink(failing: [])
        let portal = try TestPortal(settings: HandlerSettings(mail: MailSettings(host: "127.0.0.1", port: sink.port)))
        let background = portal.application.services.background
        background.start()
        _ = try portal.registerAndLogIn()
        #expect(portal.sendForm("POST", "/api/v1/forgot-password", [("email", Fixture.email)]).status == 200)
        let deadline = Date().addingTimeInterval(2)  // well inside the 2.5 s poll: the wake delivered it
        while sink.messages.isEmpty, Date() < deadline { usleep(10_000) }
        #expect(sink.messages.count == 1)
        #expect(background.stopAndJoin(timeout: 5))
    }

    @Test func stoppingAThreadThatNeverStartedReturnsAtOnce() throws {
        let portal = try TestPortal()
        #expect(portal.application.services.background.stopAndJoin(timeout: 0.1))
    }
}
