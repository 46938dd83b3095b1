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
    /// Route indices by segment count and first two segments (nil where the pattern has a parameter),
    /// so a request is compared with the few patterns that could match rather than with all of them.
    private var buckets: [BucketKey: [Int]] = [:]

    private struct BucketKey: Hashable {
        let count: Int
        let first: String?
        let second: String?
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
        func literal(_ index: Int) -> String? {
            guard index < route.segments.count, case .literal(let text) = route.segments[index] else { return nil }
            return text
        }
        buckets[BucketKey(count: route.segments.count, first: literal(0), second: literal(1)), default: []].append(routes.count)
        routes.append(route)
    }

    /// The routes that could match `segments`, in registration order.
    private func candidates(_ segments: [String]) -> [Int] {
        let first = segments.first, second = segments.count > 1 ? segments[1] : nil
        var found: [Int] = []
        var keys: [BucketKey] = []
        for key in [
            BucketKey(count: segments.count, first: first, second: second), BucketKey(count: segments.count, first: first, second: nil),
            BucketKey(count: segments.count, first: nil, second: second), BucketKey(count: segments.count, first: nil, second: nil),
        ] where !keys.contains(key) {
            keys.append(key)
            if let indices = buckets[key] { found += indices }
        }
        return found.count > 1 ? found.sorted() : found
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
