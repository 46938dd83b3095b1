/// A handler of a route that belongs to a portal (the portal is resolved from the Host header).
public typealias PortalHandler = @Sendable (Request, RequestContext) throws -> Response
/// A handler of a route that needs no portal (health, status).
public typealias SystemHandler = @Sendable (Request, Services) throws -> Response

/// Maps method + path pattern (`/api/v1/applications/{id}`) to handlers.
public struct Router: Sendable {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    enum Action: Sendable {
        case portal(PortalHandler)
        case system(SystemHandler)
    }

    struct Route: Sendable {
        let method: String
        /// The pattern as registered (`/api/v1/applications/{id}`): the route's name in metrics.
        let pattern: String
        let segments: [Segment]
        let action: Action
    }

    /// The outcome of matching a request.
    enum Match {
        case found(Action, parameters: [String: String], pattern: String)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route served within the request's portal.
    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping PortalHandler) {
        routes.append(Route(method: method, pattern: pattern, segments: Self.parse(pattern), action: .portal(handler)))
    }

    /// Adds a route that needs no portal.
    public mutating func addSystem(_ method: String, _ pattern: String, _ handler: @escaping SystemHandler) {
        routes.append(Route(method: method, pattern: pattern, segments: Self.parse(pattern), action: .system(handler)))
    }

    static func parse(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/").map { piece in
            if piece.hasPrefix("{"), piece.hasSuffix("}") {
                return .parameter(String(piece.dropFirst().dropLast()))
            }
            return .literal(String(piece))
        }
    }

    /// Finds the route for `method` and decoded path `segments`. HEAD is served by GET routes.
    func match(method: String, segments: [String]) -> Match {
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.bind(route.segments, to: segments) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route.action, parameters: parameters, pattern: route.pattern)
            }
            allowed.append(route.method)
            if route.method == "GET" { allowed.append("HEAD") }  // GET routes answer HEAD too
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func bind(_ pattern: [Segment], to segments: [String]) -> [String: String]? {
        guard pattern.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (piece, segment) in zip(pattern, segments) {
            switch piece {
            case .literal(let text): guard text == segment else { return nil }
            case .parameter(let name):
                guard !segment.isEmpty else { return nil }
                parameters[name] = segment
            }
        }
        return parameters
    }
}
