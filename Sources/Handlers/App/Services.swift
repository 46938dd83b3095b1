import Foundation
import Storage
import Templates

/// Settings the handlers need from the configuration file.
public struct HandlerSettings: Sendable {
    /// Largest request body read, in bytes (nginx enforces the same limit first).
    public var maxBodyBytes: Int
    public var sessionLifetime: SessionLifetime

    public init(maxBodyBytes: Int = 1 << 20, sessionLifetime: SessionLifetime = SessionLifetime(idleTimeout: 7200, absoluteTimeout: 604_800)) {
        self.maxBodyBytes = maxBodyBytes
        self.sessionLifetime = sessionLifetime
    }
}

/// Everything a handler may use, built once per worker process and shared by its threads.
public final class Services: Sendable {
    public let database: PortalDatabase
    public let portals: PortalRepository
    public let developers: DeveloperRepository
    public let sessions: SessionRepository
    public let passwords: PasswordHasher
    public let pages: PageRenderer
    public let settings: HandlerSettings
    /// The current time; tests pass a fixed clock.
    public let now: @Sendable () -> Date

    public init(
        database: PortalDatabase, passwords: PasswordHasher, settings: HandlerSettings,
        pages: PageRenderer, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.portals = PortalRepository(database)
        self.developers = DeveloperRepository(database)
        self.sessions = SessionRepository(database, lifetime: settings.sessionLifetime)
        self.passwords = passwords
        self.pages = pages
        self.settings = settings
        self.now = now
    }
}
