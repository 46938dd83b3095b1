import Foundation
import Testing
@testable import PortalFCGI

/// Issue 12's configuration: the new keys, environment overrides and `config check`.
@Suite struct OperationsConfigTests {
    @Test func newKeysHaveDefaultsAndTheStatusSocketSitsBesideThePoolSocket() throws {
        let config = try PortalConfig.parse(Array("{}".utf8), relativeTo: "/srv/portal")
        #expect(config.requestSlowlogTimeout == 0 && config.requestTerminateTimeout == 0)
        #expect(config.statusSocket == "/srv/portal/run/portal-status.sock")
        let set = try PortalConfig.parse(Array("""
            {"socket_path": "/run/portal/portal.sock", "status_socket_path": "st.sock",
             "request_slowlog_timeout_seconds": 2, "request_terminate_timeout_seconds": 30}
            """.utf8), relativeTo: "/etc/portal")
        #expect(set.statusSocket == "/etc/portal/st.sock")
        #expect(set.requestSlowlogTimeout == 2 && set.requestTerminateTimeout == 30)
    }

    @Test func environmentOverridesWinOverTheFileAndAreValidatedTheSameWay() throws {
        let text = Array(#"{"workers": 2, "database_path": "a.sqlite", "log_level": "info"}"#.utf8)
        let config = try PortalConfig.parse(text, relativeTo: "/etc/portal", environment: [
            "PORTAL_WORKERS": "5", "PORTAL_DATABASE_PATH": "/var/lib/portal/b.sqlite", "PORTAL_LOG_LEVEL": "debug",
            "PORTAL_THREADS_PER_WORKER": "3", "UNRELATED": "x",
        ])
        #expect(config.workers == 5 && config.threadsPerWorker == 3)
        #expect(config.databasePath == "/var/lib/portal/b.sqlite")
        #expect(config.logLevel == "debug")
        #expect(throws: ConfigError.self) { try PortalConfig.parse(text, relativeTo: "/", environment: ["PORTAL_WORKERS": "many"]) }
        #expect(throws: ConfigError.self) { try PortalConfig.parse(text, relativeTo: "/", environment: ["PORTAL_WORKERS": "0"]) }
        #expect(throws: ConfigError.self) { try PortalConfig.parse(text, relativeTo: "/", environment: ["PORTAL_LOG_LEVEL": "loud"]) }
    }

    @Test func aMisspeltKeyIsRefusedWithTheKeyItProbablyMeant() {
        #expect(PortalConfig.suggestion(for: "wokers") == "workers")
        #expect(PortalConfig.suggestion(for: "database-path") == "database_path")
        #expect(PortalConfig.suggestion(for: "completely_unrelated_thing") == nil)
        do {
            _ = try PortalConfig.parse(Array(#"{"databse_path": "x"}"#.utf8), relativeTo: "/")
            Issue.record("accepted a misspelt key")
        } catch {
            #expect(error.description.contains("did you mean \"database_path\""))
        }
    }

    static func write(_ text: String) throws -> (directory: URL, path: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-check-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("portal.json").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return (directory, path)
    }

    @Test func configCheckListsEveryProblemWithItsKeyAndAFix() throws {
        let file = try Self.write("""
            {"wokers": 2, "threads_per_worker": 0, "database_path": "/nonexistent-dir/p.sqlite",
             "request_slowlog_timeout_seconds": 5, "request_terminate_timeout_seconds": 3, "socket_mode": "0777"}
            """)
        defer { try? FileManager.default.removeItem(at: file.directory) }
        let problems = ConfigCheck.problems(path: file.path, environment: ["PORTAL_WORKERS": "x"], isRoot: false)
        let keys = problems.map(\.key)
        #expect(Set(keys) == ["wokers", "threads_per_worker", "socket_mode", "database_path", "request_slowlog_timeout_seconds", "PORTAL_WORKERS"])
        #expect(problems.first { $0.key == "wokers" }?.fix == "rename it to \"workers\"")
        #expect(problems.allSatisfy { !$0.message.isEmpty && !$0.fix.isEmpty })
    }

    @Test func configCheckOfAGoodFileFindsNothing() throws {
        let file = try Self.write(#"{"workers": 2, "database_path": "portal.sqlite"}"#)
        defer { try? FileManager.default.removeItem(at: file.directory) }
        #expect(ConfigCheck.problems(path: file.path, environment: [:], isRoot: false) == [])
        #expect(ConfigCheck.problems(path: file.path + ".missing", environment: [:], isRoot: false).map(\.key) == ["--config"])
    }

    @Test func configCheckAsRootWantsAnUnprivilegedUser() throws {
        let file = try Self.write(#"{"database_path": "portal.sqlite"}"#)
        defer { try? FileManager.default.removeItem(at: file.directory) }
        #expect(ConfigCheck.problems(path: file.path, environment: [:], isRoot: true).map(\.key) == ["user"])
    }

    /// The error `parse` throws for `text`; nil when it is accepted.
    static func refusal(_ text: String) -> ConfigError? {
        do {
            _ = try PortalConfig.parse(Array(text.utf8), relativeTo: "/etc/portal")
            return nil
        } catch {
            return error
        }
    }

    @Test func anUnknownMemberOfANestedObjectIsRefusedWithTheMemberItProbablyMeant() {
        let cases: [(String, String, String?)] = [
            (#"{"smtp": {"hots": "mail.example.com"}}"#, "smtp.hots", "smtp.host"),
            (#"{"argon2": {"memory_kb": 19456}}"#, "argon2.memory_kb", "argon2.memory_kib"),
            (#"{"session": {"idle_timeout": 600}}"#, "session.idle_timeout", nil),
            (#"{"session": {"idle_timeout_second": 600}}"#, "session.idle_timeout_second", "session.idle_timeout_seconds"),
            (#"{"login_throttle": {"free_failure": 3}}"#, "login_throttle.free_failure", "login_throttle.free_failures"),
            (#"{"mail_quota": {"per_adress_per_hour": 3}}"#, "mail_quota.per_adress_per_hour", "mail_quota.per_address_per_hour"),
            (#"{"mail_quota": {"per_address_per_day": 3}}"#, "mail_quota.per_address_per_day", nil),
            (#"{"audit_delivery": {"max_backoff": 60}}"#, "audit_delivery.max_backoff", nil),
            (#"{"default_portal": {"nmae": "Docs"}}"#, "default_portal.nmae", "default_portal.name"),
            (#"{"dns": {"servr": "127.0.0.1:53"}}"#, "dns.servr", "dns.server"),
        ]
        for (text, key, suggestion) in cases {
            let error = Self.refusal(text)
            #expect(error?.description.hasPrefix("unknown configuration key \"\(key)\"") == true, "\(text): \(String(describing: error))")
            #expect(error?.suggestion == suggestion, "\(text)")
            if let suggestion { #expect(error?.description.contains("did you mean \"\(suggestion)\"") == true) }
        }
        // Known members still parse.
        #expect(Self.refusal(#"{"smtp": {"host": "h", "port": 25}, "session": {"idle_timeout_seconds": 600}, "mail_quota": {"per_address_per_hour": 3}}"#) == nil)
    }

    @Test func everyObjectValuedKeyMustBeAnObject() {
        for key in PortalConfig.nestedKeys.keys.sorted() {
            for value in ["5", "\"text\"", "[]", "true"] {
                let error = Self.refusal("{\"\(key)\": \(value)}")
                #expect(error?.description == "\(key) must be an object", "\(key): \(value)")
            }
        }
    }

    @Test func configCheckNamesTheNestedKeyAndSuggestsTheRename() throws {
        let file = try Self.write(#"{"smtp": {"hots": "mail"}, "argon2": 3, "session": {"absolute_timeout_seconds": 3600, "whatever": 1}, "database_path": "p.sqlite"}"#)
        defer { try? FileManager.default.removeItem(at: file.directory) }
        let problems = ConfigCheck.problems(path: file.path, environment: [:], isRoot: false)
        #expect(problems.map(\.key).sorted() == ["argon2", "session", "smtp"])
        let smtp = problems.first { $0.key == "smtp" }
        #expect(smtp?.message.contains("\"smtp.hots\"") == true && smtp?.fix == "rename it to \"smtp.host\"")
        #expect(problems.first { $0.key == "session" }?.fix == "remove it (docs/configuration.md lists the keys)")
        #expect(problems.first { $0.key == "argon2" }?.message == "argon2 must be an object")
    }
}
