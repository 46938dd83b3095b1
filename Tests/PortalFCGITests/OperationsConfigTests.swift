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
}
