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
        let text = try context.services.portalSettings.appearance(portalID: context.portal.id).text.flatMap { try? JSON.parse($0) }
        let page = HomePage(
            portalName: context.portal.name, baseURL: context.baseURL,
            catalogHeader: text?["catalog"]?["primary_header"]?.stringValue, catalogWelcome: text?["catalog"]?["welcome_message"]?.stringValue)
        return .html(try context.services.pages.render(page))
    }
}
