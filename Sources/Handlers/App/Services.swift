import Foundation
import Logging
import Storage
import Templates

/// Where the portals are reached from outside: every absolute URL the portal writes (mail links,
/// pages) is built from this and the portal's own domain, never from request headers.
public struct PublicOrigin: Sendable, Equatable {
    /// `https` behind a TLS-terminating nginx.
    public var scheme: String
    /// The port clients connect to; nil for the scheme's default.
    public var port: Int?

    public init(scheme: String = "https", port: Int? = nil) {
        self.scheme = scheme
        self.port = port
    }

    /// `https://portal.example.com` or `https://localhost:8443` for `portal`.
    public func baseURL(for portal: Portal) -> String {
        let host = portal.customDomain ?? portal.defaultDomain
        let defaultPort = scheme == "https" ? 443 : 80
        guard let port, port != defaultPort else { return scheme + "://" + host }
        return scheme + "://" + host + ":" + String(port)
    }
}

/// Settings the handlers need from the configuration file.
public struct HandlerSettings: Sendable {
    /// Largest request body read, in bytes (nginx enforces the same limit first).
    public var maxBodyBytes: Int
    public var sessionLifetime: SessionLifetime
    public var mail: MailSettings
    /// How long an emailed verification link works.
    public var verificationLifetime: TimeInterval
    /// How long an emailed password-reset link works.
    public var resetLifetime: TimeInterval
    /// Scheme and port of the portals' public URLs.
    public var publicOrigin: PublicOrigin
    /// Host names (besides the portals' domains) served by the default portal; other hosts get 421.
    public var serverNames: [String]
    /// Failed password checks per account before and after the backoff starts.
    public var loginThrottle: LoginThrottlePolicy
    /// Account emails per address and hour.
    public var mailQuota: MailQuota
    /// A session younger than this may change the email address without the password (ASVS 3.7.1).
    public var reauthenticationWindow: TimeInterval
    /// New portals get `<name>.<this>` as their default domain.
    public var portalDomainSuffix: String
    /// How custom domains are checked (`verify-domain`).
    public var dnsResolver: DNSResolver
    /// Where certificates live, one folder per domain (certbot's `live` folder).
    public var certificatesDirectory: String
    /// Longest wait between audit-log webhook retries (they back off exponentially from a second).
    public var auditMaximumBackoff: TimeInterval

    public init(
        maxBodyBytes: Int = 1 << 20,
        sessionLifetime: SessionLifetime = SessionLifetime(idleTimeout: 7200, absoluteTimeout: 604_800),
        mail: MailSettings = MailSettings(), verificationLifetime: TimeInterval = 86_400, resetLifetime: TimeInterval = 3600,
        publicOrigin: PublicOrigin = PublicOrigin(), serverNames: [String] = ["localhost"],
        loginThrottle: LoginThrottlePolicy = LoginThrottlePolicy(), mailQuota: MailQuota = MailQuota(),
        reauthenticationWindow: TimeInterval = 900, portalDomainSuffix: String = "localhost",
        dnsResolver: DNSResolver = DNSResolver(), certificatesDirectory: String = "/etc/letsencrypt/live",
        auditMaximumBackoff: TimeInterval = 300
    ) {
        self.auditMaximumBackoff = auditMaximumBackoff
        self.dnsResolver = dnsResolver
        self.certificatesDirectory = certificatesDirectory
        self.portalDomainSuffix = portalDomainSuffix
        self.maxBodyBytes = maxBodyBytes
        self.sessionLifetime = sessionLifetime
        self.mail = mail
        self.verificationLifetime = verificationLifetime
        self.resetLifetime = resetLifetime
        self.publicOrigin = publicOrigin
        self.serverNames = serverNames
        self.loginThrottle = loginThrottle
        self.mailQuota = mailQuota
        self.reauthenticationWindow = reauthenticationWindow
    }
}

/// Everything a handler may use, built once per worker process and shared by its threads.
public final class Services: Sendable {
    public let database: PortalDatabase
    public let portals: PortalRepository
    /// The host → portal map, cached per worker and revalidated on every request.
    public let portalCache: PortalCache
    public let developers: DeveloperRepository
    public let sessions: SessionRepository
    /// Developers' key-auth and JWT credentials (seed 000 `/credentials`).
    public let credentials: CredentialRepository
    public let accounts: AccountRepository
    public let files: FileRepository
    /// Products and versions; the versions open for registration (seed 000 `/application_services`).
    public let catalog: CatalogRepository
    /// Developers' applications, their registrations and OAuth2 credentials (seed 000 `/applications`).
    public let applications: ApplicationRepository
    public let mailer: Mailer
    /// Admin credentials (seed 003), which also authorize seeds 001 and 002.
    public let projectTokens: ProjectTokenRepository
    /// Key requests (seed 002) over the registrations.
    public let keyRequests: KeyRequestRepository
    /// The management API's reads and audited writes (seed 001).
    public let management: ManagementRepository
    /// Developer teams and their roles (seed 001).
    public let teams: TeamRepository
    /// Auth settings, appearance, images and customization of portals (seed 001).
    public let portalSettings: PortalSettingsRepository
    public let identityProviders: IdentityProviderRepository
    /// Custom markdown pages (seed 001), served at their paths.
    public let customPages: PageRepository
    /// Audit-log destinations, webhooks and replay jobs (seed 001).
    public let auditDelivery: AuditDeliveryRepository
    /// Each portal's page templates (its own files over the default theme), per worker.
    let themes: ThemeLibrary
    /// Rendered markdown of custom pages and API references of product versions, per worker.
    let renderedPages = BoundedCache<String>()
    let apiReferences = BoundedCache<Result<APIReference, OpenAPIDocument.Problem>>(capacity: 64)
    public let auditLog: AuditLogRepository
    /// Failed password checks per account, shared by all workers.
    public let loginThrottle: LoginThrottleRepository
    /// The worker's background thread: mail delivery and housekeeping.
    public let background: BackgroundWork
    /// Signs and checks the JWTs sent by email, with this installation's secret.
    let signedTokens: SignedToken
    public let passwords: PasswordHasher
    public let settings: HandlerSettings
    /// For work outside a request (error pages, background).
    let logger: Logger
    /// The current time; tests pass a fixed clock.
    public let now: @Sendable () -> Date

    public init(
        database: PortalDatabase, passwords: PasswordHasher, settings: HandlerSettings,
        logger: Logger = Logger(label: "portal"), now: @escaping @Sendable () -> Date = { Date() }
    ) throws(StorageError) {
        self.database = database
        self.logger = logger
        self.portals = PortalRepository(database)
        self.portalCache = PortalCache(portals)
        self.developers = DeveloperRepository(database)
        self.sessions = SessionRepository(database, lifetime: settings.sessionLifetime)
        self.credentials = CredentialRepository(database)
        self.accounts = AccountRepository(database)
        self.files = FileRepository(database)
        self.catalog = CatalogRepository(database)
        self.applications = ApplicationRepository(database)
        self.mailer = Mailer(settings: settings.mail, outbox: OutboxRepository(database), logger: logger)
        self.projectTokens = ProjectTokenRepository(database)
        self.keyRequests = KeyRequestRepository(database)
        self.management = ManagementRepository(database)
        self.teams = TeamRepository(database)
        self.portalSettings = try PortalSettingsRepository(database)
        self.identityProviders = try IdentityProviderRepository(database)
        self.customPages = PageRepository(database)
        self.auditDelivery = try AuditDeliveryRepository(database)
        self.auditLog = AuditLogRepository(database)
        self.loginThrottle = LoginThrottleRepository(database, policy: settings.loginThrottle)
        self.background = BackgroundWork(
            mailer: mailer, housekeeping: Housekeeping(database, sessionLifetime: settings.sessionLifetime),
            auditWebhooks: AuditWebhookSender(repository: auditDelivery, maximumBackoff: settings.auditMaximumBackoff, logger: logger),
            throttle: settings.loginThrottle, quota: settings.mailQuota, logger: logger)
        self.signedTokens = SignedToken(secret: try InstallationSecrets(database).secret(named: "email-token-signing"))
        self.passwords = passwords
        do {
            self.themes = try ThemeLibrary()
        } catch {
            throw StorageError(kind: .other, message: "the default theme does not parse: \(error)")
        }
        self.settings = settings
        self.now = now
    }

    /// The public base URL (`https://host[:port]`) of `portal`, for every absolute URL written about it:
    /// from configuration and the portal's stored domain, never from request headers.
    public func baseURL(for portal: Portal) -> String {
        settings.publicOrigin.baseURL(for: portal)
    }
}
