import CFastCGI
import Foundation
import Logging
import Storage

/// The supervisor's own FastCGI responder for `/status` and `/metrics`, on a socket of its own
/// (`status_socket_path`), in one dedicated thread: it answers while every worker is busy or stuck,
/// and the supervisor's loop keeps reaping and respawning meanwhile. It reads only the scoreboard,
/// the supervisor's published state and the database through one read-only connection. It answers
/// loopback clients, and others only with a root project token (`StatusAccess`).
final class StatusServer: @unchecked Sendable {
    private let socket: ListeningSocket
    private let monitor: PoolMonitor
    private let gauges: DatabaseGauges
    private let rootTokens: RootTokenCheck
    private let poolSocket: Int32
    private let listenBacklog: Int
    private let logger: Logger
    private var thread = pthread_t()

    init(socket: ListeningSocket, monitor: PoolMonitor, databasePath: String, poolSocket: Int32, listenBacklog: Int, logger: Logger) {
        self.socket = socket
        self.monitor = monitor
        self.gauges = DatabaseGauges(path: databasePath)
        self.rootTokens = RootTokenCheck(databasePath: databasePath)
        self.poolSocket = poolSocket
        self.listenBacklog = listenBacklog
        self.logger = logger
    }

    /// Starts the thread. libfcgi's FCGX_Init installs SIGTERM/SIGUSR1 handlers, but the supervisor
    /// keeps those signals blocked in every thread and takes them with sigtimedwait, so they never run.
    func start() -> Bool {
        guard FCGX_Init() == 0 else {
            logger.error("status: FCGX_Init failed")
            return false
        }
        // Its SIGUSR1 handler would set libfcgi's shutdown flag and stop this thread's accepts for good.
        Glibc.signal(SIGUSR1, SIG_DFL)
        let box = Unmanaged.passRetained(self)
        let created = pthread_create(&thread, nil, { argument in
            guard let argument else { return nil }
            Unmanaged<StatusServer>.fromOpaque(argument).takeRetainedValue().serve()
            return nil
        }, box.toOpaque())
        guard created == 0 else {
            box.release()
            logger.error("status: cannot start thread", metadata: ["errno": "\(created)"])
            return false
        }
        pthread_detach(thread)
        logger.info("status answering", metadata: ["socket.path": "\(socket.path)"])
        return true
    }

    /// Removes the socket; the thread ends with the process.
    func close() {
        socket.close()
    }

    private func serve() {
        let request = UnsafeMutablePointer<FCGX_Request>.allocate(capacity: 1)
        FCGX_InitRequest(request, socket.descriptor, 0)
        while true {
            guard FCGX_Accept_r(request) >= 0 else {
                usleep(100_000)  // socket closed at stop, or EINTR
                continue
            }
            let params = FastCGIWorker.params(of: request)
            FastCGIWorker.discardInput(request)
            let (status, contentType, body) = answer(params: params)
            let head = "Status: \(status)\r\nContent-Type: \(contentType)\r\nCache-Control: no-store\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
            let bytes = Array((head + body).utf8)
            bytes.withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    _ = FCGX_PutStr(chars.baseAddress, Int32(chars.count), request.pointee.out)
                }
            }
            FCGX_Finish_r(request)
        }
    }

    /// `/metrics` → Prometheus text; anything else → the status page (`?json`, `?full`). 403 unless
    /// the client is on loopback or sends a root project token.
    func answer(params: CGIParams) -> (String, String, String) {
        guard params.method == "GET" || params.method == "HEAD" else {
            return ("405 Method Not Allowed", "text/plain; charset=utf-8", "only GET\n")
        }
        let path = params.documentURI
        guard allowed(params) else {
            return StatusAccess.refusal(json: StatusPage.Query(queryString: params.queryString).json)
        }
        let report = monitor.report()
        var extras = StatusPage.Extras(gauges: nil, listenQueue: ListenQueue.read(descriptor: poolSocket), listenBacklog: listenBacklog)
        do {
            extras.gauges = try gauges.read()
        } catch {
            logger.warning("status: cannot read the database gauges", metadata: ["error": "\(error)"])
        }
        if path.hasSuffix("/metrics") {
            return ("200 OK", PrometheusText.contentType, PrometheusText.render(report, extras))
        }
        let page = StatusPage.render(report, extras, query: .init(queryString: params.queryString))
        return ("200 OK", page.contentType, page.body)
    }

    /// Loopback first (no database work), then the bearer token against the root tokens.
    private func allowed(_ params: CGIParams) -> Bool {
        if StatusAccess.isLoopback(params.remoteAddress) { return true }
        guard let secret = StatusAccess.bearerSecret(params.headers["authorization"]) else { return false }
        do {
            return try rootTokens.isRootToken(secret)
        } catch {
            logger.warning("status: cannot check a token", metadata: ["error": "\(error)"])
            return false
        }
    }
}
