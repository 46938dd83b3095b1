import Storage
import Templates

/// `GET /`: the portal's home page.
enum HomePageEndpoint {
    static func register(on router: inout Router) {
        router.add("GET", "/", home)
        router.addSystem("GET", "/assets/portal.css", stylesheet)
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

    static func home(_ request: Request, _ context: RequestContext) throws -> Response {
        let page = HomePage(portalName: context.portal.name, baseURL: context.baseURL)
        return .html(try context.services.pages.render(page))
    }
}
