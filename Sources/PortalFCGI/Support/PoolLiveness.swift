import Foundation

/// Whether a pool is running on a configuration: commands that replace the database must not run under one.
enum PoolLiveness {
    /// A description of the running pool ("pid 1234", or the lock held on the socket), or nil.
    static func running(_ config: PortalConfig) -> String? {
        if let pidFile = config.pidFile, let pid = livePid(in: pidFile) { return "pid \(pid) from \(pidFile)" }
        // The supervisor holds an exclusive lock on `<socket>.lock` for its whole life (ListeningSocket).
        let lockPath = config.socketPath + ".lock"
        let fd = open(lockPath, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0, errno == EWOULDBLOCK { return "the lock \(lockPath) is held" }
        flock(fd, LOCK_UN)
        return nil
    }

    /// The pid in `path` if that process is alive and is a portal-fcgi (not a reused pid).
    static func livePid(in path: String) -> pid_t? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
              kill(pid, 0) == 0 || errno == EPERM
        else { return nil }
        guard let command = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return pid }
        return String(decoding: command, as: UTF8.self).contains("portal-fcgi") ? pid : nil
    }
}
