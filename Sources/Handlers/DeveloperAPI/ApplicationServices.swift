import Storage

/// `GET /application_services` (seed 000, operation `get-application_services`): the portal's
/// product versions that are published and take application registrations.
enum ApplicationServices {
    static func register(on router: inout Router) {
        router.add("GET", DeveloperAPI.prefix + "/application_services", list)
    }

    /// `{data, next, total}` of services, in creation order. Needs a session, like every other
    /// application endpoint: the catalog is shown to developers who can register to it.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        // With RBAC, a developer sees only the products one of their teams holds a role on.
        let visibleTo = context.portal.rbacEnabled ? developer.id : nil
        let (page, pageRequest) = try DeveloperAPIList.fetch(request) { page in
            try context.services.catalog.applicationServices(portalID: context.portal.id, visibleTo: visibleTo, page)
        }
        return DeveloperAPIList.response(page, size: pageRequest.size, path: request.path) { $0.developerAPIJSON }
    }
}

extension ApplicationService {
    /// What the developer sees the service as: "<product> <version>", since a Kong service name
    /// identifies one deployable version and a product alone would be ambiguous.
    var displayName: String { "\(productName) \(versionName)" }

    /// `{name, app_registration_config: {description, show_issuer, display_name, auto_approve}, id}`,
    /// in the order of the seed's example. The description is the version's, else the product's.
    var developerAPIJSON: JSON {
        let description = versionDescription.isEmpty ? productDescription : versionDescription
        return .object([
            ("name", .string(displayName)),
            ("app_registration_config", .object([
                ("description", .string(description)),
                // Kong's issuer is an OIDC setting; registrations here are OAuth2 client credentials.
                ("show_issuer", .bool(false)),
                ("display_name", .string(displayName)),
                ("auto_approve", .bool(autoApproveRegistration)),
            ])),
            ("id", .string(id)),
        ])
    }
}
