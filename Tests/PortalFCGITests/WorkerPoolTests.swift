import Foundation
import Handlers
import PortalTesting
import Testing

/// The real pool: `portal-fcgi serve` from the build folder, spoken to over its FastCGI socket.
@Suite(.serialized) struct WorkerPoolTests {
    @Test func servesRequestsFromSeveralWorkerProcesses() throws {
        let pool = try PoolProcess(workers: 2, threads: 4)
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 2 })
        var answeringPids: Set<Int64> = []
        for _ in 0..<40 {
            let reply = try pool.client.send(method: "GET", uri: "/health")
            #expect(reply.status == 200)
            if case .int(let pid)? = try JSON.parse(reply.body)["pid"] { answeringPids.insert(pid) }
        }
        #expect(answeringPids.isSubset(of: Set(pool.workerPids.map { Int64($0) })))
    }

    /// PHP-FPM's model: started as root, the pool runs as the configured user; without one it refuses.
    @Test(.enabled(if: geteuid() == 0, "needs root")) func startedAsRootTheWorkersRunAsTheConfiguredUser() throws {
        let pool = try PoolProcess(workers: 2, threads: 2)
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 2 })
        let nobody = try #require(getpwnam("nobody")).pointee.pw_uid
        for pid in pool.workerPids + [pool.pid] {
            let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
            let uids = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(whereSeparator: \.isWhitespace).dropFirst()
            #expect(uids?.allSatisfy { UInt32($0) == nobody } == true, "pid \(pid): \(uids.map(Array.init) ?? [])")
        }
        #expect(pool.log.contains("running as an unprivileged user"))
        #expect(throws: (any Error).self) { try PoolProcess(workers: 1, threads: 1, extraConfig: ["user": "\"root\""]) }
    }

    @Test func concurrentRegistrationsFromTwoProcessesAllCommit() throws {
        let pool = try PoolProcess(workers: 2, threads: 4)
        let results = Locked<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 40) { index in
            let body = "email=dev\(index)%40example.com&password=correct-horse&meta=%7B%22full_name%22%3A%22D%22%7D"
            let reply = try? pool.client.send(
                method: "POST", uri: "/api/v1/register",
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(body.utf8))
            results.withLock { $0.append(reply?.status ?? -1) }
        }
        #expect(results.current.count == 40)
        #expect(results.current.allSatisfy { $0 == 200 }, "statuses: \(results.current)")
        #expect(!pool.log.contains("database is locked"))
    }

    @Test func killedWorkerIsReplacedWithinOneSecond() throws {
        let pool = try PoolProcess(workers: 2, threads: 2)
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 2 })
        let before = pool.workerPids
        let victim = try #require(before.first)
        kill(victim, SIGKILL)
        let replaced = pool.wait(timeout: 1) {
            let now = pool.workerPids
            return now.count == 2 && !now.contains(victim)
        }
        #expect(replaced, "log: \(pool.log)")
        #expect(try pool.client.send(method: "GET", uri: "/health").status == 200)
        #expect(pool.log.contains("worker died"))
    }

    @Test func workerThatKeepsDyingYoungIsRespawnedWithBackoff() throws {
        let pool = try PoolProcess(workers: 1, threads: 1)
        for _ in 0..<3 {
            #expect(pool.wait(timeout: 3) { pool.workerPids.count == 1 })
            if let pid = pool.workerPids.first { kill(pid, SIGKILL) }
            _ = pool.wait(timeout: 1) { pool.workerPids.isEmpty }
        }
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 1 })
        #expect(pool.log.contains("backing off"))
        #expect(try pool.client.send(method: "GET", uri: "/health").status == 200)
    }

    @Test func reloadUnderLoadDropsNoRequestAndReplacesWorkers() throws {
        let pool = try PoolProcess(workers: 2, threads: 2)
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 2 })
        let before = pool.workerPids
        let results = Locked<[Int]>([])
        let group = DispatchGroup()
        for _ in 0..<4 {
            DispatchQueue.global().async(group: group) {
                for _ in 0..<60 {
                    let status = (try? pool.client.send(method: "GET", uri: "/health").status) ?? -1
                    results.withLock { $0.append(status) }
                }
            }
        }
        usleep(100_000)
        pool.signal(SIGHUP)
        group.wait()
        #expect(results.current.count == 240)
        #expect(results.current.allSatisfy { $0 == 200 }, "failed: \(results.current.filter { $0 != 200 })")
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 2 && pool.workerPids.isDisjoint(with: before) })
        #expect(pool.log.contains("pool reloaded"))
    }

    @Test func terminateFinishesInFlightRequest() throws {
        let pool = try PoolProcess(workers: 1, threads: 2)
        let body = Array("email=inflight%40example.com&password=correct-horse&meta=%7B%22full_name%22%3A%22I%22%7D".utf8)
        // The worker has accepted the request and is reading its body when SIGTERM arrives.
        let connection = try pool.client.start(
            method: "POST", uri: "/api/v1/register",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], contentLength: body.count)
        usleep(200_000)
        pool.signal(SIGTERM)
        usleep(300_000)
        #expect(pool.process.isRunning)
        let reply = try connection.finish(body: body)
        #expect(reply.status == 200)
        #expect(reply.text.contains("inflight@example.com"))
        #expect(pool.wait(timeout: 10) { !pool.process.isRunning })
        #expect(pool.process.terminationStatus == 0)
        #expect(!FileManager.default.fileExists(atPath: pool.socketPath))
    }

    /// The replacement accepts before the recycled worker stops: the pool is never a worker short.
    @Test func workerIsRecycledAfterMaxRequests() throws {
        let pool = try PoolProcess(workers: 1, threads: 1, extraConfig: ["max_requests": "5"])
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 1 })
        guard let old = pool.workerPids.first else { return }
        for _ in 0..<5 { #expect(try pool.client.send(method: "GET", uri: "/health").status == 200) }
        // From the log, not /proc: a listing of /proc taken while processes come and go can miss one.
        let exited = { pool.log.split(separator: "\n").contains { $0.contains("worker exited") && $0.contains("worker.pid=\(old)") } }
        #expect(pool.wait(timeout: 10, until: exited), "\(pool.log)")
        #expect(pool.wait(timeout: 5) { pool.workerPids.count == 1 && !pool.workerPids.contains(old) })
        #expect(try pool.client.send(method: "GET", uri: "/health").status == 200)
        let log = pool.log
        #expect(log.contains("max_requests reached"))
        guard let new = pool.workerPids.first,
              let ready = log.range(of: "worker[\(new)]: worker ready"), let stopping = log.range(of: "worker[\(old)]: worker stopping")
        else {
            Issue.record("no ready or stopping line in the log:\n\(log)")
            return
        }
        #expect(ready.lowerBound < stopping.lowerBound)
        #expect(log[stopping.lowerBound...].prefix(200).contains("signal TERM"))
    }

    @Test func secondPoolOnTheSameSocketIsRefused() throws {
        let pool = try PoolProcess(workers: 1, threads: 1)
        let second = Process()
        second.executableURL = URL(fileURLWithPath: PoolProcess.executable)
        second.arguments = ["serve", "--config", pool.configPath]
        let errors = Pipe()
        second.standardError = errors
        try second.run()
        second.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(second.terminationStatus == 1)
        #expect(message.contains("another pool"))
        #expect(try pool.client.send(method: "GET", uri: "/health").status == 200)
    }

    @Test func oversizedBodyIsRefusedWithoutCrashing() throws {
        let pool = try PoolProcess(workers: 1, threads: 1, extraConfig: ["max_body_bytes": "2048"])
        let reply = try pool.client.send(
            method: "POST", uri: "/api/v1/register",
            headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(repeating: UInt8(ascii: "a"), count: 5000))
        #expect(reply.status == 413)
        #expect(reply.text.contains("\"message\""))
        #expect(try pool.client.send(method: "GET", uri: "/health").status == 200)
    }
}
