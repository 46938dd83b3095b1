import Storage
import Templates

/// The API catalog and each product version's page with its reference, rendered on the server. A
/// portal that is not public shows them to logged-in developers only; with RBAC, a developer sees the
/// products one of their teams holds a role on.
enum CatalogPages {
    static func register(on router: inout Router) {
        router.add("GET", "/catalog", catalog)
        router.add("GET", "/catalog/{versionId}", product)
    }

    static func catalog(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let viewer = try self.viewer(visit)
        let query = String((request.query["q"] ?? "").prefix(100))
        let entries = try context.services.catalog.catalog(portalID: context.portal.id, visibleTo: viewer, search: query)
        let text = try CatalogText(context)
        return try visit.render("catalog", title: "APIs", CatalogContent(
            query: query, items: entries.map(item), header: text.header, welcome: text.welcome))
    }

    static func product(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let viewer = try self.viewer(visit)
        guard let id = request.parameters["versionId"],
              let entry = try context.services.catalog.catalogEntry(id: id, portalID: context.portal.id, visibleTo: viewer)
        else { throw HTTPError(404, "There is no such API in this portal.") }
        var reference: APIReference?
        var problem: String?
        if let specification = entry.specification {
            // Keyed by the version's update time: hashing a document of up to a megabyte per view would cost more.
            let key = entry.id + "@" + RFC3339.format(entry.updatedAt)
            switch context.services.apiReferences.value(for: key, make: { APIReferenceBuilder.build(specification) }) {
            case .success(let built): reference = built
            case .failure(let failure): problem = "The API description of this version could not be read: it \(failure.reason)."
            }
        }
        return try visit.render("product", title: "\(entry.productName) \(entry.versionName)", ProductContent(
            item: item(entry), reference: reference, referenceProblem: problem, loggedIn: visit.developer != nil))
    }

    /// Who the catalog is filtered for: nil for everything; a developer's id under RBAC. Anonymous
    /// visitors see a public portal's catalog (RBAC portals show them nothing); others are sent to log in.
    private static func viewer(_ visit: PageVisit) throws -> String? {
        guard let developer = visit.developer else {
            guard visit.portal.isPublic else { _ = try visit.requireDeveloper(); return nil }
            return visit.portal.rbacEnabled ? "" : nil
        }
        return visit.portal.rbacEnabled ? developer.id : nil
    }

    private static func item(_ entry: CatalogEntry) -> CatalogItem {
        CatalogItem(id: entry.id, productName: entry.productName, versionName: entry.versionName,
                    description: entry.versionDescription.isEmpty ? entry.productDescription : entry.versionDescription,
                    deprecated: entry.deprecated, registrationOpen: entry.registrationOpen)
    }
}

/// The catalog's headline and welcome text: the portal's appearance, or the theme defaults.
struct CatalogText {
    let header: String
    let welcome: String

    init(_ context: RequestContext) throws {
        let text = try context.services.portalSettings.appearance(portalID: context.portal.id).text.flatMap { try? JSON.parse($0) }
        header = text?["catalog"]?["primary_header"]?.stringValue
            ?? ThemeDefaults.json["text"]?["catalog"]?["primary_header"]?.stringValue ?? ""
        welcome = text?["catalog"]?["welcome_message"]?.stringValue
            ?? ThemeDefaults.json["text"]?["catalog"]?["welcome_message"]?.stringValue ?? ""
    }
}
