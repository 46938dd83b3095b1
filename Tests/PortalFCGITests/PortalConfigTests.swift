import Testing
@testable import PortalFCGI
import Storage

@Suite struct PortalConfigTests {
    @Test func defaultsAndRelativePaths() throws {
        let config = try PortalConfig.parse(Array("{}".utf8), relativeTo: "/srv/portal")
        #expect(config.socketPath == "/srv/portal/run/portal.sock")
        #expect(config.databasePath == "/srv/portal/portal.sqlite")
        #expect(config.socketMode == 0o660)
        #expect(config.threadsPerWorker == 4)
        #expect(config.argon2.memoryKiB == 19_456 && config.argon2.iterations == 2 && config.argon2.parallelism == 1)
    }

    @Test func readsEveryKey() throws {
        let text = """
            {"socket_path": "/run/p.sock", "socket_mode": "0640", "database_path": "db/p.sqlite", "pid_file": "p.pid",
             "workers": 3, "threads_per_worker": 2, "max_requests": 5, "graceful_timeout_seconds": 7,
             "max_body_bytes": 2048, "log_level": "debug", "listen_backlog": 64,
             "argon2": {"memory_kib": 65536, "iterations": 3, "parallelism": 2},
             "session": {"idle_timeout_seconds": 600, "absolute_timeout_seconds": 3600},
             "default_portal": {"name": "Acme", "domain": "dev.acme.test"}}
            """
        let config = try PortalConfig.parse(Array(text.utf8), relativeTo: "/etc/portal")
        #expect(config.socketPath == "/run/p.sock")
        #expect(config.socketMode == 0o640)
        #expect(config.databasePath == "/etc/portal/db/p.sqlite")
        #expect(config.pidFile == "/etc/portal/p.pid")
        #expect(config.workers == 3 && config.threadsPerWorker == 2 && config.maxRequests == 5)
        #expect(config.gracefulTimeout == 7 && config.maxBodyBytes == 2048 && config.listenBacklog == 64)
        #expect(config.logLevel == "debug")
        #expect(config.argon2.memoryKiB == 65536 && config.argon2.iterations == 3 && config.argon2.parallelism == 2)
        #expect(config.session.idleTimeout == 600 && config.session.absoluteTimeout == 3600)
        #expect(config.defaultPortalName == "Acme" && config.defaultPortalDomain == "dev.acme.test")
    }

    @Test(arguments: [
        "{\"workers\": 0}", "{\"wokers\": 2}", "{\"socket_mode\": \"999\"}", "{\"log_level\": \"loud\"}",
        "{\"workers\": \"2\"}", "[1]", "{", "{\"argon2\": {\"iterations\": 0}}",
        // Wider than owner and group: anyone could speak FastCGI to the pool.
        "{\"socket_mode\": \"0666\"}", "{\"socket_mode\": \"0770\"}",
        // Below OWASP's argon2id floor: rehash-on-login would weaken stored hashes.
        "{\"argon2\": {\"memory_kib\": 1024, \"iterations\": 1}}", "{\"argon2\": {\"memory_kib\": 19456, \"iterations\": 1}}",
        "{\"argon2\": {\"memory_kib\": 7168, \"iterations\": 4}}", "{\"public_scheme\": \"ftp\"}", "{\"server_names\": []}",
        // More than 100 guesses an hour against one account (ASVS 2.2.1).
        "{\"login_throttle\": {\"free_failures\": 95}}", "{\"login_throttle\": {\"maximum_lockout_seconds\": 30}}",
    ])
    func rejectsBadConfiguration(_ text: String) {
        #expect(throws: ConfigError.self) { try PortalConfig.parse(Array(text.utf8), relativeTo: "/") }
    }

    @Test func theDefaultThrottleAllowsAbout20GuessesAnHour() throws {
        let config = try PortalConfig.parse(Array(#"{"login_throttle": {"free_failures": 50}}"#.utf8), relativeTo: "/")
        #expect(config.loginThrottle.worstCaseTriesPerHour <= 100)
        #expect((20...25).contains(LoginThrottlePolicy().worstCaseTriesPerHour))
    }
}
