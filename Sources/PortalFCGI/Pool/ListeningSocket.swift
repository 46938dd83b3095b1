import Foundation

/// The pool's FastCGI unix socket, owned by the supervisor for the pool's whole life so that
/// connections queued in its backlog survive worker restarts.
///
/// Made here rather than with `FCGX_OpenSocket`, which unlinks the path first (silently stealing a
/// running pool's socket) and leaves the descriptor inheritable. A lock file next to the socket
/// tells whether a live pool owns it.
final class ListeningSocket {
    let path: String
    let descriptor: Int32
    private let lockDescriptor: Int32

    struct OpenError: Error, CustomStringConvertible {
        let description: String
        /// What the operator can do about it.
        var fix = "check socket_path in the configuration"
    }

    /// PHP-FPM's listen.owner/listen.group: started as root, the socket belongs to the pool's user and
    /// nginx's group (when given), so a 0660 socket is enough.
    func own(_ identity: Privileges.Identity?, group: gid_t?) throws(OpenError) {
        guard let identity else { return }
        guard chown(path, identity.uid, group ?? identity.gid) == 0 else {
            throw OpenError(description: "cannot chown \(path): \(Self.errorText())")
        }
    }

    init(path: String, mode: mode_t, backlog: Int32) throws(OpenError) {
        self.path = path
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)

        let lockPath = path + ".lock"
        lockDescriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lockDescriptor >= 0 else {
            throw OpenError(
                description: "cannot open lock file \(lockPath): \(Self.errorText())",
                fix: "the directory of socket_path must exist and be writable by the user starting the pool (systemd: RuntimeDirectory=portal)")
        }
        guard flock(lockDescriptor, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(lockDescriptor)
            throw OpenError(
                description: "another pool is running on \(path) (lock \(lockPath) is held)",
                fix: "stop it first (systemctl stop portal-fcgi, or kill the pid in pid_file), or give this one another socket_path")
        }
        if Self.somebodyListens(on: path) {
            Glibc.close(lockDescriptor)
            throw OpenError(
                description: "another process is listening on \(path)",
                fix: "find it with: ss -xlp | grep \(path); stop it or choose another socket_path")
        }
        unlink(path)  // a stale socket from a pool that died

        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            Glibc.close(lockDescriptor)
            throw OpenError(description: "socket(): \(Self.errorText())")
        }
        var address = sockaddr_un()
        guard Self.fill(&address, path: path) else {
            Glibc.close(fd)
            Glibc.close(lockDescriptor)
            throw OpenError(description: "socket path too long: \(path)")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, chmod(path, mode) == 0, listen(fd, backlog) == 0 else {
            let text = Self.errorText()
            Glibc.close(fd)
            Glibc.close(lockDescriptor)
            throw OpenError(description: "cannot listen on \(path): \(text)")
        }
        descriptor = fd
    }

    /// Closes the socket and removes its file and lock.
    func close() {
        Glibc.close(descriptor)
        unlink(path)
        unlink(path + ".lock")
        Glibc.close(lockDescriptor)
    }

    private static func somebodyListens(on path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { Glibc.close(fd) }
        var address = sockaddr_un()
        guard fill(&address, path: path) else { return false }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    private static func fill(_ address: inout sockaddr_un, path: String) -> Bool {
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard bytes.count < capacity else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes)
            buffer[bytes.count] = 0
        }
        return true
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
