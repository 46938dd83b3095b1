import Foundation
import Handlers

/// One thing wrong with a configuration: which key, what, and how to fix it.
struct ConfigProblem: Equatable, CustomStringConvertible {
    let key: String
    let message: String
    let fix: String

    var description: String { "\(key): \(message)\n  fix: \(fix)" }
}

/// `portal-fcgi config check`: every problem of a configuration at once (the pool itself stops at the
/// first), including what only shows at start: missing directories, unknown users, paths too long.
enum ConfigCheck {
    /// The problems of the file at `path` with `environment`'s overrides; empty when the pool would start.
    static func problems(path: String, environment: [String: String], isRoot: Bool = Privileges.isRoot) -> [ConfigProblem] {
        guard let data = FileManager.default.contents(atPath: path) else {
            return [ConfigProblem(key: "--config", message: "cannot read \(path)", fix: "check the path and that this user may read it")]
        }
        let bytes = Array(data)
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var members: [(String, JSON)]
        do {
            members = try PortalConfig.members(bytes, environment: [:])
        } catch {
            return [ConfigProblem(key: "(file)", message: error.description, fix: "write one JSON object, e.g. {\"workers\": 2}")]
        }
        var problems: [ConfigProblem] = []
        for override in PortalConfig.environmentOverrides {
            guard let text = environment[override.variable] else { continue }
            do {
                let one = try PortalConfig.members(Array("{}".utf8), environment: [override.variable: text])
                members.removeAll { $0.0 == override.key }
                members += one
            } catch {
                problems.append(ConfigProblem(key: override.variable, message: error.description, fix: "set it to an integer, or unset it"))
            }
        }
        // Each key alone, so that one mistake does not hide the next; the sound ones are checked together after.
        var sound: [(String, JSON)] = []
        for (key, value) in members {
            do {
                _ = try PortalConfig.parse(JSON.object([(key, value)]).bytes, relativeTo: directory)
                sound.append((key, value))
            } catch {
                let source = PortalConfig.environmentOverrides.first { $0.key == key && environment[$0.variable] != nil }
                let place = source.map { "the environment variable \($0.variable)" } ?? "\(path)"
                let fix: String
                if let suggestion = error.suggestion {
                    fix = "rename it to \"\(suggestion)\""
                } else if error.description.hasPrefix("unknown configuration key") {
                    fix = "remove it (docs/configuration.md lists the keys)"
                } else {
                    fix = "correct \"\(key)\" in \(place) (docs/configuration.md lists each key's values)"
                }
                problems.append(ConfigProblem(key: key, message: error.description, fix: fix))
            }
        }
        if let config = try? PortalConfig.parse(JSON.object(sound).bytes, relativeTo: directory) {
            problems += semanticProblems(config, isRoot: isRoot)
        }
        return problems
    }

    /// What the values mean together and on this machine.
    static func semanticProblems(_ config: PortalConfig, isRoot: Bool) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        var identity: Privileges.Identity?
        if isRoot {
            do {
                identity = try Privileges.poolIdentity(config)
            } catch {
                problems.append(ConfigProblem(key: config.user == nil ? "user" : "user/group", message: error.description,
                                              fix: "set \"user\"/\"group\" to an existing unprivileged account, or start the pool as that user (systemd User=)"))
            }
            if let group = config.socketGroup {
                do { _ = try Privileges.groupID(group) } catch {
                    problems.append(ConfigProblem(key: "socket_group", message: error.description, fix: "use nginx's group (Debian: www-data)"))
                }
            }
        }
        let databaseDirectory = (config.databasePath as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: databaseDirectory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            problems.append(ConfigProblem(
                key: "database_path", message: "the directory \(databaseDirectory) does not exist",
                fix: "create it for the pool's user (install -d -o portal -g portal -m 0750 \(databaseDirectory)), or point database_path elsewhere"))
        } else if let reason = FilePermissions.notWritable(databaseDirectory, by: identity) {
            problems.append(ConfigProblem(
                key: "database_path", message: "the pool cannot write in \(databaseDirectory) (\(reason)); SQLite needs it for the -wal and -shm files",
                fix: "chown \(identity?.user ?? "<pool user>") \(databaseDirectory), or point database_path elsewhere"))
        }
        for (key, path) in [("socket_path", config.socketPath), ("status_socket_path", config.statusSocket)] {
            if path.utf8.count >= 108 {
                problems.append(ConfigProblem(key: key, message: "\(path) is \(path.utf8.count) bytes; a unix socket path must be under 108",
                                              fix: "use a shorter path, e.g. /run/portal/portal.sock"))
            }
        }
        if config.statusSocket == config.socketPath {
            problems.append(ConfigProblem(key: "status_socket_path", message: "is the same as socket_path",
                                          fix: "leave it out (default: portal-status.sock beside socket_path) or choose another file"))
        }
        if config.requestTerminateTimeout > 0, config.requestSlowlogTimeout >= config.requestTerminateTimeout {
            problems.append(ConfigProblem(
                key: "request_slowlog_timeout_seconds", message: "is not below request_terminate_timeout_seconds: no request would ever be logged as slow",
                fix: "set it below \(Int(config.requestTerminateTimeout)) (or 0 to turn the slow log off)"))
        }
        return problems
    }
}

/// Whether an account could create files in a directory, judged from its mode bits (root can always).
enum FilePermissions {
    /// nil when `identity` (or, without one, this process) may write in `directory`; else why not.
    static func notWritable(_ directory: String, by identity: Privileges.Identity?) -> String? {
        guard let identity else { return access(directory, W_OK | X_OK) == 0 ? nil : String(cString: strerror(errno)) }
        var info = stat()
        guard stat(directory, &info) == 0 else { return String(cString: strerror(errno)) }
        let mode = info.st_mode
        if info.st_uid == identity.uid { return mode & 0o300 == 0o300 ? nil : "its owner lacks write permission" }
        if info.st_gid == identity.gid { return mode & 0o030 == 0o030 ? nil : "its group lacks write permission" }
        return mode & 0o003 == 0o003 ? nil : "owned by uid \(info.st_uid), not \(identity.user)"
    }
}
