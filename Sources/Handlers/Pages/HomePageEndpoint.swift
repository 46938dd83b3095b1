import Storage
import Templates

/// `GET /`: the portal's home page.
enum HomePageEndpoint {
    static func register(on router: inout Router) {
        router.add("GET", "/", home)
        ThemeAssets.register(on: &router)
    }

    /// A published custom page at `/` replaces the built-in home page.
    static func home(_ request: Request, _ context: RequestContext) throws -> Response {
        if let custom = try CustomPages.respond(request, context) { return custom }
        let visit = try PageVisit(request, context)
        let text = try CatalogText(context)
        let cover = try context.services.portalSettings.hasImage(.catalogCover, portalID: context.portal.id)
        return try visit.render("home", title: "Welcome", HomeContent(
            baseURL: context.baseURL, catalogHeader: text.header, catalogWelcome: text.welcome, hasCover: cover,
            loggedIn: visit.developer != nil))
    }
}
