import Foundation
import Handlers
import Storage

/// Why the configuration file could not be used.
struct ConfigError: Error, CustomStringConvertible {
    let description: String
    /// For an unknown key: the known key it probably meant (`smtp.host` for `smtp.hots`).
    var suggestion: String? = nil
}

/// The configuration file (JSON). Every key is optional; relative paths are relative to the
/// file's directory. Unknown keys are rejected so that a typo does not silently keep a default.
struct PortalConfig: Sendable {
    var socketPath = "run/portal.sock"
    /// The supervisor's own FastCGI socket for `/status` and `/metrics` (nil: `portal-status.sock` beside `socketPath`).
    var statusSocketPath: String?
    /// Permissions of the socket file: nginx's workers must be able to connect.
    var socketMode: mode_t = 0o660
    var listenBacklog: Int32 = 511
    var databasePath = "portal.sqlite"
    var pidFile: String?
    var workers = ProcessInfo.processInfo.activeProcessorCount
    var threadsPerWorker = 4
    /// A worker exits (and is replaced) after serving this many requests; 0 = never.
    var maxRequests = 10_000
    /// How long in-flight requests may take to finish at stop or reload.
    var gracefulTimeout: TimeInterval = 30
    var maxBodyBytes = 1 << 20
    /// Requests taking longer are logged (route, duration, worker pid); 0 = off.
    var requestSlowlogTimeout: TimeInterval = 0
    /// A worker stuck in one request longer than this is replaced by the supervisor; 0 = off.
    var requestTerminateTimeout: TimeInterval = 0
    var logLevel = "info"
    var argon2 = Argon2Parameters.owaspMinimum
    /// Concurrent argon2 hashes in the whole pool (every worker together).
    var argon2MaxConcurrent = ProcessInfo.processInfo.activeProcessorCount
    var session = SessionLifetime(idleTimeout: 7200, absoluteTimeout: 604_800)
    var defaultPortalName = "Developer Portal"
    var defaultPortalDomain = "localhost"
    /// New portals made through the management API get `<name>.<this>` as their default domain.
    var portalDomainSuffix: String?
    /// Custom-domain verification: the name server (`IPv4:port`), or a stub file of CNAMEs.
    var dnsResolver = DNSResolver()
    var certificatesDirectory = "/etc/letsencrypt/live"
    /// Host names besides the portals' own domains that reach the default portal (nil: its domain only).
    var serverNames: [String]?
    /// Scheme and port of the public URLs (mail links): what clients connect to at nginx.
    var publicOrigin = PublicOrigin()
    var mail = MailSettings()
    var loginThrottle = LoginThrottlePolicy()
    var mailQuota = MailQuota()
    /// Longest wait between audit-log webhook retries.
    var auditMaximumBackoff: TimeInterval = 300
    /// Account and group the workers run as when the supervisor starts as root (PHP-FPM's `user`/`group`).
    var user: String?
    var group: String?
    /// Group of the FastCGI socket (nginx's workers' group), when started as root.
    var socketGroup: String?

    static let knownKeys: Set<String> = [
        "socket_path", "socket_mode", "socket_group", "listen_backlog", "database_path", "pid_file", "workers",
        "threads_per_worker", "max_requests", "graceful_timeout_seconds", "max_body_bytes", "log_level", "argon2",
        "session", "default_portal", "server_names", "public_scheme", "public_port", "smtp", "login_throttle",
        "mail_quota", "user", "group", "portal_domain_suffix", "dns", "certificates_dir",
        "audit_delivery", "status_socket_path", "request_slowlog_timeout_seconds", "request_terminate_timeout_seconds",
    ]

    /// The members each object-valued key takes; any other member is refused like an unknown top-level key.
    static let nestedKeys: [String: Set<String>] = [
        "argon2": ["memory_kib", "iterations", "parallelism", "max_concurrent"],
        "session": ["idle_timeout_seconds", "absolute_timeout_seconds"],
        "default_portal": ["name", "domain"],
        "login_throttle": ["free_failures", "maximum_lockout_seconds"],
        "mail_quota": ["per_address_per_hour"],
        "audit_delivery": ["max_backoff_seconds"],
        "dns": ["server", "stub_file"],
        "smtp": ["host", "port", "from", "username", "password", "timeout_seconds"],
    ]

    /// Environment variables that override a key of the file (for containers and one-off runs). The
    /// supervisor's workers inherit the environment, so every process of a pool sees the same values.
    static let environmentOverrides: [(variable: String, key: String, isInteger: Bool)] = [
        ("PORTAL_DATABASE_PATH", "database_path", false),
        ("PORTAL_SOCKET_PATH", "socket_path", false),
        ("PORTAL_STATUS_SOCKET_PATH", "status_socket_path", false),
        ("PORTAL_PID_FILE", "pid_file", false),
        ("PORTAL_WORKERS", "workers", true),
        ("PORTAL_THREADS_PER_WORKER", "threads_per_worker", true),
        ("PORTAL_LOG_LEVEL", "log_level", false),
    ]

    /// Reads the file at `path`, then applies the environment overrides; a missing file is an error.
    static func load(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(ConfigError) -> PortalConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "permission denied: make it readable by the user running portal-fcgi (e.g. chgrp portal \(path); chmod 0640 \(path))"
                : "no such file: pass the right --config path, or install one (scripts/install)"
            throw ConfigError(description: "cannot read configuration file \(path): \(reason)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(Array(data), relativeTo: directory, environment: environment)
    }

    /// The members of the configuration document with the environment overrides applied.
    static func members(_ bytes: [UInt8], environment: [String: String]) throws(ConfigError) -> [(String, JSON)] {
        let document: JSON
        do {
            document = try JSON.parse(bytes)
        } catch {
            throw ConfigError(description: "configuration is not valid JSON: \(error.message)")
        }
        guard case .object(var members) = document else {
            throw ConfigError(description: "configuration must be a JSON object")
        }
        for override in environmentOverrides {
            guard let text = environment[override.variable] else { continue }
            let value: JSON
            if override.isInteger {
                guard let number = Int64(text) else {
                    throw ConfigError(description: "\(override.variable) must be an integer (it overrides \"\(override.key)\")")
                }
                value = .int(number)
            } else {
                value = .string(text)
            }
            members.removeAll { $0.0 == override.key }
            members.append((override.key, value))
        }
        return members
    }

    /// The known key closest to a misspelt one (edit distance at most 3); among `candidates` when given.
    static func suggestion(for key: String, among candidates: Set<String> = knownKeys) -> String? {
        let close = candidates.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 3 }
        return close.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }?.0
    }

    /// `value` of the object-valued `key`, checked: an object whose members are all known.
    private static func object(_ value: JSON, _ key: String) throws(ConfigError) -> JSON {
        guard case .object(let members) = value else { throw ConfigError(description: "\(key) must be an object") }
        let known = nestedKeys[key] ?? []
        for (member, _) in members where !known.contains(member) {
            let suggestion = Self.suggestion(for: member, among: known).map { "\(key).\($0)" }
            let hint = suggestion.map { " (did you mean \"\($0)\"?)" } ?? ""
            throw ConfigError(description: "unknown configuration key \"\(key).\(member)\"\(hint)", suggestion: suggestion)
        }
        return value
    }

    /// Levenshtein distance over bytes (keys are ASCII).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.utf8), b = Array(b.utf8)
        var row = Array(0...b.count)
        for (i, x) in a.enumerated() {
            var previous = row[0]
            row[0] = i + 1
            for (j, y) in b.enumerated() {
                let current = row[j + 1]
                row[j + 1] = min(current + 1, row[j] + 1, previous + (x == y ? 0 : 1))
                previous = current
            }
        }
        return row[b.count]
    }

    /// Parses configuration text; relative paths are resolved against `directory`.
    static func parse(_ bytes: [UInt8], relativeTo directory: String, environment: [String: String] = [:]) throws(ConfigError) -> PortalConfig {
        let members = try members(bytes, environment: environment)
        var config = PortalConfig()
        for (key, value) in members {
            guard knownKeys.contains(key) else {
                let suggestion = suggestion(for: key)
                let hint = suggestion.map { " (did you mean \"\($0)\"?)" } ?? ""
                throw ConfigError(description: "unknown configuration key \"\(key)\"\(hint)", suggestion: suggestion)
            }
            let value = nestedKeys[key] == nil ? value : try object(value, key)
            switch key {
            case "socket_path": config.socketPath = try string(value, key)
            case "status_socket_path": config.statusSocketPath = try string(value, key)
            case "request_slowlog_timeout_seconds": config.requestSlowlogTimeout = TimeInterval(try integer(value, key, range: 0...86_400))
            case "request_terminate_timeout_seconds": config.requestTerminateTimeout = TimeInterval(try integer(value, key, range: 0...86_400))
            case "socket_mode":
                // Never more than owner and group read/write: anyone else could talk FastCGI to the pool.
                guard let mode = mode_t(try string(value, key), radix: 8), mode & ~0o660 == 0 else {
                    throw ConfigError(description: "socket_mode must be an octal string no wider than \"0660\" (e.g. \"0660\" or \"0600\")")
                }
                config.socketMode = mode
            case "listen_backlog": config.listenBacklog = Int32(try integer(value, key, range: 1...65535))
            case "database_path": config.databasePath = try string(value, key)
            case "pid_file": config.pidFile = try string(value, key)
            case "workers": config.workers = try integer(value, key, range: 1...256)
            case "threads_per_worker": config.threadsPerWorker = try integer(value, key, range: 1...256)
            case "max_requests": config.maxRequests = try integer(value, key, range: 0...Int(Int32.max))
            case "graceful_timeout_seconds": config.gracefulTimeout = TimeInterval(try integer(value, key, range: 0...3600))
            case "max_body_bytes": config.maxBodyBytes = try integer(value, key, range: 1024...(1 << 30))
            case "log_level":
                config.logLevel = try string(value, key)
                guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(config.logLevel) else {
                    throw ConfigError(description: "log_level must be one of trace, debug, info, notice, warning, error, critical")
                }
            case "argon2":
                config.argon2 = Argon2Parameters(
                    memoryKiB: UInt32(try integer(value["memory_kib"] ?? .int(19_456), "argon2.memory_kib", range: 8...(4 << 20))),
                    iterations: UInt32(try integer(value["iterations"] ?? .int(2), "argon2.iterations", range: 1...100)),
                    parallelism: UInt32(try integer(value["parallelism"] ?? .int(1), "argon2.parallelism", range: 1...64)))
                guard config.argon2.meetsOWASPMinimum else {
                    let floor = Argon2Parameters.owaspFloor.map { "m=\($0.memoryKiB) t=\($0.iterations)" }.joined(separator: ", ")
                    throw ConfigError(description: "argon2 parameters are below OWASP's minimum (one of \(floor), p>=1): rehashing at login would weaken stored hashes")
                }
                if let limit = value["max_concurrent"] {
                    config.argon2MaxConcurrent = try integer(limit, "argon2.max_concurrent", range: 1...256)
                }
            case "session":
                config.session = SessionLifetime(
                    idleTimeout: TimeInterval(try integer(value["idle_timeout_seconds"] ?? .int(7200), "session.idle_timeout_seconds", range: 60...31_536_000)),
                    absoluteTimeout: TimeInterval(try integer(value["absolute_timeout_seconds"] ?? .int(604_800), "session.absolute_timeout_seconds", range: 60...31_536_000)))
            case "default_portal":
                if let name = value["name"] { config.defaultPortalName = try string(name, "default_portal.name") }
                if let domain = value["domain"] { config.defaultPortalDomain = try string(domain, "default_portal.domain") }
            case "server_names":
                guard case .array(let names) = value, !names.isEmpty else {
                    throw ConfigError(description: "server_names must be a non-empty array of host names")
                }
                config.serverNames = try names.map { name throws(ConfigError) in try string(name, "server_names[]").lowercased() }
            case "public_scheme":
                let scheme = try string(value, key)
                guard scheme == "https" || scheme == "http" else { throw ConfigError(description: "public_scheme must be \"https\" or \"http\"") }
                config.publicOrigin.scheme = scheme
            case "public_port": config.publicOrigin.port = try integer(value, key, range: 1...65535)
            case "login_throttle":
                if let free = value["free_failures"] {
                    config.loginThrottle.freeFailures = try integer(free, "login_throttle.free_failures", range: 1...100)
                }
                if let cap = value["maximum_lockout_seconds"] {
                    config.loginThrottle.maximumDelay = TimeInterval(try integer(cap, "login_throttle.maximum_lockout_seconds", range: 1...86_400))
                }
                let guesses = config.loginThrottle.worstCaseTriesPerHour
                guard guesses <= 100 else {
                    throw ConfigError(description: "login_throttle allows \(guesses) password guesses an hour against one account; OWASP ASVS 2.2.1 allows at most 100: lower free_failures or raise maximum_lockout_seconds")
                }
            case "mail_quota":
                if let limit = value["per_address_per_hour"] {
                    config.mailQuota.limit = try integer(limit, "mail_quota.per_address_per_hour", range: 1...1000)
                }
            case "audit_delivery":
                if let cap = value["max_backoff_seconds"] {
                    config.auditMaximumBackoff = TimeInterval(try integer(cap, "audit_delivery.max_backoff_seconds", range: 1...86_400))
                }
            case "portal_domain_suffix":
                let suffix = try string(value, key).lowercased()
                guard suffix.split(separator: ".").allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else {
                    throw ConfigError(description: "portal_domain_suffix must be a domain such as \"portals.example.com\"")
                }
                config.portalDomainSuffix = suffix
            case "dns":
                if let server = value["server"] {
                    let text = try string(server, "dns.server")
                    guard text.split(separator: ":").count == 2 else { throw ConfigError(description: "dns.server must be IPv4:port, e.g. \"127.0.0.1:53\"") }
                    config.dnsResolver.server = text
                }
                if let stub = value["stub_file"] { config.dnsResolver.stubFile = try string(stub, "dns.stub_file") }
            case "certificates_dir": config.certificatesDirectory = try string(value, key)
            case "user": config.user = try string(value, key)
            case "group": config.group = try string(value, key)
            case "socket_group": config.socketGroup = try string(value, key)
            case "smtp":
                if let host = value["host"] { config.mail.host = try string(host, "smtp.host") }
                if let port = value["port"] { config.mail.port = try integer(port, "smtp.port", range: 1...65535) }
                if let from = value["from"] { config.mail.from = try string(from, "smtp.from") }
                if let username = value["username"] { config.mail.username = try string(username, "smtp.username") }
                if let password = value["password"] { config.mail.password = try string(password, "smtp.password") }
                if let timeout = value["timeout_seconds"] { config.mail.timeout = try integer(timeout, "smtp.timeout_seconds", range: 1...300) }
            default: break
            }
        }
        config.socketPath = resolve(config.socketPath, against: directory)
        config.statusSocketPath = resolve(
            config.statusSocketPath ?? ((config.socketPath as NSString).deletingLastPathComponent + "/portal-status.sock"), against: directory)
        config.databasePath = resolve(config.databasePath, against: directory)
        config.pidFile = config.pidFile.map { resolve($0, against: directory) }
        config.dnsResolver.stubFile = config.dnsResolver.stubFile.map { resolve($0, against: directory) }
        return config
    }

    private static func string(_ value: JSON, _ key: String) throws(ConfigError) -> String {
        guard case .string(let text) = value, !text.isEmpty else {
            throw ConfigError(description: "\(key) must be a non-empty string")
        }
        return text
    }

    private static func integer(_ value: JSON, _ key: String, range: ClosedRange<Int>) throws(ConfigError) -> Int {
        guard case .int(let number) = value, range.contains(Int(number)) else {
            throw ConfigError(description: "\(key) must be an integer in \(range.lowerBound)...\(range.upperBound)")
        }
        return Int(number)
    }

    private static func resolve(_ path: String, against directory: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }

    var handlerSettings: HandlerSettings {
        HandlerSettings(
            maxBodyBytes: maxBodyBytes, sessionLifetime: session, mail: mail, publicOrigin: publicOrigin,
            serverNames: serverNames ?? [defaultPortalDomain.lowercased()], loginThrottle: loginThrottle, mailQuota: mailQuota,
            portalDomainSuffix: portalDomainSuffix ?? defaultPortalDomain.lowercased(), dnsResolver: dnsResolver,
            certificatesDirectory: certificatesDirectory, auditMaximumBackoff: auditMaximumBackoff)
    }

    /// The status socket's path (always set after `parse`).
    var statusSocket: String { statusSocketPath ?? socketPath + ".status" }

    /// The directory of the pool-wide argon2 slot files (beside the database, which workers can write).
    var hashingSlotsDirectory: String { databasePath + "-hash-slots" }

    var databaseSettings: DatabaseSettings {
        DatabaseSettings(path: databasePath, maximumReaderCount: max(2, threadsPerWorker))
    }
}
