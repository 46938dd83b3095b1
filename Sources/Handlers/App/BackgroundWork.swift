import Foundation
import Logging
import Storage
import Synchronization

/// The worker's background thread: delivers queued mail (at once when a handler calls `wakeMail`,
/// else every few seconds for retries), sends audit entries to webhooks, and purges expired rows now and then. Handlers only enqueue;
/// SMTP never runs on a request thread. The worker starts it and, when draining, stops and joins it.
public final class BackgroundWork: Sendable {
    private let mailer: Mailer
    private let housekeeping: Housekeeping
    private let auditWebhooks: AuditWebhookSender
    private let throttle: LoginThrottlePolicy
    private let quota: MailQuota
    private let logger: Logger
    /// Signalled to wake the loop (new mail, or stop).
    private let wake = DispatchSemaphore(value: 0)
    /// Signalled once when the loop has returned.
    private let finished = DispatchSemaphore(value: 0)
    private let state = Mutex(State())

    private struct State {
        var started = false
        var stopping = false
    }

    /// Seconds between outbox polls when nothing wakes the loop (retries, other workers' mail).
    static let pollInterval: Double = 2.5
    /// Seconds between housekeeping runs.
    static let housekeepingInterval: TimeInterval = 600

    init(mailer: Mailer, housekeeping: Housekeeping, auditWebhooks: AuditWebhookSender, throttle: LoginThrottlePolicy, quota: MailQuota, logger: Logger) {
        self.mailer = mailer
        self.auditWebhooks = auditWebhooks
        self.housekeeping = housekeeping
        self.throttle = throttle
        self.quota = quota
        self.logger = logger
    }

    /// Starts the thread (once).
    public func start() {
        let first = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        guard first else { return }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "background-work"
        thread.start()
    }

    /// Asks the loop to deliver what is due (mail, audit entries) now.
    public func wakeUp() {
        wake.signal()
    }

    /// Stops the loop after its current step and waits up to `timeout` seconds for it to return;
    /// false if it was still busy (e.g. in a slow SMTP exchange) when the time ran out.
    @discardableResult
    public func stopAndJoin(timeout: TimeInterval) -> Bool {
        let wasStarted = state.withLock { state in
            state.stopping = true
            return state.started
        }
        guard wasStarted else { return true }
        wake.signal()
        return finished.wait(timeout: .now() + timeout) == .success
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func run() {
        // Spread the first housekeeping run so workers started together do not run it together.
        var nextHousekeeping = Date().addingTimeInterval(Double.random(in: 5...60))
        while !stopping {
            mailer.deliverDue()
            auditWebhooks.deliverDue()
            if Date() >= nextHousekeeping {
                do {
                    let purged = try housekeeping.purge(now: Date(), throttle: throttle, quota: quota)
                    logger.debug("housekeeping done", metadata: ["rows.deleted": "\(purged)"])
                } catch {
                    logger.warning("housekeeping failed", metadata: ["error": "\(error)"])
                }
                nextHousekeeping = Date().addingTimeInterval(Self.housekeepingInterval)
            }
            _ = wake.wait(timeout: .now() + Self.pollInterval * Double.random(in: 0.8...1.2))
        }
    }
}
