import Foundation

/// Starts worker processes with `posix_spawn` (never `fork` without `exec` in a Swift process).
enum ProcessSpawner {
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// Spawns `executable` with `arguments`, the parent's descriptors `descriptors[child fd]` at the
    /// given child fds (the listening socket goes to fd 0, the FastCGI convention
    /// FCGI_LISTENSOCK_FILENO), the parent's stdout/stderr, an empty signal mask and default
    /// dispositions for every signal (masks and ignored signals survive exec).
    static func spawn(executable: String, arguments: [String], descriptors: [Int32: Int32] = [:]) throws(SpawnError) -> pid_t {
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        // The dup2s run in order in the child: a source that is another entry's target (the socket at
        // fd 4 while the scoreboard goes to 4) would be overwritten first. Copies above every target
        // avoid that; they are close-on-exec here and closed in the parent after the spawn.
        let floor = (descriptors.keys.max() ?? 0) + 1
        var copies: [Int32] = []
        defer { copies.forEach { close($0) } }
        for (target, source) in descriptors {
            let copy = fcntl(source, F_DUPFD_CLOEXEC, max(floor, 10))
            guard copy >= 0 else { throw SpawnError(description: "cannot duplicate descriptor \(source): \(String(cString: strerror(errno)))") }
            copies.append(copy)
            posix_spawn_file_actions_adddup2(&fileActions, copy, target)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            environment.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &fileActions, &attributes, argv, environment)
        guard result == 0 else {
            throw SpawnError(description: "posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// The path this process was started from, so that respawned workers pick up an upgraded binary.
    static func currentExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return CommandLine.arguments[0] }
        let path = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path.hasSuffix(" (deleted)") ? String(path.dropLast(" (deleted)".count)) : path
    }
}
