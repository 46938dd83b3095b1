import Foundation
@testable import Handlers
import Logging
import PortalTesting
import Storage
import Testing

/// The mailer against a real SMTP server on loopback (scripts/smtp-sink.py).
@Suite(.serialized) struct MailerTests {
    /// The Date header is written by hand (a DateFormatter loads ICU); it says what the formatter says.
    @Test func dateHeaderIsRFC5322() {
        let reference = DateFormatter()
        reference.locale = Locale(identifier: "en_US_POSIX")
        reference.timeZone = TimeZone(identifier: "UTC")
        reference.dateFormat = "EEE, dd MMM yyyy HH:mm:ss '+0000'"
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for _ in 0..<5_000 {
            let date = Date(timeIntervalSince1970: Double.random(in: -12_212_553_600..<253_402_300_799, using: &generator))
            if SMTPClient.dateHeader(date) != reference.string(from: date), mismatches.count < 5 {
                mismatches.append("\(date.timeIntervalSince1970): \(SMTPClient.dateHeader(date)) vs \(reference.string(from: date))")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        #expect(SMTPClient.dateHeader(Date(timeIntervalSince1970: 1_796_243_100.9)) == "Wed, 02 Dec 2026 20:25:00 +0000")
    }

    /// Starts the project's SMTP sink on a free port, writing messages into a temp directory.
    final class SMTPSink {
        let process = Process()
        let directory: URL
        let port: Int

        init(failing: [String] = []) throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("smtp-\(UUID().uuidString.prefix(8))")
            port = Int.random(in: 20_000..<60_000)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("scripts/smtp-sink.py").path
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script, "--dir", directory.path, "--port", String(port)] + failing.flatMap { ["--fail-recipient", $0] }
            try process.run()
            for _ in 0..<400 {  // python3 can take seconds to start on a loaded 2-core machine
                if Self.canConnect(port) { return }
                usleep(50_000)
            }
            throw SinkError()
        }

        deinit {
            // SIGKILL: the test runner's children may inherit SIGTERM as ignored.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try? FileManager.default.removeItem(at: directory)
        }

        var messages: [String] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?.filter { $0.hasSuffix(".eml") }.sorted() ?? []
            return names.compactMap { try? String(contentsOf: directory.appendingPathComponent($0), encoding: .utf8) }
        }

        static func canConnect(_ port: Int) -> Bool {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            return withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            } == 0
        }
    }

    struct SinkError: Error {}

    @Test func registrationMailIsDeliveredAndReported() throws {
        let sink = try SMTPSink()
        let settings = HandlerSettings(mail: MailSettings(host: "127.0.0.1", port: sink.port, from: "portal@example.com"))
        let portal = try TestPortal(settings: settings, emailVerification: true)
        let response = portal.sendForm("POST", "/api/v1/register", [("email", "vera@example.com"), ("password", "correct horse"), ("meta", #"{"full_name":"V"}"#)])
        #expect(response.json?["email"]?["sent"] == .object([("emails", .object([("vera@example.com", .bool(true))])), ("count", .int(1))]))
        let message = try #require(sink.messages.first)
        #expect(message.contains("X-Envelope-To: vera@example.com"))
        #expect(message.contains("From: portal@example.com"))
        #expect(message.contains("Subject: Verify your Test Portal account"))
        #expect(message.contains("/account/verify?token=ey"))
        // Delivered mail is scrubbed from the outbox: it carried a single-use link.
        let stored = try #require(try portal.outbox(to: "vera@example.com").first)
        #expect(stored.sentAt != nil && stored.body.isEmpty)
    }

    @Test func refusedMailIsRetriedWithBackoff() throws {
        let sink = try SMTPSink(failing: ["bounce@example.com"])
        let portal = try TestPortal(settings: HandlerSettings(mail: MailSettings(host: "127.0.0.1", port: sink.port)), autoApprove: false)
        let response = portal.sendForm("POST", "/api/v1/register", [("email", "bounce@example.com"), ("password", "correct horse"), ("meta", #"{"full_name":"B"}"#)])
        let reason = try #require(response.json?["email"]?["error"]?["emails"]?["bounce@example.com"]?.stringValue)
        // The SMTP reply (relay names, codes) stays in the log and the outbox, never in the reply.
        #expect(!reason.contains("550") && !reason.contains("127.0.0.1"))
        let failed = try #require(try portal.outbox(to: "bounce@example.com").first)
        #expect(failed.attempts == 1 && failed.sentAt == nil && failed.lastError?.contains("550") == true)
        #expect(failed.nextAttemptAt.timeIntervalSince(portal.now) >= 29)

        let mailer = Mailer(settings: MailSettings(host: "127.0.0.1", port: sink.port), outbox: OutboxRepository(portal.database), logger: TestPortal.quietLogger)
        #expect(mailer.deliverDue(now: portal.now) == 0)  // not due yet
        #expect(try portal.outbox(to: "bounce@example.com").first?.attempts == 1)
        #expect(mailer.deliverDue(now: portal.now.addingTimeInterval(31)) == 0)  // due, refused again
        #expect(try portal.outbox(to: "bounce@example.com").first?.attempts == 2)
    }

    @Test func unreachableServerLeavesMailQueued() throws {
        let portal = try TestPortal(settings: HandlerSettings(mail: MailSettings(host: "127.0.0.1", port: 9, timeout: 2)), autoApprove: false)
        let response = portal.sendForm("POST", "/api/v1/register", [("email", "later@example.com"), ("password", "correct horse"), ("meta", #"{"full_name":"L"}"#)])
        #expect(response.status == 200)
        #expect(response.json?["email"]?["error"]?["count"] == .int(1))
        let queued = try #require(try portal.outbox(to: "later@example.com").first)
        #expect(queued.sentAt == nil && queued.body.contains("administrator"))
    }
}
