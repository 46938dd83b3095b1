import Foundation
import Storage
import Templates

/// A portal's files (extension, `/api/v2/portals/{portalId}/files`): the theme (`themes/default/layouts/…`,
/// `…/partials/…` templates, `…/assets/…`), uploaded assets (`assets/…`, served at `/assets/…`) and content.
/// A template replaced here is used from the next request on; one that does not parse is refused.
enum PortalFiles {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/files", list)
        router.add("PUT", "/api/v2/portals/{portalId}/files", put)
        router.add("GET", "/api/v2/portals/{portalId}/files/{fileId}", show)
        router.add("DELETE", "/api/v2/portals/{portalId}/files/{fileId}", delete)
    }

    /// Largest file, decoded.
    static let maximumBytes = 512 * 1024
    static let roots = ["themes/", "assets/", "content/"]

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, FileRepository.files)
        return ListQuery.page(try context.services.files.summaries(portalID: access.portal.id, criteria), criteria) { file in
            .object([
                ("id", .string(file.id)), ("path", .string(file.path)), ("checksum", .string(file.checksum)),
                ("content_type", .string(AssetTypes.contentType(for: file.path))), ("encoding", .string(file.binary ? "base64" : "utf-8")),
                ("created_at", .timestamp(file.createdAt)), ("updated_at", .timestamp(file.updatedAt)),
            ])
        }
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        guard let file = try context.services.files.file(id: try request.uuidParameter("fileId"), portalID: access.portal.id) else {
            throw ManagementAPIError.notFound("File")
        }
        return .json(json(file))
    }

    /// `{path, contents, encoding?: "utf-8"|"base64"}`: creates (201) or replaces (200) the file at `path`.
    static func put(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: ["path", "contents", "encoding"])
        let path = body.string("path", required: true, maxLength: 255)
        let contents = body.string("contents", required: true, minLength: 0, maxLength: maximumBytes * 2)
        let binary = (body.choice("encoding", ["utf-8", "base64"]) ?? "utf-8") == "base64"
        if case .value(let path) = path, let problem = pathProblem(path) { body.reject("path", problem, rule: "matches_regex") }
        if case .value(let text) = contents {
            let size = binary ? Data(base64Encoded: text)?.count : text.utf8.count
            if size == nil { body.reject("contents", "is not valid base64", rule: "is_base64") }
            if let size, size > maximumBytes { body.reject("contents", "must be at most \(maximumBytes / 1024) KiB", rule: "invalid") }
            if !binary, case .value(let path) = path, let problem = ThemeLibrary.problem(parsing: text, path: path) {
                body.reject("contents", problem, rule: "invalid")
            }
        }
        try body.finish()
        guard case .value(let filePath) = path, case .value(let text) = contents else { throw ManagementAPIError.invalid("path", "is required", rule: "required") }
        let file = PortalFile(portalID: access.portal.id, path: filePath, contents: text, binary: binary, createdAt: context.services.now())
        let (created, stored) = try context.services.files.put(file, audit: access.audit("file.put", "file", filePath))
        return .json(json(stored), status: created ? 201 : 200)
    }

    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.admin, portalID: try request.uuidParameter("portalId"), request, context)
        let id = try request.uuidParameter("fileId")
        guard try context.services.files.delete(id: id, portalID: access.portal.id, audit: access.audit("file.delete", "file", id)) else {
            throw ManagementAPIError.notFound("File")
        }
        return .noContent
    }

    /// Relative, under `themes/`, `assets/` or `content/`, of segments of letters, digits, `-`, `_`, `.`
    /// (no empty, `.` or `..` segment).
    static func pathProblem(_ path: String) -> String? {
        guard roots.contains(where: { path.hasPrefix($0) }) else { return "must start with themes/, assets/ or content/" }
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.allSatisfy({ segment in
            !segment.isEmpty && segment != "." && segment != ".."
                && segment.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
        }) else { return "must be segments of letters, digits, '-', '_' and '.', without empty, '.' or '..' segments" }
        return nil
    }

    static func json(_ file: PortalFile) -> JSON {
        .object([
            ("id", .string(file.id)), ("path", .string(file.path)), ("checksum", .string(file.checksum)),
            ("content_type", .string(AssetTypes.contentType(for: file.path))), ("encoding", .string(file.binary ? "base64" : "utf-8")),
            ("contents", .string(file.contents)), ("created_at", .timestamp(file.createdAt)), ("updated_at", .timestamp(file.updatedAt)),
        ])
    }
}

/// Media types of served files, by extension. Anything that a browser could run as a page is served
/// as plain text.
enum AssetTypes {
    static func contentType(for path: String) -> String {
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        switch ext {
        case "css": return "text/css; charset=utf-8"
        case "js", "mjs": return "text/javascript; charset=utf-8"
        case "png": return "image/png"
        case "jpg", "jpeg": return "image/jpeg"
        case "gif": return "image/gif"
        case "webp": return "image/webp"
        case "ico": return "image/x-icon"
        case "svg": return "image/svg+xml"
        case "woff2": return "font/woff2"
        case "woff": return "font/woff"
        case "ttf": return "font/ttf"
        case "json": return "application/json"
        case "md": return "text/markdown; charset=utf-8"
        default: return "text/plain; charset=utf-8"
        }
    }
}
