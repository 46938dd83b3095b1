import Foundation

/// A real `portal-fcgi serve` started from the build folder on a temporary config, socket and
/// SQLite file; stopped (SIGTERM, then SIGKILL) when the test is done.
public final class PoolProcess: @unchecked Sendable {
    public let directory: URL
    public let socketPath: String
    public let configPath: String
    public let logPath: String
    public let process: Process
    public var pid: Int32 { process.processIdentifier }
    public var client: FastCGIClient { FastCGIClient(socketPath: socketPath) }

    /// The `portal-fcgi` built next to the test bundle.
    public static var executable: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = bundle.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("portal-fcgi").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return ProcessInfo.processInfo.environment["PORTAL_BIN"] ?? "portal-fcgi"
    }

    /// Starts a pool and waits until it answers `/health`. `extraConfig` is merged into the JSON config.
    public init(workers: Int = 2, threads: Int = 4, extraConfig: [String: String] = [:]) throws {
        directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("portal-pool-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        socketPath = directory.appendingPathComponent("portal.sock").path
        configPath = directory.appendingPathComponent("portal.json").path
        logPath = directory.appendingPathComponent("portal.log").path
        var entries = [
            "\"socket_path\": \"portal.sock\"", "\"database_path\": \"portal.sqlite\"", "\"workers\": \(workers)",
            "\"threads_per_worker\": \(threads)", "\"argon2\": {\"memory_kib\": 7168, \"iterations\": 5}",
            "\"graceful_timeout_seconds\": 10",
        ]
        if geteuid() == 0, extraConfig["user"] == nil {
            // As root the pool must be told whom to run as (it refuses otherwise): the account every
            // Debian has, owning the directory it writes the database to.
            entries += ["\"user\": \"nobody\"", "\"group\": \"nogroup\""]
            if let nobody = getpwnam("nobody") { chown(directory.path, nobody.pointee.pw_uid, nobody.pointee.pw_gid) }
        }
        entries += extraConfig.map { "\"\($0.key)\": \($0.value)" }
        try ("{" + entries.joined(separator: ", ") + "}").write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)

        process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["serve", "--config", configPath]
        process.standardError = FileHandle(forWritingAtPath: logPath)
        process.standardOutput = FileHandle(forWritingAtPath: logPath)
        try process.run()
        try waitUntilHealthy()
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Polls `/health` until it answers 200 (10 s at most).
    public func waitUntilHealthy(timeout: TimeInterval = 10) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let reply = try? client.send(method: "GET", uri: "/health"), reply.status == 200 { return }
            guard process.isRunning else { throw FastCGIClient.ClientError(description: "pool exited: \(log)") }
            usleep(50_000)
        }
        throw FastCGIClient.ClientError(description: "pool not healthy after \(timeout) s: \(log)")
    }

    /// Pids of the worker processes (children of the supervisor), from /proc.
    public var workerPids: Set<Int32> {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        var pids: Set<Int32> = []
        for entry in entries {
            guard let pid = Int32(entry),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 2, Int32(fields[1]) == self.pid, !stat.contains("(portal-fcgi) Z") { pids.insert(pid) }
        }
        return pids
    }

    /// Waits until `condition` holds (checked every 20 ms) or the timeout passes.
    public func wait(timeout: TimeInterval, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// The supervisor's and workers' log so far.
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Sends `signal` to the supervisor.
    public func signal(_ signal: Int32) { kill(pid, signal) }

    /// SIGTERM, wait up to 15 s, then SIGKILL.
    public func stop() {
        guard process.isRunning else { return }
        kill(pid, SIGTERM)
        if !wait(timeout: 15, until: { !process.isRunning }) { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }
}
