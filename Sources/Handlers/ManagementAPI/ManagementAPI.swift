/// The portal management API (seed 001, Konnect portal management v2), mounted at `/api/v2`.
/// Authorized by project tokens; errors are `application/problem+json`; every write is audited.
enum ManagementAPI {
    /// The body limit of `/api/v2` (nginx's `location /api/v2/` says the same): a page's `content` of
    /// 1,000,000 characters is up to 6 MB as JSON `\uXXXX` escapes (4 MB as raw UTF-8), and an appearance
    /// PATCH carries up to three 512 KiB images as base64 (~2.1 MB). Other paths keep `max_body_bytes`.
    static let maxBodyBytes = 8 << 20

    static func register(on router: inout Router) {
        Portals.register(on: &router)
        PortalConfiguration.register(on: &router)
        PortalDomains.register(on: &router)
        PortalDevelopers.register(on: &router)
        PortalApplications.register(on: &router)
        ApplicationRegistrations.register(on: &router)
        Teams.register(on: &router)
        PortalProductVersions.register(on: &router)
        APIProducts.register(on: &router)
        AuthStrategies.register(on: &router)
        AuthenticationSettingsEndpoints.register(on: &router)
        IdentityProviders.register(on: &router)
        AppearanceEndpoints.register(on: &router)
        Customization.register(on: &router)
        PortalPages.register(on: &router)
        AuditLogs.register(on: &router)
        PortalFiles.register(on: &router)
    }
}
