import Foundation
import Synchronization

/// Counters summed over accept threads (live ones from the scoreboard, plus every worker that exited).
struct RequestTotals: Sendable, Equatable {
    var requests: UInt64 = 0
    var slow: UInt64 = 0
    var durationNanos: UInt64 = 0
    /// Requests whose (method, status, route) found no free counter in their thread's entry.
    var unlabelled: UInt64 = 0
    var buckets = [UInt64](repeating: 0, count: Scoreboard.bucketBounds.count + 1)
    var routes: [String: UInt64] = [:]

    mutating func add(_ thread: ThreadSnapshot) {
        requests &+= thread.requests
        slow &+= thread.slow
        durationNanos &+= thread.durationNanos
        unlabelled &+= thread.overflow
        for index in buckets.indices { buckets[index] &+= thread.buckets[index] }
        for (key, count) in thread.routes { routes[key, default: 0] &+= count }
    }
}

/// A worker process as the supervisor knows it.
struct WorkerRecord: Sendable, Equatable {
    let pid: pid_t
    let slot: Int
    /// Its slot in the scoreboard, nil when the pool runs without one.
    let boardSlot: Int?
    let startedAt: Date
    var retiring = false
}

/// What the supervisor loop publishes for the status thread. Changed only under `PoolMonitor`'s lock.
struct PoolState: Sendable {
    var state = "running"
    let startedAt = Date()
    var workers: [WorkerRecord] = []
    /// Counters of workers that exited, folded in when they are reaped.
    var retired = RequestTotals()
    var respawns = 0
    var recycled = 0
    var terminated = 0
    var maxChildrenReached = 0
}

/// A consistent reading of the pool: supervisor state, every live worker's threads, and totals.
struct PoolReport: Sendable {
    struct Worker: Sendable {
        let record: WorkerRecord
        let threads: [ThreadSnapshot]
        var busyThreads: Int { threads.filter(\.busy).count }
        var requests: UInt64 { threads.reduce(0) { $0 &+ $1.requests } }
    }

    let state: PoolState
    let workers: [Worker]
    let totals: RequestTotals
    let threadsPerWorker: Int
    let takenAt: Date
    let nowNanos: Int64

    var busyThreads: Int { workers.reduce(0) { $0 + $1.busyThreads } }
    var totalThreads: Int { workers.count * threadsPerWorker }
}

/// The supervisor's shared view of the pool: its loop writes, the status thread reads, one lock.
final class PoolMonitor: Sendable {
    let board: Scoreboard?
    let threadsPerWorker: Int
    private let state = Mutex(PoolState())

    init(board: Scoreboard?, threadsPerWorker: Int) {
        self.board = board
        self.threadsPerWorker = threadsPerWorker
    }

    func update<T>(_ body: (inout PoolState) -> T) -> T {
        state.withLock { body(&$0) }
    }

    /// A scoreboard slot no live worker uses, zeroed; nil without a scoreboard or when all are taken.
    func claimBoardSlot() -> Int? {
        guard let board else { return nil }
        return state.withLock { state in
            let used = Set(state.workers.compactMap(\.boardSlot))
            guard let free = (0..<board.workerSlots).first(where: { !used.contains($0) }) else { return nil }
            board.reset(slot: free)
            return free
        }
    }

    /// Records a started worker.
    func started(_ record: WorkerRecord) {
        state.withLock { $0.workers.append(record) }
    }

    /// Removes an exited worker, folding its counters into the retired totals in the same step, so a
    /// reader never counts its requests twice or not at all.
    func exited(pid: pid_t) {
        state.withLock { state in
            guard let index = state.workers.firstIndex(where: { $0.pid == pid }) else { return }
            let record = state.workers.remove(at: index)
            if let board, let slot = record.boardSlot {
                for thread in board.snapshot(slot: slot) { state.retired.add(thread) }
            }
        }
    }

    func report() -> PoolReport {
        state.withLock { state in
            var totals = state.retired
            let workers = state.workers.map { record in
                let threads = record.boardSlot.flatMap { slot in board?.snapshot(slot: slot) } ?? []
                threads.forEach { totals.add($0) }
                return PoolReport.Worker(record: record, threads: threads)
            }
            return PoolReport(
                state: state, workers: workers, totals: totals, threadsPerWorker: threadsPerWorker,
                takenAt: Date(), nowNanos: Scoreboard.monotonicNanos())
        }
    }
}

/// Which requests have run past a limit (request_terminate_timeout): pure, so it is tested alone.
enum StuckRequests {
    /// The busy threads whose request started more than `limit` seconds before `nowNanos`.
    static func overdue(_ threads: [ThreadSnapshot], nowNanos: Int64, limit: TimeInterval) -> [ThreadSnapshot] {
        guard limit > 0 else { return [] }
        let limitNanos = Int64(limit * 1e9)
        return threads.filter { $0.busy && $0.startedNanos > 0 && nowNanos - $0.startedNanos > limitNanos }
    }

    /// A worker being terminated may be killed once every request still running in it is overdue:
    /// its other requests got to finish.
    static func onlyOverdueLeft(_ threads: [ThreadSnapshot], nowNanos: Int64, limit: TimeInterval) -> Bool {
        threads.filter(\.busy).count == overdue(threads, nowNanos: nowNanos, limit: limit).count
    }

    /// Every thread of every worker busy (PHP-FPM's "max children reached", sampled).
    static func saturated(_ workers: [[ThreadSnapshot]]) -> Bool {
        !workers.isEmpty && workers.allSatisfy { threads in !threads.isEmpty && threads.allSatisfy(\.busy) }
    }
}
