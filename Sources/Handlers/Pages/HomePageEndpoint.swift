import Templates

/// `GET /`: the portal's home page.
enum HomePageEndpoint {
    static func register(on router: inout Router) {
        router.add("GET", "/", home)
    }

    static func home(_ request: Request, _ context: RequestContext) throws -> Response {
        let host = request.host ?? context.portal.defaultDomain
        let page = HomePage(portalName: context.portal.name, baseURL: "https://" + host)
        return .html(try context.services.pages.render(page))
    }
}
