import Foundation
import Logging
import Storage

/// Delivers outbox messages over SMTP: at once after the request that wrote them (so the
/// developer API can report what happened), and later by the sender loop for retries.
public struct Mailer: Sendable {
    /// What happened to one message.
    public enum Outcome: Sendable, Equatable {
        case sent
        case failed(String)
        /// Another sender holds the message, or it was already delivered.
        case notClaimed
    }

    let settings: MailSettings
    let outbox: OutboxRepository
    let logger: Logger

    public init(settings: MailSettings, outbox: OutboxRepository, logger: Logger) {
        self.settings = settings
        self.outbox = outbox
        self.logger = logger
    }

    /// Tries to deliver message `id` now.
    public func deliver(id: Int64, now: Date = Date()) -> Outcome {
        do {
            guard let message = try outbox.claim(id: id, now: now) else { return .notClaimed }
            return attempt(message, now: now)
        } catch {
            logger.warning("outbox unavailable", metadata: ["error": "\(error)"])
            return .failed("outbox unavailable")
        }
    }

    /// Delivers every due message (the sender loop). Returns how many were sent.
    @discardableResult
    public func deliverDue(now: Date = Date()) -> Int {
        guard settings.host != nil else { return 0 }
        do {
            return try outbox.claimDue(now: now).reduce(0) { sent, message in
                sent + (attempt(message, now: now) == .sent ? 1 : 0)
            }
        } catch {
            logger.warning("outbox unavailable", metadata: ["error": "\(error)"])
            return 0
        }
    }

    private func attempt(_ message: OutboxMessage, now: Date) -> Outcome {
        guard let id = message.id else { return .notClaimed }
        do {
            try SMTPClient(settings: settings).send(to: message.recipient, subject: message.subject, body: message.body, date: now)
            try outbox.markSent(id: id, now: now)
            logger.info("mail sent", metadata: ["outbox.id": "\(id)"])
            return .sent
        } catch {
            let reason = "\(error)"
            try? outbox.markFailed(id: id, error: reason, now: now)
            logger.warning("mail not sent", metadata: ["outbox.id": "\(id)", "error": "\(reason)"])
            return .failed(reason)
        }
    }
}
