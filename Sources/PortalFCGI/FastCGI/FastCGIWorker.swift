import CFastCGI
import Foundation
import Handlers
import Logging
import Synchronization

/// One worker process: `threads` threads accept FastCGI connections on fd 0 (the socket the
/// supervisor passed down) with libfcgi's reentrant API and answer them with `Application`.
///
/// Recycling after `maxRequests` overlaps: the worker asks its supervisor for a replacement (a line on
/// the readiness pipe) and keeps serving until the supervisor retires it, once the replacement accepts;
/// without an answer within `recycleGrace` (or without a supervisor) it stops by itself.
///
/// Shutdown (SIGTERM/SIGINT/SIGHUP from the supervisor, or SIGUSR2 after `maxRequests`): the main
/// thread takes the signal with `sigwait`, sets `stopping`, and wakes the threads blocked in
/// `accept` with SIGUSR1 (a no-op handler without SA_RESTART; requests are initialised with
/// FCGI_FAIL_ACCEPT_ON_INTR so libfcgi returns instead of retrying). Threads busy with a request
/// finish it first. `FCGX_ShutdownPending` is not used: it makes libfcgi fail every later read,
/// which would cut the bodies of in-flight requests.
final class FastCGIWorker: @unchecked Sendable {
    struct Settings {
        var threads: Int
        var maxRequests: Int
        var maxBodyBytes: Int
        var gracefulTimeout: TimeInterval
        /// Requests taking longer are logged with route, duration and pid; 0 = off.
        var slowlogTimeout: TimeInterval = 0
    }

    /// Where this worker reports its threads' states and counters, when started by a supervisor.
    struct ScoreboardPlace {
        let board: Scoreboard
        let slot: Int
    }

    /// What each accept thread is doing; the main thread wakes only those in `accepting`.
    final class ThreadSlot: @unchecked Sendable {
        static let accepting = 0, busy = 1, finished = 2
        let state = Atomic<Int>(ThreadSlot.accepting)
        var thread = pthread_t()
        let index: Int
        init(index: Int) { self.index = index }
    }

    private let application: Application
    private let settings: Settings
    private let logger: Logger
    private let scoreboard: ScoreboardPlace?
    private let stopping = Atomic<Bool>(false)
    private let served = Atomic<Int>(0)
    private var slots: [ThreadSlot] = []
    /// The readiness pipe to the supervisor, kept open for the recycle request; -1 without one.
    private var supervisorPipe: Int32 = -1
    /// When this worker asked to be replaced (monotonic nanoseconds; 0: not yet).
    private let recycleRequestedAt = Atomic<Int64>(0)
    /// How long a worker that asked to be replaced waits to be retired before it stops by itself.
    static let recycleGrace: Int64 = 30_000_000_000

    /// Signals that stop the worker; they must be blocked before any thread starts (see `main`).
    static let stopSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGUSR2, SIGQUIT]
    static let wakeSignal = SIGUSR1

    init(application: Application, settings: Settings, logger: Logger, scoreboard: ScoreboardPlace? = nil) {
        self.application = application
        self.settings = settings
        self.logger = logger
        self.scoreboard = scoreboard
    }

    /// Serves until a stop signal (or until `supervisor` is gone), then drains.
    /// Returns the process exit status.
    func run(supervisor: pid_t?, readyDescriptor: Int32?) -> Int32 {
        if supervisor != nil, let readyDescriptor { supervisorPipe = readyDescriptor }
        guard FCGX_Init() == 0 else {
            logger.critical("FCGX_Init failed")
            return 1
        }
        // FCGX_Init installed its own SIGUSR1/SIGTERM handlers; replace the wake signal's.
        Signals.installInterruptingNoOp(Self.wakeSignal)
        Signals.ignore(SIGPIPE)

        for index in 0..<settings.threads {
            let slot = ThreadSlot(index: index)
            slots.append(slot)
            let box = Unmanaged.passRetained(ThreadStart(worker: self, slot: slot))
            let created = pthread_create(&slot.thread, nil, { argument in
                guard let argument else { return nil }
                let start = Unmanaged<ThreadStart>.fromOpaque(argument).takeRetainedValue()
                start.worker.acceptLoop(start.slot)
                return nil
            }, box.toOpaque())
            if created != 0 {
                box.release()
                logger.critical("cannot start accept thread", metadata: ["thread.index": "\(index)", "errno": "\(created)"])
                return 1
            }
        }
        application.services.background.start()
        logger.info("worker ready", metadata: ["worker.threads": "\(settings.threads)"])
        if let readyDescriptor {
            // Tells the supervisor this worker accepts, so a reload (or a recycle) can retire the old one.
            FileDescriptor.writeAll(readyDescriptor, Array("\(getpid())\n".utf8))
        }

        var reason = ""
        while reason.isEmpty {
            if let received = Signals.wait(for: Self.stopSignals, timeout: 1) {
                reason = received == SIGUSR2 ? "max_requests reached" : "signal " + Signals.name(received)
            } else if let supervisor, getppid() != supervisor {
                reason = "supervisor gone"  // never outlive the pool (no orphan holding the socket)
            } else if case let asked = recycleRequestedAt.load(ordering: .relaxed), asked > 0,
                      Scoreboard.monotonicNanos() - asked > Self.recycleGrace {
                reason = "max_requests reached, no replacement started"
            }
        }
        logger.info("worker stopping", metadata: ["reason": "\(reason)", "requests.served": "\(served.load(ordering: .relaxed))"])
        return drain() ? 0 : 1
    }

    /// Stops accepting, lets busy threads finish (up to the graceful timeout) and joins them.
    private func drain() -> Bool {
        stopping.store(true, ordering: .sequentiallyConsistent)
        let deadline = Date().addingTimeInterval(settings.gracefulTimeout)
        while slots.contains(where: { $0.state.load(ordering: .acquiring) != ThreadSlot.finished }) {
            if Date() > deadline {
                logger.warning("graceful timeout: exiting with requests in flight")
                return false
            }
            // Repeated because a thread may be between its `stopping` check and `accept`.
            for slot in slots where slot.state.load(ordering: .acquiring) == ThreadSlot.accepting {
                pthread_kill(slot.thread, Self.wakeSignal)
            }
            usleep(20_000)
        }
        for slot in slots { pthread_join(slot.thread, nil) }
        let remaining = max(1, deadline.timeIntervalSinceNow)
        if !application.services.background.stopAndJoin(timeout: remaining) {
            logger.warning("graceful timeout: background work still running")
            return false
        }
        logger.info("worker drained", metadata: ["requests.served": "\(served.load(ordering: .relaxed))"])
        return true
    }

    private func acceptLoop(_ slot: ThreadSlot) {
        // libfcgi keeps pointers into the request: it must live at a stable address.
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        defer {
            request.deallocate()
            slot.state.store(ThreadSlot.finished, ordering: .releasing)
        }
        FCGX_InitRequest(request, 0, FCGI_FAIL_ACCEPT_ON_INTR)
        var recorder = scoreboard.flatMap { place in
            place.board.threadEntry(slot: place.slot, thread: slot.index).map(ScoreboardRecorder.init(entry:))
        }
        while true {
            slot.state.store(ThreadSlot.accepting, ordering: .releasing)
            if stopping.load(ordering: .sequentiallyConsistent) { break }
            let accepted = FCGX_Accept_r(request)
            slot.state.store(ThreadSlot.busy, ordering: .releasing)
            if accepted < 0 {
                if stopping.load(ordering: .sequentiallyConsistent) { break }
                if accepted != -EINTR {
                    logger.warning("accept failed", metadata: ["errno": "\(-accepted)"])
                    usleep(10_000)
                }
                continue
            }
            let outcome = serve(request, recorder: recorder)
            FCGX_Finish_r(request)
            recorder?.end(
                method: outcome.method, status: outcome.status, route: outcome.route,
                durationNanos: outcome.durationNanos, slow: outcome.slow)
            let count = served.wrappingAdd(1, ordering: .relaxed).newValue
            if settings.maxRequests > 0, count == settings.maxRequests {
                if supervisorPipe >= 0 {
                    // Keep serving: the pool never runs a worker short while the replacement starts.
                    recycleRequestedAt.store(Scoreboard.monotonicNanos(), ordering: .relaxed)
                    logger.info("max_requests reached: asking the supervisor for a replacement")
                    FileDescriptor.writeAll(supervisorPipe, Array("recycle \(getpid())\n".utf8))
                } else {
                    // Stop taking connections now, before this thread loops back into accept: a connection
                    // accepted while the main thread is already waking threads with SIGUSR1 could be cut.
                    stopping.store(true, ordering: .sequentiallyConsistent)
                    kill(getpid(), SIGUSR2)  // recycle: the main thread drains and exits
                }
            }
        }
        FCGX_Free(request, 1)
    }

    /// What one served request was, for the scoreboard.
    struct Served {
        let method: String
        let status: Int
        let route: String
        let durationNanos: Int64
        let slow: Bool
    }

    /// Reads one request from libfcgi, answers it and writes the response. Every log line of the
    /// request carries its id (nginx's `$request_id`, passed as REQUEST_ID), which the response
    /// returns as `X-Request-Id`.
    private func serve(_ request: UnsafeMutablePointer<FCGX_Request>, recorder: ScoreboardRecorder?) -> Served {
        let started = Scoreboard.monotonicNanos()
        let params = Self.params(of: request)
        let summary = params.summary
        recorder?.begin(startedNanos: started, method: summary.method, path: summary.path, requestID: summary.requestID)
        return RequestLogContext.$requestID.withValue(summary.requestID) {
            serve(request, params: params, summary: summary, started: started)
        }
    }

    private func serve(_ request: UnsafeMutablePointer<FCGX_Request>, params: CGIParams, summary: RequestSummary, started: Int64) -> Served {
        let declaredLength = params.contentLength
        var outcome: Application.Outcome
        var raw = params.request(body: [])
        // Per path: the management API takes larger bodies than the rest (Application.maxBodyBytes); no
        // body (most requests), nothing to look up.
        let limit = declaredLength == 0 ? 0 : application.maxBodyBytes(path: raw.rawPath)
        if declaredLength > limit {
            Self.discardInput(request)
            outcome = .init(response: application.payloadTooLarge(raw), route: "body-too-large")
        } else if declaredLength == 0 {
            outcome = application.handle(raw, logger: logger)  // most requests: nothing to read
        } else if let body = Self.readBody(request, limit: limit, expected: declaredLength) {
            raw.body = body
            outcome = application.handle(raw, logger: logger)
        } else {
            outcome = .init(response: application.payloadTooLarge(raw), route: "body-too-large")
        }
        outcome.response.headers.add("X-Request-Id", summary.requestID)
        let response = outcome.response
        let bytes = CGIMessage.bytes(of: response)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                _ = FCGX_PutStr(chars.baseAddress, Int32(chars.count), request.pointee.out)
            }
        }
        let duration = Scoreboard.monotonicNanos() - started
        let slow = settings.slowlogTimeout > 0 && Double(duration) >= settings.slowlogTimeout * 1e9
        if slow {
            // PHP-FPM's slowlog, without a backtrace: which route, how long, which worker.
            logger.warning("slow request", metadata: [
                "request.route": "\(summary.route)", "request.duration_seconds": "\(String(format: "%.3f", Double(duration) / 1e9))",
                "request.status": "\(response.status)", "worker.pid": "\(getpid())",
            ])
        }
        return Served(method: summary.method, status: response.status, route: outcome.route, durationNanos: duration, slow: slow)
    }

    /// The FastCGI params, read at once: libfcgi frees them at `FCGX_Finish_r`.
    static func params(of request: UnsafeMutablePointer<FCGX_Request>) -> CGIParams {
        var params = CGIParams()
        guard var cursor = request.pointee.envp else { return params }
        while let entry = cursor.pointee {
            // Split `NAME=value` on the bytes: no String for a param nobody reads.
            let bytes = UnsafeRawBufferPointer(start: entry, count: strlen(entry))
            if let equals = bytes.firstIndex(of: UInt8(ascii: "=")) {
                params.take(
                    name: UnsafeRawBufferPointer(rebasing: bytes[..<equals]),
                    value: UnsafeRawBufferPointer(rebasing: bytes[(equals + 1)...]))
            }
            cursor += 1
        }
        return params
    }

    /// The body from FCGI_STDIN; nil if it is longer than `limit`.
    static func readBody(_ request: UnsafeMutablePointer<FCGX_Request>, limit: Int, expected: Int) -> [UInt8]? {
        var body: [UInt8] = []
        body.reserveCapacity(min(max(expected, 0), limit))
        // An uninitialised stack chunk (no zeroing), appended as bytes (no per-byte conversion).
        let complete = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 16_384) { chunk -> Bool in
            while true {
                let count = Int(FCGX_GetStr(chunk.baseAddress, Int32(chunk.count), request.pointee.in))
                if count <= 0 { return true }
                guard body.count + count <= limit else { return false }
                body.append(contentsOf: UnsafeRawBufferPointer(start: chunk.baseAddress, count: count))
            }
        }
        guard complete else {
            discardInput(request)
            return nil
        }
        return body
    }

    /// Reads and drops the rest of FCGI_STDIN so the web server is not cut off mid-send.
    static func discardInput(_ request: UnsafeMutablePointer<FCGX_Request>) {
        var chunk = [CChar](repeating: 0, count: 16_384)
        while FCGX_GetStr(&chunk, Int32(chunk.count), request.pointee.in) > 0 {}
    }
}

/// What a new accept thread needs, passed through `pthread_create`'s context pointer.
private final class ThreadStart {
    let worker: FastCGIWorker
    let slot: FastCGIWorker.ThreadSlot
    init(worker: FastCGIWorker, slot: FastCGIWorker.ThreadSlot) {
        self.worker = worker
        self.slot = slot
    }
}
