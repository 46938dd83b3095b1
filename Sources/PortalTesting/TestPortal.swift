import Foundation
import Handlers
import Logging
import Storage

/// An application over a fresh SQLite file in a temporary directory, driven in process:
/// the same `Application` the workers run, without nginx or FastCGI.
public final class TestPortal: @unchecked Sendable {
    public let directory: URL
    public let database: PortalDatabase
    public let application: Application
    public let defaultPortal: Portal
    /// The clock handlers see; tests move it to cross expiry boundaries.
    public var now: Date {
        get { clock.withLock { $0 } }
        set { clock.withLock { $0 = newValue } }
    }
    private let clock: Locked<Date>

    /// Tests assert on responses, not on log lines.
    public static let quietLogger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Cheap argon2 parameters so tests run fast; the hasher is the real one.
    public static let fastArgon2 = Argon2Parameters(memoryKiB: 1024, iterations: 1, parallelism: 1)

    public init(
        argon2: Argon2Parameters = TestPortal.fastArgon2,
        settings: HandlerSettings = HandlerSettings(),
        autoApprove: Bool = true,
        emailVerification: Bool = false
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("portal-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        database = try PortalDatabase(DatabaseSettings(path: directory.appendingPathComponent("portal.sqlite").path))
        try database.migrate()
        var portal = try PortalRepository(database).ensureDefault(name: "Test Portal", domain: "localhost")
        if !autoApprove || emailVerification {
            portal.autoApproveDevelopers = autoApprove
            portal.emailVerification = emailVerification
            try PortalRepository(database).update(portal)
        }
        defaultPortal = portal
        let clock = Locked(Date())
        self.clock = clock
        let services = try Services(
            database: database, passwords: try PasswordHasher(parameters: argon2, maxConcurrent: 2),
            settings: settings, logger: Self.quietLogger, now: { clock.withLock { $0 } })
        application = Application(services: services, logger: Self.quietLogger)
    }

    deinit {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Mail the application wrote to the outbox for `recipient`, oldest first.
    public func outbox(to recipient: String) throws -> [OutboxMessage] {
        try OutboxRepository(database).messages(to: recipient)
    }

    /// The JWT in the newest outbox message to `recipient` (from its `token=` link).
    public func mailedToken(to recipient: String) throws -> String? {
        guard let body = try outbox(to: recipient).last?.body,
              let range = body.range(of: "token=") else { return nil }
        return String(body[range.upperBound...].prefix { !$0.isWhitespace })
    }

    /// Sends a request through the application.
    public func send(
        _ method: String, _ uri: String, headers: [(String, String)] = [], body: [UInt8] = [], host: String = "localhost"
    ) -> TestResponse {
        var all = HTTPHeaders([("Host", host)])
        for (name, value) in headers { all.add(name, value) }
        return TestResponse(application.respond(to: RawRequest(method: method, uri: uri, headers: all, body: body)))
    }

    /// Sends an `application/x-www-form-urlencoded` body.
    public func sendForm(
        _ method: String, _ uri: String, _ fields: [(String, String)], headers: [(String, String)] = [], host: String = "localhost"
    ) -> TestResponse {
        send(
            method, uri, headers: headers + [("Content-Type", "application/x-www-form-urlencoded")],
            body: Array(FormEncoding.encode(fields).utf8), host: host)
    }
}

/// A response with helpers for assertions.
public struct TestResponse: Sendable {
    public let response: Response
    public init(_ response: Response) { self.response = response }

    public var status: Int { response.status }
    public var headers: HTTPHeaders { response.headers }
    public var text: String { String(decoding: response.body, as: UTF8.self) }
    /// The body parsed as JSON (nil if it is not JSON).
    public var json: JSON? { try? JSON.parse(response.body) }

    /// The `portal_session` value from `Set-Cookie`, if set.
    public var sessionCookie: String? {
        for value in headers.values("set-cookie") where value.hasPrefix("portal_session=") {
            let cookie = value.dropFirst("portal_session=".count).prefix { $0 != ";" }
            return cookie.isEmpty ? nil : String(cookie)
        }
        return nil
    }
}

/// `application/x-www-form-urlencoded` encoding for test bodies.
public enum FormEncoding {
    public static func encode(_ fields: [(String, String)]) -> String {
        fields.map { escape($0.0) + "=" + escape($0.1) }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// A value behind a lock, shared by test threads (results, a movable clock).
public final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()

    public init(_ value: Value) { self.value = value }

    public func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }

    public var current: Value { withLock { $0 } }
}
