import Storage
import Templates

/// `GET /`: the portal's home page.
enum HomePageEndpoint {
    static func register(on router: inout Router) {
        router.add("GET", "/", home)
        router.addSystem("GET", "/assets/portal.css", stylesheet)
        ThemeAssets.register(on: &router)
    }

    /// The theme's stylesheet: a file rather than inline CSS, so the Content-Security-Policy can
    /// forbid inline styles. It changes only with the binary: a strong ETag and a day of caching.
    static func stylesheet(_ request: Request, _ services: Services) throws -> Response {
        var response = Response(status: 200, headers: HTTPHeaders([
            ("Content-Type", "text/css; charset=utf-8"), ("Cache-Control", "public, max-age=86400"),
            ("ETag", Self.stylesheetETag),
        ]))
        if request.headers["if-none-match"] == Self.stylesheetETag {
            response.status = 304
        } else {
            response.body = Self.stylesheetBytes
        }
        return response
    }

    static let stylesheetBytes = Array(PageRenderer.stylesheet.utf8)
    static let stylesheetETag = "\"" + SecretToken.hash(PageRenderer.stylesheet).prefix(32) + "\""

    /// A published custom page at `/` replaces the built-in home page.
    static func home(_ request: Request, _ context: RequestContext) throws -> Response {
        if let custom = try CustomPages.respond(request, context) { return custom }
        let visit = try PageVisit(request, context)
        let text = try CatalogText(context)
        let cover = try context.services.portalSettings.image(.catalogCover, portalID: context.portal.id) != nil
        return try visit.render("home", title: "Welcome", HomeContent(
            baseURL: context.baseURL, catalogHeader: text.header, catalogWelcome: text.welcome, hasCover: cover,
            loggedIn: visit.developer != nil))
    }
}
