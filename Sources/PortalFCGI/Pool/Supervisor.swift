import Foundation
import Logging

/// The pool's process manager, in PHP-FPM's model: it owns the socket, keeps `workers` worker
/// processes running, respawns one that dies (with backoff when it keeps dying young), replaces
/// all of them on SIGHUP (new one up, then the old one drains) and stops gracefully on
/// SIGTERM/SIGINT. A single-threaded loop takes signals with `sigtimedwait`: no work runs in a
/// signal handler.
final class Supervisor {
    enum State: String { case running, reloading, stopping }

    struct Worker {
        let slot: Int
        let startedAt: Date
        /// Reported through the readiness pipe once its threads accept.
        var ready = false
        /// Sent SIGTERM (reload or stop): not respawned when it exits.
        var retiring = false
        /// Its slot in the scoreboard.
        var boardSlot: Int?
        /// Since when it is being replaced for a request past request_terminate_timeout.
        var terminatingSince: Date?
        var killed = false
        /// Started to take over from this worker after its max_requests; it is retired once that one accepts.
        var replacement: pid_t?
        /// Retired because it reached max_requests (counted as recycled when it exits).
        var recycled = false
    }

    static let handledSignals: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGCHLD, SIGQUIT]
    /// A worker that exits sooner than this after starting "died young".
    static let youngAge: TimeInterval = 1
    static let maximumBackoff: TimeInterval = 10

    private let config: PortalConfig
    private let configPath: String
    private let executable: String
    private let socket: ListeningSocket
    /// Workers write their pid here (their fd 3) when they accept; read end is non-blocking.
    private let readiness: (read: Int32, write: Int32)
    static let readinessDescriptor: Int32 = 3
    /// Workers find the scoreboard here.
    static let scoreboardDescriptor: Int32 = 4
    private let monitor: PoolMonitor
    private let status: StatusServer?
    /// Whether every thread was busy at the last look (counts each saturation once).
    private var saturated = false
    private let logger: Logger
    private var state = State.running
    private var workers: [pid_t: Worker] = [:]
    /// Slots waiting to be respawned, with the time they may be.
    private var pendingRespawns: [(slot: Int, at: Date)] = []
    /// What the last read of the readiness pipe left of a line.
    private var unfinishedLine: [UInt8] = []
    /// Consecutive young deaths, per slot, for the backoff.
    private var youngDeaths: [Int: Int] = [:]

    init(config: PortalConfig, configPath: String, socket: ListeningSocket, monitor: PoolMonitor, status: StatusServer?, logger: Logger) {
        self.config = config
        self.monitor = monitor
        self.status = status
        self.configPath = configPath
        self.executable = ProcessSpawner.currentExecutable()
        self.socket = socket
        self.logger = logger
        var ends: [Int32] = [-1, -1]
        if pipe(&ends) == 0 {
            // Close-on-exec: children get the write end only through the explicit dup2 to fd 3.
            _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
            _ = fcntl(ends[0], F_SETFL, O_NONBLOCK)
        }
        readiness = (ends[0], ends[1])
    }

    deinit {
        close(readiness.read)
        close(readiness.write)
    }

    /// Runs the pool until stopped. Returns the exit status.
    func run() -> Int32 {
        for slot in 0..<config.workers { spawn(slot: slot) }
        logger.info("pool started", metadata: [
            "pool.workers": "\(config.workers)", "pool.threads": "\(config.threadsPerWorker)", "socket.path": "\(socket.path)",
        ])
        while true {
            let signal = Signals.wait(for: Self.handledSignals, timeout: 0.25)
            collectReadiness()
            switch signal {
            case SIGCHLD?: reap()
            case SIGHUP?: reload()
            case SIGTERM?, SIGINT?, SIGQUIT?:
                logger.info("pool stopping", metadata: ["signal": "\(Signals.name(signal ?? 0))"])
                return stop()
            default: break
            }
            inspectScoreboard()
            respawnDue()
        }
    }

    @discardableResult
    private func spawn(slot: Int) -> pid_t? {
        var arguments = ["worker", "--config", configPath, "--supervisor", String(getpid()), "--slot", String(slot)]
        var descriptors: [Int32: Int32] = [0: socket.descriptor]
        if readiness.write >= 0 {
            arguments += ["--ready-fd", String(Self.readinessDescriptor)]
            descriptors[Self.readinessDescriptor] = readiness.write
        }
        let boardSlot = monitor.claimBoardSlot()
        if let board = monitor.board, let boardSlot {
            arguments += ["--scoreboard-fd", String(Self.scoreboardDescriptor), "--scoreboard-slot", String(boardSlot)]
            descriptors[Self.scoreboardDescriptor] = board.descriptor
        }
        do {
            let pid = try ProcessSpawner.spawn(executable: executable, arguments: arguments, descriptors: descriptors)
            let startedAt = Date()
            workers[pid] = Worker(slot: slot, startedAt: startedAt, boardSlot: boardSlot)
            monitor.started(WorkerRecord(pid: pid, slot: slot, boardSlot: boardSlot, startedAt: startedAt))
            logger.info("worker started", metadata: ["worker.pid": "\(pid)", "worker.slot": "\(slot)"])
            return pid
        } catch {
            logger.error("worker spawn failed", metadata: ["worker.slot": "\(slot)", "error": "\(error)"])
            scheduleRespawn(slot: slot, young: true)
            return nil
        }
    }

    /// Reads the workers' lines on the pipe: `<pid>` once a worker accepts (a worker it replaces is then
    /// retired), `recycle <pid>` when one reached max_requests and wants a replacement.
    private func collectReadiness() {
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let count = read(readiness.read, &buffer, buffer.count)
            guard count > 0 else { return }
            // A read may end inside a line: its start waits for the next read.
            unfinishedLine += buffer[0..<count]
            guard let end = unfinishedLine.lastIndex(of: UInt8(ascii: "\n")) else { continue }
            let lines = String(decoding: unfinishedLine[...end], as: UTF8.self)
            unfinishedLine.removeSubrange(...end)
            for line in lines.split(separator: "\n") {
                if line.hasPrefix("recycle "), let pid = pid_t(line.dropFirst("recycle ".count)) {
                    startReplacement(for: pid)
                } else if let pid = pid_t(line) {
                    workers[pid]?.ready = true
                    for (old, worker) in workers where worker.replacement == pid && !worker.retiring {
                        workers[old]?.recycled = true
                        retire(old)
                    }
                }
            }
        }
    }

    /// Overlapped recycle: the worker keeps serving while its replacement starts.
    private func startReplacement(for pid: pid_t) {
        guard state == .running, let worker = workers[pid], !worker.retiring, worker.replacement == nil else { return }
        logger.info("worker reached max_requests: starting its replacement", metadata: ["worker.pid": "\(pid)", "worker.slot": "\(worker.slot)"])
        let replacement = spawn(slot: worker.slot)
        workers[pid]?.replacement = replacement
    }

    /// Waits until `pid` reports readiness; false if it died or did not within `timeout`.
    private func waitUntilReady(_ pid: pid_t, timeout: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var descriptor = pollfd(fd: readiness.read, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 50)
            collectReadiness()
            if Signals.wait(for: [SIGCHLD], timeout: 0) != nil { reap() }
            guard let worker = workers[pid] else { return false }
            if worker.ready { return true }
        }
        return false
    }

    /// Collects every exited child; schedules replacements for those that were not retiring.
    private func reap() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            guard let worker = workers.removeValue(forKey: pid) else { continue }
            monitor.exited(pid: pid)
            let age = Date().timeIntervalSince(worker.startedAt)
            let how = Self.describe(status)
            if worker.retiring {
                if worker.recycled { monitor.update { $0.recycled += 1 } }
                logger.info("worker exited", metadata: ["worker.pid": "\(pid)", "worker.exit": "\(how)"])
                continue
            }
            if let (old, _) = workers.first(where: { $0.value.replacement == pid }) {
                // The worker it was to replace still serves its slot, and stops by itself after its grace.
                workers[old]?.replacement = nil
                logger.warning("replacement worker died before accepting", metadata: ["worker.pid": "\(pid)", "worker.exit": "\(how)"])
                continue
            }
            let level: Logger.Level = (how == "status 0") ? .info : .warning
            logger.log(level: level, "worker died", metadata: [
                "worker.pid": "\(pid)", "worker.exit": "\(how)", "worker.age_seconds": "\(String(format: "%.1f", age))",
            ])
            if state != .stopping {
                // A planned recycle (exit 0 after max_requests) is not a failure.
                let recycled = how == "status 0"
                monitor.update { if recycled { $0.recycled += 1 } else { $0.respawns += 1 } }
                scheduleRespawn(slot: worker.slot, young: age < Self.youngAge && !recycled)
            }
        }
    }

    private func scheduleRespawn(slot: Int, young: Bool) {
        let delay: TimeInterval
        if young {
            let deaths = (youngDeaths[slot] ?? 0) + 1
            youngDeaths[slot] = deaths
            delay = min(Self.maximumBackoff, 0.1 * pow(2, Double(deaths - 1)))
            if deaths > 1 {
                logger.warning("worker keeps dying young: backing off", metadata: ["worker.slot": "\(slot)", "backoff_seconds": "\(delay)"])
            }
        } else {
            youngDeaths[slot] = 0
            delay = 0
        }
        pendingRespawns.append((slot, Date().addingTimeInterval(delay)))
    }

    private func respawnDue() {
        let now = Date()
        let due = pendingRespawns.filter { $0.at <= now }
        pendingRespawns.removeAll { $0.at <= now }
        for entry in due where state != .stopping { spawn(slot: entry.slot) }
    }

    /// Rolling restart: migrate with the (possibly upgraded) binary, then slot by slot start a new
    /// worker, wait until it accepts, and only then ask the old one to finish its requests and exit.
    /// The socket stays open throughout, so requests arriving meanwhile wait in the backlog.
    private func reload() {
        logger.info("pool reloading")
        state = .reloading
        monitor.update { $0.state = "reloading" }
        defer {
            state = .running
            monitor.update { $0.state = "running" }
        }
        do {
            let pid = try ProcessSpawner.spawn(executable: executable, arguments: ["migrate", "--config", configPath])
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            guard Self.describe(status) == "status 0" else {
                logger.error("reload aborted: migration failed; old workers keep running", metadata: ["migrate.exit": "\(Self.describe(status))"])
                return
            }
        } catch {
            logger.error("reload aborted: cannot run migrations", metadata: ["error": "\(error)"])
            return
        }
        // A reload supersedes recycles in progress: their replacements go, the reload replaces every worker.
        for (pid, worker) in workers {
            if let replacement = worker.replacement, workers[replacement] != nil { retire(replacement) }
            workers[pid]?.replacement = nil
        }
        let old = workers.filter { !$0.value.retiring }.sorted { $0.value.slot < $1.value.slot }
        for (pid, worker) in old {
            guard let replacement = spawn(slot: worker.slot), waitUntilReady(replacement, timeout: 10) else {
                logger.error("reload: new worker did not become ready; old worker keeps running", metadata: ["worker.slot": "\(worker.slot)"])
                continue
            }
            retire(pid)
        }
        logger.info("pool reloaded", metadata: ["pool.workers": "\(config.workers)"])
    }

    /// Graceful stop: every worker finishes its in-flight requests; stragglers are killed after
    /// the graceful timeout.
    private func stop() -> Int32 {
        state = .stopping
        monitor.update { $0.state = "stopping" }
        status?.close()
        pendingRespawns.removeAll()
        for pid in workers.keys { retire(pid) }
        let deadline = Date().addingTimeInterval(config.gracefulTimeout + 5)
        while !workers.isEmpty {
            if Date() > deadline {
                for pid in workers.keys {
                    logger.warning("worker did not stop in time: killing", metadata: ["worker.pid": "\(pid)"])
                    kill(pid, SIGKILL)
                }
            }
            _ = Signals.wait(for: Self.handledSignals, timeout: 0.1)
            reap()
        }
        socket.close()
        logger.info("pool stopped")
        return 0
    }

    /// Asks a worker to finish its requests and exit; it is not respawned.
    private func retire(_ pid: pid_t) {
        workers[pid]?.retiring = true
        monitor.update { state in
            if let index = state.workers.firstIndex(where: { $0.pid == pid }) { state.workers[index].retiring = true }
        }
        kill(pid, SIGTERM)
    }

    /// Each tick: replaces workers stuck in a request past request_terminate_timeout_seconds (PHP-FPM's
    /// request_terminate_timeout), and counts the moments every thread was busy.
    private func inspectScoreboard() {
        guard let board = monitor.board else { return }
        let now = Scoreboard.monotonicNanos()
        let limit = config.requestTerminateTimeout
        var live: [[ThreadSnapshot]] = []
        for (pid, worker) in workers {
            guard let boardSlot = worker.boardSlot else { continue }
            let threads = board.snapshot(slot: boardSlot)
            if !worker.retiring { live.append(threads) }
            if let since = worker.terminatingSince, !worker.killed {
                // Its other requests had their chance to finish; the stuck one cannot be interrupted otherwise.
                if StuckRequests.onlyOverdueLeft(threads, nowNanos: now, limit: limit) || Date().timeIntervalSince(since) > config.gracefulTimeout {
                    logger.warning("killing worker stuck in a request", metadata: ["worker.pid": "\(pid)"])
                    kill(pid, SIGKILL)
                    workers[pid]?.killed = true
                }
                continue
            }
            guard !worker.retiring, worker.terminatingSince == nil, let stuck = StuckRequests.overdue(threads, nowNanos: now, limit: limit).first else { continue }
            logger.error("request terminated: worker stuck past request_terminate_timeout_seconds", metadata: [
                "worker.pid": "\(pid)", "request.route": "\(stuck.current)", "request.id": "\(stuck.requestID)",
                "request.duration_seconds": "\(String(format: "%.1f", Double(now - stuck.startedNanos) / 1e9))",
            ])
            monitor.update { $0.terminated += 1 }
            retire(pid)
            workers[pid]?.terminatingSince = Date()
            if state != .stopping { spawn(slot: worker.slot) }
        }
        let all = StuckRequests.saturated(live)
        if all, !saturated {
            monitor.update { $0.maxChildrenReached += 1 }
            logger.warning("every worker thread is busy: requests wait in the listen queue", metadata: ["pool.workers": "\(live.count)"])
        }
        saturated = all
    }

    /// `status 0`, `status 3`, `signal KILL`.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        if signal == 0 { return "status \((status >> 8) & 0xff)" }
        return "signal " + Signals.name(signal)
    }
}
