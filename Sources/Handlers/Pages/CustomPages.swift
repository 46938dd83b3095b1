import Storage
import Templates

/// Custom pages (made through the management API) served as HTML at their paths: published ones only;
/// non-public ones only to a developer logged in to the portal.
enum CustomPages {
    /// The published page at the request's path rendered, or nil when the portal has none there.
    static func respond(_ request: Request, _ context: RequestContext) throws -> Response? {
        guard let page = try context.services.customPages.published(path: request.path, portalID: context.portal.id) else { return nil }
        if !page.isPublic {
            guard (try? context.requireSession(request)) != nil else {
                throw HTTPError(401, "Log in to read this page.")
            }
        }
        let key = page.id + "@" + RFC3339.format(page.updatedAt)
        let html = context.services.renderedPages.value(for: key) { Markdown.html(page.content) }
        return try PageVisit(request, context).render("page", title: page.title, CustomPageContent(title: page.title, html: html))
    }
}
