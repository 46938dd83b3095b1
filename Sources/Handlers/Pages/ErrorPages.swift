import Storage
import Templates

/// Error pages of the HTML site in the portal's own layout (its name, the visitor's login state),
/// never with internals: the status, its reason and a sentence for people.
enum ErrorPages {
    /// Browser paths (not `/api/…` or `/health`, which answer JSON).
    static func applies(to raw: RawRequest) -> Bool {
        let path = raw.rawPath
        return !path.hasPrefix("/api/") && path != "/api" && path != "/health"
    }

    /// The portal (found by `Host`, like any page) renders the page with its theme; when its theme cannot,
    /// the default theme does, still with the portal's name. A request whose URL does not decode is shown
    /// the page as if at `/` (its path and query are never read back into the page).
    static func page(status: Int, message: String, headers: HTTPHeaders = HTTPHeaders(), _ raw: RawRequest, _ services: Services) -> Response {
        let title = Response.reasonPhrases[status] ?? "Error"
        let content = ErrorContent(status: status, title: title, message: message)
        var response: Response
        if let portal = try? services.portalCache.resolve(host: raw.headers["host"], serverNames: services.settings.serverNames) {
            let request = (try? Request(raw))
                ?? (try? Request(RawRequest(method: raw.method, uri: "/", headers: raw.headers, remoteAddress: raw.remoteAddress)))
            if let request, let visit = try? PageVisit(request, RequestContext(services: services, portal: portal, logger: services.logger)),
               let rendered = try? visit.render("error", title: title, content, status: status) {
                response = rendered
            } else {
                response = APIFamily.sitePage(status: status, message: message, portalName: portal.name)
            }
        } else {
            response = APIFamily.sitePage(status: status, message: message, portalName: nil)
        }
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }
}
