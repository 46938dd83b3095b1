import Foundation

/// A limit on concurrent argon2 hashes shared by every worker process of a pool: `count` lock files
/// in one directory, each held with `flock` for the length of one hash. The kernel drops a lock when
/// its holder exits, so a killed worker never leaks a slot (a POSIX semaphore would).
public final class HashingSlots: Sendable {
    let paths: [String]

    /// Creates the directory and its `count` slot files if needed.
    public init(directory: String, count: Int) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        paths = (0..<max(1, count)).map { directory + "/slot-\($0)" }
        for path in paths {
            let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
            }
            close(fd)
        }
    }

    /// Runs `body` while holding a slot, waiting for one when all are held. Each acquisition opens its
    /// own descriptor: `flock` locks belong to an open file description, which threads would share.
    func withSlot<T>(_ body: () throws -> T) rethrows -> T {
        let fd = acquire()
        defer { if fd >= 0 { close(fd) } }  // closing releases the lock
        return try body()
    }

    private func acquire() -> Int32 {
        let start = Int.random(in: 0..<paths.count)
        for offset in 0..<paths.count {
            let fd = open(paths[(start + offset) % paths.count], O_RDWR | O_CLOEXEC)
            guard fd >= 0 else { continue }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 { return fd }
            close(fd)
        }
        // All held: wait on one of them.
        let fd = open(paths[start], O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return -1 }  // unreadable slot files: hash unthrottled rather than fail logins
        while flock(fd, LOCK_EX) != 0, errno == EINTR {}
        return fd
    }
}
