import Foundation
import Storage

/// `POST /api/v2/portals/{portalId}/verify-domain` (seed 001): whether the portal's custom domain has
/// a CNAME to its default domain (a real DNS lookup through the configured resolver), and whether a
/// certificate for it is in place (certbot's layout: `<certificates_dir>/<domain>/fullchain.pem`).
enum PortalDomains {
    static func register(on router: inout Router) {
        router.add("POST", "/api/v2/portals/{portalId}/verify-domain", verify)
    }

    static func verify(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        guard let domain = access.portal.customDomain else {
            throw ManagementAPIError.invalid("custom_domain", "is not set: set one with PATCH /api/v2/portals/{portalId} first", rule: "required")
        }
        let settings = context.services.settings
        let target: String?
        do {
            target = try settings.dnsResolver.cname(of: domain)
        } catch {
            context.logger.warning("domain verification lookup failed", metadata: ["error": "\(error)", "portal.id": "\(access.portal.id)"])
            throw ManagementAPIError(status: 503, detail: "The DNS lookup of \(domain) failed; try again later")
        }
        let verified = target == access.portal.defaultDomain.lowercased()
        let certificate = settings.certificatesDirectory + "/" + domain + "/fullchain.pem"
        let issued = FileManager.default.isReadableFile(atPath: certificate)
        return .json(.object([("is_cname_verified", .bool(verified)), ("is_ssl_issued", .bool(issued))]))
    }
}
