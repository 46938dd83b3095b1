import Foundation
import Storage

/// Custom pages (seed 001 text; v3 paths, seed fields `path`, `title`, `content`, `public`,
/// `published`, `description`). Published pages are served as HTML at their path (`CustomPages`).
enum PortalPages {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/pages", list)
        router.add("POST", "/api/v2/portals/{portalId}/pages", create)
        router.add("GET", "/api/v2/portals/{portalId}/pages/{pageId}", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/pages/{pageId}", update)
        router.add("DELETE", "/api/v2/portals/{portalId}/pages/{pageId}", delete)
    }

    static let fields: Set<String> = ["path", "title", "content", "public", "published", "description"]
    /// Prefixes the portal keeps whole: the APIs, theme files (`/assets/<any file>`), and what nginx or the
    /// supervisor answer before a worker sees the request (`/status`, `/metrics`).
    static let reservedPrefixes = ["/api", "/assets", "/health", "/status", "/metrics"]

    /// Whether the portal answers `path` itself (any route of the application, whatever its method:
    /// a POST-only `/logout` still shadows a page there), so a page at it would never be served. Asked
    /// of the router, so a page route added later is covered too. `/` is not: the home page serves the
    /// custom page at `/` when there is one.
    static func isRouted(_ path: String) -> Bool {
        guard path != "/" else { return false }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if case .notFound = Application.routes.match(method: "GET", segments: segments) { return false }
        return true
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, PageRepository.pages)
        return ListQuery.page(try context.services.customPages.pages(portalID: access.portal.id, criteria), criteria, \.json)
    }

    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: fields)
        let path = self.path(&body, required: true)
        let title = body.string("title", required: true, maxLength: 512)
        let content = body.string("content", required: true, minLength: 0, maxLength: 1_000_000)
        let isPublic = body.bool("public") ?? false
        let published = body.bool("published") ?? false
        let description = body.string("description", minLength: 0, maxLength: 160, nullable: true)
        try body.finish()
        guard case .value(let path) = path, case .value(let title) = title, case .value(let content) = content else {
            throw ManagementAPIError.invalid("body", "path, title and content are required", rule: "required")
        }
        let page = PortalPage(portalID: access.portal.id, path: path, title: title, content: content,
                              description: description.apply(to: nil), isPublic: isPublic, published: published, createdAt: context.services.now())
        guard try context.services.customPages.create(page, audit: access.audit("page.create", "page", page.id)) else { throw pathTaken }
        return .json(page.json, status: 201)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, page) = try target(.viewer, request, context)
        return .json(page.json)
    }

    /// The members given replace the stored ones inside the write transaction (see `PageRepository.update`).
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        // A missing page is a 404 before its body is judged; the transaction checks again.
        let (access, current) = try target(.editor, request, context)
        let id = current.id
        var body = try ManagementBody(request, allowed: fields)
        let path = self.path(&body, required: false)
        let title = body.string("title", maxLength: 512)
        let content = body.string("content", minLength: 0, maxLength: 1_000_000)
        let isPublic = body.bool("public")
        let published = body.bool("published")
        let description = body.string("description", minLength: 0, maxLength: 160, nullable: true)
        try body.finish()
        let now = context.services.now()
        let outcome = try context.services.customPages.update(id: id, portalID: access.portal.id, audit: access.audit("page.update", "page", id)) { page in
            if case .value(let path) = path { page.path = path }
            if case .value(let title) = title { page.title = title }
            if case .value(let content) = content { page.content = content }
            if let isPublic { page.isPublic = isPublic }
            if let published { page.published = published }
            page.description = description.apply(to: page.description)
            page.updatedAt = now
        }
        switch outcome {
        case .updated(let page): return .json(page.json)
        case .notFound: throw ManagementAPIError.notFound("Page")
        case .pathTaken: throw pathTaken
        }
    }

    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, page) = try target(.admin, request, context)
        guard try context.services.customPages.delete(id: page.id, portalID: access.portal.id, audit: access.audit("page.delete", "page", page.id)) else {
            throw ManagementAPIError.notFound("Page")
        }
        return .noContent
    }

    /// A path with a leading slash, ≤ 512 characters, of unescaped URL path characters only (so the stored
    /// path is exactly what browsers send), without empty,
    /// `.` or `..` segments (a trailing slash is kept: `/docs/` and `/docs` are different pages), outside
    /// the portal's own prefixes and routes.
    private static func path(_ body: inout ManagementBody, required: Bool) -> ManagementBody.Field<String> {
        guard case .value(let path) = body.string("path", required: required, maxLength: 512) else { return .absent }
        guard path.hasPrefix("/") else {
            body.reject("path", "must start with a slash", rule: "matches_regex")
            return .absent
        }
        let allowed = path.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "/-._~!$&'()*+,;=:@".unicodeScalars.contains(scalar))
        }
        let inner = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).dropLast(path.hasSuffix("/") && path != "/" ? 1 : 0)
        let segmentsOK = path == "/" || inner.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
        guard allowed, segmentsOK else {
            body.reject("path", "must be a URL path of letters, digits and -._~!$&'()*+,;=:@, without empty, '.' or '..' segments", rule: "matches_regex")
            return .absent
        }
        if reservedPrefixes.contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            body.reject("path", "is reserved by the portal (\(reservedPrefixes.joined(separator: ", ")))", rule: "matches_regex")
            return .absent
        }
        if isRouted(path) {
            body.reject("path", "is reserved by the portal: one of its own pages (such as /login or /catalog) is served there", rule: "matches_regex")
            return .absent
        }
        return .value(path)
    }

    private static var pathTaken: ManagementAPIError {
        ManagementAPIError.invalid("path", "another page of this portal has this path", rule: "invalid")
    }

    private static func target(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> (ManagementAccess, PortalPage) {
        let access = try ManagementAccess.require(role, portalID: try request.uuidParameter("portalId"), request, context)
        guard let page = try context.services.customPages.page(id: try request.uuidParameter("pageId"), portalID: access.portal.id) else {
            throw ManagementAPIError.notFound("Page")
        }
        return (access, page)
    }
}

extension PortalPage {
    var json: JSON {
        var members: [(String, JSON)] = [
            ("id", .string(id)), ("path", .string(path)), ("title", .string(title)), ("content", .string(content)),
            ("public", .bool(isPublic)), ("published", .bool(published)),
        ]
        if let description { members.append(("description", .string(description))) }
        members += [("created_at", .timestamp(createdAt)), ("updated_at", .timestamp(updatedAt))]
        return .object(members)
    }
}
