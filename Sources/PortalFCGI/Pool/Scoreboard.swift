import Foundation
import Synchronization

/// The pool's scoreboard (PHP-FPM's `fpm_scoreboard`): a shared memory file the supervisor creates
/// before it spawns workers, with one fixed-size slot per worker process and, inside it, one entry per
/// accept thread. Each entry has exactly one writer — its thread — so counters need no atomics; the
/// supervisor only reads (and zeroes a slot before handing it to a new worker). Workers are exec'ed,
/// so the file reaches them as an inherited descriptor (`--scoreboard-fd`), not as a mapping.
///
/// The file is unlinked as soon as it is open: nothing is left behind in the run directory, and no
/// other process can open it by name.
final class Scoreboard: @unchecked Sendable {
    /// Upper bounds of the latency histogram's buckets, in seconds (Prometheus' defaults); +Inf follows.
    static let bucketBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Distinct (method, status, route) counters per thread; more go to `overflow`.
    static let routeEntries = 64
    static let routeKeyBytes = 88
    static let currentBytes = 120
    /// The request id of the request in progress (RequestSummary keeps ids to at most 64 bytes).
    static let requestIDBytes = 64

    // Offsets inside a thread entry (all 8-byte aligned).
    enum Field {
        static let sequence = 0        // odd while the thread rewrites `current`
        static let state = 8           // 0 idle (accepting), 1 busy
        static let startedNanos = 16   // CLOCK_MONOTONIC at accept of the current request
        static let requests = 24
        static let slow = 32
        static let durationNanos = 40
        static let overflow = 48
        static let currentLength = 56
        static let buckets = 64
        static let current = buckets + (bucketBounds.count + 1) * 8
        static let requestIDLength = current + currentBytes
        static let requestID = requestIDLength + 8
        static let routes = requestID + requestIDBytes
        static let routeSize = 8 + routeKeyBytes
    }

    static let headerSize = 64
    static let slotHeaderSize = 64
    static let threadSize = (Field.routes + routeEntries * Field.routeSize + 63) / 64 * 64

    let workerSlots: Int
    let threads: Int
    let descriptor: Int32
    private let base: UnsafeMutableRawPointer
    private let size: Int

    struct MapError: Error, CustomStringConvertible {
        let description: String
    }

    static func byteCount(workerSlots: Int, threads: Int) -> Int {
        headerSize + workerSlots * (slotHeaderSize + threads * threadSize)
    }

    /// Creates a new zeroed scoreboard file in `directory` (unlinked at once) and maps it.
    static func create(directory: String, workerSlots: Int, threads: Int) throws(MapError) -> Scoreboard {
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // Unique even for two boards made at once in one process (tests run in parallel).
        let path = directory + "/.portal-scoreboard-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        unlink(path)
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw MapError(description: "cannot create the scoreboard \(path): \(String(cString: strerror(errno)))") }
        unlink(path)
        let size = byteCount(workerSlots: workerSlots, threads: threads)
        guard ftruncate(fd, off_t(size)) == 0 else {
            close(fd)
            throw MapError(description: "cannot size the scoreboard: \(String(cString: strerror(errno)))")
        }
        let board = try Scoreboard(descriptor: fd, workerSlots: workerSlots, threads: threads)
        board.base.storeBytes(of: UInt64(0x504F_5254_414C_5342), toByteOffset: 0, as: UInt64.self)  // "PORTALSB"
        board.base.storeBytes(of: Int64(workerSlots), toByteOffset: 8, as: Int64.self)
        board.base.storeBytes(of: Int64(threads), toByteOffset: 16, as: Int64.self)
        return board
    }

    /// Maps an existing scoreboard (a worker, from its inherited descriptor); the layout is read from its header.
    static func attach(descriptor: Int32) throws(MapError) -> Scoreboard {
        var info = stat()
        guard fstat(descriptor, &info) == 0, Int(info.st_size) >= headerSize else {
            throw MapError(description: "scoreboard descriptor \(descriptor) is not a scoreboard")
        }
        let header = UnsafeMutableRawPointer.allocate(byteCount: headerSize, alignment: 8)
        defer { header.deallocate() }
        guard pread(descriptor, header, headerSize, 0) == headerSize,
              header.load(as: UInt64.self) == 0x504F_5254_414C_5342
        else { throw MapError(description: "scoreboard descriptor \(descriptor) has no scoreboard header") }
        let slots = Int(header.load(fromByteOffset: 8, as: Int64.self))
        let threads = Int(header.load(fromByteOffset: 16, as: Int64.self))
        guard slots > 0, threads > 0, byteCount(workerSlots: slots, threads: threads) == Int(info.st_size) else {
            throw MapError(description: "scoreboard size does not match its header")
        }
        return try Scoreboard(descriptor: descriptor, workerSlots: slots, threads: threads)
    }

    private init(descriptor: Int32, workerSlots: Int, threads: Int) throws(MapError) {
        let size = Self.byteCount(workerSlots: workerSlots, threads: threads)
        guard let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            close(descriptor)
            throw MapError(description: "cannot map the scoreboard: \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.workerSlots = workerSlots
        self.threads = threads
        self.base = mapped
        self.size = size
    }

    deinit {
        munmap(base, size)
        close(descriptor)
    }

    private func slot(_ index: Int) -> UnsafeMutableRawPointer {
        base + Self.headerSize + index * (Self.slotHeaderSize + threads * Self.threadSize)
    }

    /// The entry of `thread` in worker slot `index`, for that thread to write.
    func threadEntry(slot index: Int, thread: Int) -> UnsafeMutableRawPointer? {
        guard (0..<workerSlots).contains(index), (0..<threads).contains(thread) else { return nil }
        return slot(index) + Self.slotHeaderSize + thread * Self.threadSize
    }

    /// Zeroes slot `index` for a new worker (supervisor, before spawning it).
    func reset(slot index: Int) {
        memset(slot(index), 0, Self.slotHeaderSize + threads * Self.threadSize)
    }

    /// A copy of what worker slot `index` holds now.
    func snapshot(slot index: Int) -> [ThreadSnapshot] {
        (0..<threads).map { thread in ThreadSnapshot.read(slot(index) + Self.slotHeaderSize + thread * Self.threadSize) }
    }

    /// CLOCK_MONOTONIC in nanoseconds: one clock for every process of the machine.
    static func monotonicNanos() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}

/// What one accept thread's entry held when read.
struct ThreadSnapshot: Sendable, Equatable {
    var busy = false
    var startedNanos: Int64 = 0
    var requests: UInt64 = 0
    var slow: UInt64 = 0
    var durationNanos: UInt64 = 0
    var overflow: UInt64 = 0
    var buckets = [UInt64](repeating: 0, count: Scoreboard.bucketBounds.count + 1)
    /// `METHOD /path` of the request in progress (no query string: it can hold tokens).
    var current = ""
    /// The id of the request in progress (nginx's `$request_id`), to find its log lines.
    var requestID = ""
    /// Requests per `METHOD STATUS /route/{pattern}`.
    var routes: [String: UInt64] = [:]

    static func read(_ entry: UnsafeMutableRawPointer) -> ThreadSnapshot {
        typealias F = Scoreboard.Field
        var snapshot = ThreadSnapshot()
        snapshot.busy = entry.load(fromByteOffset: F.state, as: Int64.self) == 1
        snapshot.startedNanos = entry.load(fromByteOffset: F.startedNanos, as: Int64.self)
        snapshot.requests = entry.load(fromByteOffset: F.requests, as: UInt64.self)
        snapshot.slow = entry.load(fromByteOffset: F.slow, as: UInt64.self)
        snapshot.durationNanos = entry.load(fromByteOffset: F.durationNanos, as: UInt64.self)
        snapshot.overflow = entry.load(fromByteOffset: F.overflow, as: UInt64.self)
        for bucket in snapshot.buckets.indices {
            snapshot.buckets[bucket] = entry.load(fromByteOffset: F.buckets + bucket * 8, as: UInt64.self)
        }
        if snapshot.busy {
            // Seqlock: retry while the writer is inside, or if it moved on while we copied.
            for _ in 0..<4 {
                let before = entry.load(fromByteOffset: F.sequence, as: UInt64.self)
                atomicMemoryFence(ordering: .acquiring)
                let length = min(Int(entry.load(fromByteOffset: F.currentLength, as: Int64.self)), Scoreboard.currentBytes)
                let text = String(decoding: UnsafeRawBufferPointer(start: entry + F.current, count: max(0, length)), as: UTF8.self)
                let idLength = min(Int(entry.load(fromByteOffset: F.requestIDLength, as: Int64.self)), Scoreboard.requestIDBytes)
                let id = String(decoding: UnsafeRawBufferPointer(start: entry + F.requestID, count: max(0, idLength)), as: UTF8.self)
                atomicMemoryFence(ordering: .acquiring)
                if before & 1 == 0, entry.load(fromByteOffset: F.sequence, as: UInt64.self) == before {
                    snapshot.current = text
                    snapshot.requestID = id
                    break
                }
            }
        }
        for index in 0..<Scoreboard.routeEntries {
            let route = entry + F.routes + index * F.routeSize
            let count = route.load(as: UInt64.self)
            guard count > 0 else { break }  // entries fill in order
            let key = UnsafeRawBufferPointer(start: route + 8, count: Scoreboard.routeKeyBytes)
            let length = key.firstIndex(of: 0) ?? key.count
            snapshot.routes[String(decoding: UnsafeRawBufferPointer(rebasing: key[..<length]), as: UTF8.self), default: 0] += count
        }
        return snapshot
    }
}

/// One accept thread's writer for its own scoreboard entry. Owned by that thread only.
struct ScoreboardRecorder {
    private let entry: UnsafeMutableRawPointer
    /// Route key → entry index, so recording a request is one dictionary lookup.
    private var routeIndex: [RouteKey: Int] = [:]

    init(entry: UnsafeMutableRawPointer) {
        self.entry = entry
    }

    /// A request was accepted: busy since `startedNanos`, doing `METHOD path`, known in the logs as `requestID`.
    func begin(startedNanos: Int64, method: String, path: String, requestID: String = "") {
        typealias F = Scoreboard.Field
        let sequence = entry.load(fromByteOffset: F.sequence, as: UInt64.self)
        entry.storeBytes(of: sequence &+ 1, toByteOffset: F.sequence, as: UInt64.self)
        atomicMemoryFence(ordering: .releasing)
        // `METHOD path` written straight into the entry, cut at a character boundary.
        var length = Self.copy(method, to: entry + F.current, limit: Scoreboard.currentBytes)
        if length < Scoreboard.currentBytes {
            (entry + F.current + length).storeBytes(of: UInt8(ascii: " "), as: UInt8.self)
            length += 1
            length += Self.copy(path, to: entry + F.current + length, limit: Scoreboard.currentBytes - length)
        }
        entry.storeBytes(of: Int64(length), toByteOffset: F.currentLength, as: Int64.self)
        let idLength = Self.copy(requestID, to: entry + F.requestID, limit: Scoreboard.requestIDBytes)
        entry.storeBytes(of: Int64(idLength), toByteOffset: F.requestIDLength, as: Int64.self)
        entry.storeBytes(of: startedNanos, toByteOffset: F.startedNanos, as: Int64.self)
        atomicMemoryFence(ordering: .releasing)
        entry.storeBytes(of: sequence &+ 2, toByteOffset: F.sequence, as: UInt64.self)
        entry.storeBytes(of: Int64(1), toByteOffset: F.state, as: Int64.self)
    }

    /// The request finished with `status` on `route` after `durationNanos`.
    mutating func end(method: String, status: Int, route: String, durationNanos: Int64, slow: Bool) {
        typealias F = Scoreboard.Field
        add(1, at: F.requests)
        if slow { add(1, at: F.slow) }
        add(UInt64(max(0, durationNanos)), at: F.durationNanos)
        let seconds = Double(durationNanos) / 1e9
        let bucket = Scoreboard.bucketBounds.firstIndex { seconds <= $0 } ?? Scoreboard.bucketBounds.count
        add(1, at: F.buckets + bucket * 8)
        let key = RouteKey(method: Self.methodLabel(method), status: status, route: route)
        if let index = routeIndex[key] ?? claimRoute(key) {
            add(1, at: F.routes + index * F.routeSize)
        } else {
            add(1, at: F.overflow)
        }
        entry.storeBytes(of: Int64(0), toByteOffset: F.state, as: Int64.self)
    }

    /// Copies the UTF-8 of `text` to `destination`, at most `limit` bytes, cut at a character boundary;
    /// returns the bytes written.
    static func copy(_ text: String, to destination: UnsafeMutableRawPointer, limit: Int) -> Int {
        var text = text
        return text.withUTF8 { bytes in
            var count = min(bytes.count, max(0, limit))
            // Never end inside a multi-byte character: back off over continuation bytes.
            while count < bytes.count, count > 0, bytes[count] & 0xC0 == 0x80 { count -= 1 }
            if let base = bytes.baseAddress, count > 0 { destination.copyMemory(from: base, byteCount: count) }
            return count
        }
    }

    /// Methods outside the standard set are counted as OTHER: a client cannot grow the label set.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS": method
        default: "OTHER"
        }
    }

    /// What a route counter counts: a method label, a status and a route name (no string is built per request).
    private struct RouteKey: Hashable {
        let method: String
        let status: Int
        let route: String
    }

    private mutating func claimRoute(_ key: RouteKey) -> Int? {
        typealias F = Scoreboard.Field
        let used = routeIndex.count
        let bytes = Array("\(key.method) \(key.status) \(key.route)".utf8)
        guard used < Scoreboard.routeEntries, bytes.count < Scoreboard.routeKeyBytes else { return nil }
        let route = entry + F.routes + used * F.routeSize
        bytes.withUnsafeBytes { buffer in
            if let source = buffer.baseAddress { (route + 8).copyMemory(from: source, byteCount: buffer.count) }
        }
        routeIndex[key] = used
        return used
    }

    private func add(_ value: UInt64, at offset: Int) {
        entry.storeBytes(of: entry.load(fromByteOffset: offset, as: UInt64.self) &+ value, toByteOffset: offset, as: UInt64.self)
    }
}
