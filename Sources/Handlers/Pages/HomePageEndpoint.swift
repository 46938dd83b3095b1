import Templates

/// `GET /`: the portal's home page.
enum HomePageEndpoint {
    static func register(on router: inout Router) {
        router.add("GET", "/", home)
    }

    static func home(_ request: Request, _ context: RequestContext) throws -> Response {
        let page = HomePage(portalName: context.portal.name, baseURL: context.baseURL)
        return .html(try context.services.pages.render(page))
    }
}
