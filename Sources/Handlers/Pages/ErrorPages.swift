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

    static func page(status: Int, message: String, headers: HTTPHeaders = HTTPHeaders(), _ raw: RawRequest, _ services: Services) -> Response {
        let title = Response.reasonPhrases[status] ?? "Error"
        let content = ErrorContent(status: status, title: title, message: message)
        var response: Response
        if let request = try? Request(raw),
           let portal = try? services.portalCache.resolve(host: request.host, serverNames: services.settings.serverNames),
           let visit = try? PageVisit(request, RequestContext(services: services, portal: portal, logger: services.logger)),
           let rendered = try? visit.render("error", title: title, content, status: status) {
            response = rendered
        } else {
            response = APIFamily.site.errorResponse(status: status, message: message, path: raw.rawPath)
        }
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }
}
