import Foundation

/// Running as an unprivileged account, the way PHP-FPM runs its pools: a process started as root
/// (by systemd, or `scripts/run` on a bare machine) does what needs root — create the socket with
/// its owner and group — then switches for good to the configured `user` and `group` before it
/// touches the database or spawns a worker. Started as root without a `user`, it refuses to run.
enum Privileges {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// A resolved account.
    struct Identity: Equatable {
        let user: String
        let uid: uid_t
        let gid: gid_t
    }

    /// Whether this process runs as root.
    static var isRoot: Bool { geteuid() == 0 }

    /// The account the pool must run as, or nil when the process is not root (it then keeps its own).
    static func poolIdentity(_ config: PortalConfig) throws(Failure) -> Identity? {
        guard isRoot else { return nil }
        guard let user = config.user else {
            throw Failure(description: """
                running as root: set "user" (and "group") in the configuration to the unprivileged account \
                the pool runs as (e.g. a dedicated "portal" user); the workers must never run as root
                """)
        }
        let identity = try resolve(user: user, group: config.group)
        guard identity.uid != 0 else { throw Failure(description: "\"user\" must not be root") }
        return identity
    }

    /// The group id of `name`.
    static func groupID(_ name: String) throws(Failure) -> gid_t {
        var group = group()
        var result: UnsafeMutablePointer<group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else {
            throw Failure(description: "unknown group \"\(name)\" (create it, or fix \"group\"/\"socket_group\")")
        }
        return group.gr_gid
    }

    static func resolve(user: String, group: String?) throws(Failure) -> Identity {
        var passwd = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getpwnam_r(user, &passwd, &buffer, buffer.count, &result) == 0, result != nil else {
            throw Failure(description: "unknown user \"\(user)\" (create it, e.g. useradd --system \(user), or fix \"user\")")
        }
        let gid = try group.map { name throws(Failure) in try groupID(name) } ?? passwd.pw_gid
        return Identity(user: user, uid: passwd.pw_uid, gid: gid)
    }

    /// Switches the process to `identity` for good: supplementary groups, group, then user; checks
    /// that root cannot be regained.
    static func drop(to identity: Identity) throws(Failure) {
        var groups = [identity.gid]
        guard setgroups(1, &groups) == 0, setgid(identity.gid) == 0, setuid(identity.uid) == 0 else {
            throw Failure(description: "cannot switch to user \(identity.user): \(String(cString: strerror(errno)))")
        }
        guard setuid(0) != 0, geteuid() == identity.uid, getegid() == identity.gid else {
            throw Failure(description: "switched to \(identity.user) but root could be regained")
        }
    }

    /// For commands other than `serve`: as root, switch to the pool's account before opening the
    /// database, so files it creates (the WAL, a new database) belong to the pool.
    static func dropForCommand(_ config: PortalConfig) throws(Failure) {
        if let identity = try poolIdentity(config) { try drop(to: identity) }
    }
}
