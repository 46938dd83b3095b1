import Templates

/// The four API families and the HTML site: each renders errors in its own format
/// (DESIGN.md, "Wire compatibility rules").
public enum APIFamily: Sendable, Equatable {
    /// Seed 000, `/api/v1`: `{ "message": … }`.
    case developer
    /// Seed 001, `/api/v2`: `application/problem+json`.
    case management
    /// Seed 002, `/api/portal`: `{ "Status", "Message", "Meta" }`.
    case keyRequests
    /// Seed 003, `/api/projects`: `{ message, code, status, info }`.
    case projectTokens
    /// Everything else: JSON for `/health` and other `/api` paths, HTML pages elsewhere.
    case site

    /// The family that owns `path` (undecoded).
    public init(path: String) {
        func under(_ prefix: String) -> Bool { path == prefix || path.hasPrefix(prefix + "/") }
        if under("/api/v1") { self = .developer }
        else if under("/api/v2") { self = .management }
        else if under("/api/portal") { self = .keyRequests }
        else if under("/api/projects") { self = .projectTokens }
        else { self = .site }
    }

    /// An error response in this family's format.
    public func errorResponse(status: Int, message: String, path: String) -> Response {
        let title = Response.reasonPhrases[status] ?? "Error"
        switch self {
        case .developer:
            return .json(.object([("message", .string(message))]), status: status)
        case .management:
            var members: [(String, JSON)] = [
                ("status", .int(Int64(status))), ("title", .string(title)),
                ("type", .string("https://httpstatuses.com/\(status)")),
                ("instance", .string("portal:trace:" + SecretTokenID.make())), ("detail", .string(message)),
            ]
            // The v2 file's BadRequestError always names what was wrong.
            if status == 400 {
                members.append(("invalid_parameters", .array([.object([("field", .string("request")), ("reason", .string(message))])])))
            }
            return .json(.object(members), status: status, contentType: "application/problem+json")
        case .keyRequests:
            return .json(.object([("Status", .string("Error")), ("Message", .string(message)), ("Meta", .null)]), status: status)
        case .projectTokens:
            return .json(.object([
                ("message", .string(message)), ("code", .string(title.uppercased().replacingSpaces())),
                ("status", .int(Int64(status))), ("info", .null),
            ]), status: status)
        case .site:
            if path == "/health" || path.hasPrefix("/api/") || path == "/api" {
                return .json(.object([("message", .string(message))]), status: status)
            }
            return Self.sitePage(status: status, message: message, portalName: nil)
        }
    }
}

extension APIFamily {
    /// Error pages need no request state, so one immutable renderer serves them all.
    static let pages = try? PageRenderer()

    /// The default theme's error page in the layout of the portal named `portalName` (used when the
    /// portal's own theme cannot render it). Without a portal — a host no portal is served on — there is
    /// no portal's page to show, so the answer is the message as plain text, never another portal's name.
    static func sitePage(status: Int, message: String, portalName: String?) -> Response {
        let title = Response.reasonPhrases[status] ?? "Error"
        if let portalName, let renderer = pages,
           let html = try? renderer.html(SitePage("error", chrome: Chrome(portalName: portalName, title: title),
                                                  content: ErrorContent(status: status, title: title, message: message))) {
            var response = Response.html(utf8: html, status: status)
            response.headers.add("Cache-Control", "no-store")
            return response
        }
        return Response(status: status, headers: HTTPHeaders([("Content-Type", "text/plain; charset=utf-8")]), body: Array(message.utf8))
    }
}

/// Short random identifiers for error instances and request ids.
enum SecretTokenID {
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(generator.next() as UInt64, radix: 16)
    }
}

extension String {
    func replacingSpaces() -> String { String(map { $0 == " " ? "_" : $0 }) }
}
