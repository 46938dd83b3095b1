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
    /// Indices of the patterns without parameters, by their segments: most requests (`/health`,
    /// `/api/v1/developer`) are found with one hash lookup.
    private var literalRoutes: [[String]: [Int]] = [:]
    /// Route indices by segment count and first segment (nil where the pattern starts with a parameter),
    /// so a request is compared with the few patterns that could match rather than with all of them.
    private var buckets: [BucketKey: [Int]] = [:]

    private struct BucketKey: Hashable {
        let count: Int
        let first: String?
    }

    public init() {}

    /// Adds a route served within the request's portal.
    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping PortalHandler) {
        append(Route(method: method, pattern: pattern, segments: Self.parse(pattern), action: .portal(handler)))
    }

    /// Adds a route that needs no portal.
    public mutating func addSystem(_ method: String, _ pattern: String, _ handler: @escaping SystemHandler) {
        append(Route(method: method, pattern: pattern, segments: Self.parse(pattern), action: .system(handler)))
    }

    private mutating func append(_ route: Route) {
        let literals = route.segments.compactMap { segment -> String? in
            if case .literal(let text) = segment { return text }
            return nil
        }
        if literals.count == route.segments.count { literalRoutes[literals, default: []].append(routes.count) }
        let first = literals.isEmpty || route.segments.first != .literal(literals[0]) ? nil : literals[0]
        buckets[BucketKey(count: route.segments.count, first: first), default: []].append(routes.count)
        routes.append(route)
    }

    /// The routes that could match `segments`, in registration order.
    private func candidates(_ segments: [String]) -> [Int] {
        let literal = segments.first.flatMap { buckets[BucketKey(count: segments.count, first: $0)] } ?? []
        let parameter = buckets[BucketKey(count: segments.count, first: nil)] ?? []
        if parameter.isEmpty { return literal }
        if literal.isEmpty { return parameter }
        return (literal + parameter).sorted()
    }

    static func parse(_ pattern: String) -> [Segment] {
        pattern.split(separator: "/").map { piece in
            if piece.hasPrefix("{"), piece.hasSuffix("}") {
                return .parameter(String(piece.dropFirst().dropLast()))
            }
            return .literal(String(piece))
        }
    }

    /// Finds the route for `method` and decoded path `segments`. HEAD is served by GET routes. Where
    /// several patterns match, the one with a literal segment where the others have a parameter wins
    /// (`/portals/appearance-defaults` over `/portals/{portalId}`), whatever the registration order.
    func match(method: String, segments: [String]) -> Match {
        // A pattern without parameters is the most literal there is: when one answers the method, it wins.
        if let indices = literalRoutes[segments] {
            for index in indices where routes[index].method == method || (method == "HEAD" && routes[index].method == "GET") {
                return .found(routes[index].action, parameters: [:], pattern: routes[index].pattern)
            }
        }
        var allowed: [String] = []
        var best: (route: Route, parameters: [String: String])?
        for index in candidates(segments) {
            let route = routes[index]
            guard let parameters = Self.bind(route.segments, to: segments) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                if let current = best, !Self.isMoreLiteral(route.segments, than: current.route.segments) { continue }
                best = (route, parameters)
                continue
            }
            allowed.append(route.method)
            if route.method == "GET" { allowed.append("HEAD") }  // GET routes answer HEAD too
        }
        if let best { return .found(best.route.action, parameters: best.parameters, pattern: best.route.pattern) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// Whether `a` has a literal at the first position where it and `b` differ in kind.
    private static func isMoreLiteral(_ a: [Segment], than b: [Segment]) -> Bool {
        for (x, y) in zip(a, b) {
            switch (x, y) {
            case (.literal, .parameter): return true
            case (.parameter, .literal): return false
            default: continue
            }
        }
        return false
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
