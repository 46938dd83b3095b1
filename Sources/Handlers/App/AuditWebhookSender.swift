import CLazyLibraries
import Foundation
import Logging
import Storage

/// Sends audit entries to the portals' webhooks from the background thread: JSON batches POSTed to the
/// destination, at least once (an entry counts as delivered only after a 2xx, so a failed batch is sent
/// again), retried with exponential backoff up to `maximumBackoff`. One worker at a time sends (a lease
/// in the database, renewed before every batch for longer than a batch can take), so two workers never
/// send the same entries.
final class AuditWebhookSender: Sendable {
    /// Sends one batch; the tests' stand-in for the network.
    typealias Transport = @Sendable (AuditDelivery) -> Outcome

    private let repository: AuditDeliveryRepository
    private let maximumBackoff: TimeInterval
    private let logger: Logger
    private let clock: @Sendable () -> Date
    private let transport: Transport
    /// This worker's name in the lease table.
    private let holder = "\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))"

    static let batchSize = 100
    /// Batches sent per wake-up, so mail delivery and shutdown are never held up for long.
    static let batchesPerRound = 20
    static let requestTimeout: TimeInterval = 10
    /// How long the lease runs from each renewal: a batch (at most `requestTimeout`, plus its two short
    /// writes) ends well within it, so no other worker can take the lease while a batch is in flight.
    static let leaseDuration: TimeInterval = 60
    /// A replay job that has made no progress for this long (its receiver stays down or keeps failing)
    /// is failed at its next failed attempt, so a new replay can be started.
    static let replayGiveUpAfter: TimeInterval = 900

    init(repository: AuditDeliveryRepository, maximumBackoff: TimeInterval, logger: Logger,
         clock: @escaping @Sendable () -> Date = { Date() }, transport: Transport? = nil) {
        self.repository = repository
        self.maximumBackoff = maximumBackoff
        self.logger = logger
        self.clock = clock
        self.transport = transport ?? Self.send
    }

    /// Sends what is due, if this worker holds (or can take) the delivery lease. The lease is renewed
    /// before each batch; a worker that could not renew it (another took it over) stops at once.
    func deliverDue() {
        do {
            guard try repository.hasDeliveries() else { return }
            for _ in 0..<Self.batchesPerRound {
                guard try repository.acquireLease("audit-delivery", holder: holder, now: clock(), duration: Self.leaseDuration),
                      let delivery = try repository.nextDelivery(now: clock(), limit: Self.batchSize)
                else { return }
                let outcome = transport(delivery)
                try repository.recordAttempt(delivery, succeeded: outcome.succeeded, code: outcome.code, message: outcome.message,
                                             now: clock(), retryAfter: backoff, replayGiveUpAfter: Self.replayGiveUpAfter)
                if !outcome.succeeded {
                    logger.warning("audit webhook delivery failed", metadata: [
                        "portal.id": "\(delivery.portalID)", "destination.id": "\(delivery.destination.id)", "error": "\(outcome.message)",
                    ])
                }
            }
        } catch {
            logger.warning("audit webhook delivery skipped", metadata: ["error": "\(error)"])
        }
    }

    /// 1 s, 2 s, 4 s, … up to the configured maximum.
    func backoff(_ failures: Int) -> TimeInterval {
        min(maximumBackoff, pow(2, Double(min(failures, 30) - 1)))
    }

    struct Outcome {
        var succeeded: Bool
        var code: Int?
        var message: String
    }

    private static func send(_ delivery: AuditDelivery) -> Outcome {
        guard let url = URL(string: delivery.destination.endpoint), url.scheme == "https" || url.scheme == "http" else {
            return Outcome(succeeded: false, code: nil, message: "the destination's endpoint is not an http(s) URL")
        }
        var headers = ["Content-Type: application/json", "User-Agent: portal-fcgi audit-log webhook"]
        if let authorization = delivery.destination.authorization {
            headers.append("Authorization: \(authorization)")
        }
        let body = JSON.array(delivery.entries.map(Self.json)).bytes
        switch OutboundHTTP.post(url: url.absoluteString, headers: headers, body: body, timeoutSeconds: Int(Self.requestTimeout)) {
        case .success(let status):
            let reason = Response.reasonPhrases[status] ?? "HTTP \(status)"
            return Outcome(succeeded: (200...299).contains(status), code: status, message: reason)
        case .failure(let failure):
            return Outcome(succeeded: false, code: nil, message: failure.message)
        }
    }

    /// An audit entry as the webhook receives it.
    static func json(_ entry: DeliverableAuditEntry) -> JSON {
        .object([
            ("id", .int(entry.id)), ("portal_id", .string(entry.portalID)), ("timestamp", .timestamp(entry.createdAt)),
            ("action", .string(entry.action)), ("target_type", .string(entry.targetType)), ("target_id", .string(entry.targetID)),
            ("outcome", .string(entry.outcome)), ("token_id", .string(entry.tokenID)),
            ("client_address", entry.clientAddress.map { .string($0) } ?? .null),
        ])
    }
}
