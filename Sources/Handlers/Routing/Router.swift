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
    /// The patterns as a tree of segments: a request walks it segment by segment (a hash lookup for
    /// the literal child, else the parameter child), so its cost grows with the path's length, not
    /// with the number of routes.
    private var root = Node()

    /// One position in the patterns: children by literal segment, the child for a `{parameter}`, and
    /// the routes (indices into `routes`) whose pattern ends here.
    private struct Node: Sendable {
        var literals: [String: Node] = [:]
        var parameter: Box?
        var routes: [Int] = []

        /// A node behind a reference: a struct cannot hold itself directly.
        final class Box: Sendable {
            let node: Node
            init(_ node: Node) { self.node = node }
        }

        mutating func insert(_ segments: ArraySlice<Segment>, route: Int) {
            guard let first = segments.first else {
                routes.append(route)
                return
            }
            switch first {
            case .literal(let text):
                literals[text, default: Node()].insert(segments.dropFirst(), route: route)
            case .parameter:
                // Patterns may name the same position differently: names are taken from the matched route.
                var child = parameter?.node ?? Node()
                child.insert(segments.dropFirst(), route: route)
                parameter = Box(child)
            }
        }
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
        root.insert(route.segments[...], route: routes.count)
        routes.append(route)
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
    /// (`/portals/appearance-defaults` over `/portals/{portalId}`), whatever the registration order:
    /// the tree is walked literal child first, and the first pattern that answers the method wins.
    func match(method: String, segments: [String]) -> Match {
        var bound: [String] = []
        var allowed: [Int] = []
        if let found = search(root, segments[...], method: method, bound: &bound, allowed: &allowed) {
            let route = routes[found]
            var parameters: [String: String] = [:]
            var values = bound.makeIterator()
            for case .parameter(let name) in route.segments { parameters[name] = values.next() }
            return .found(route.action, parameters: parameters, pattern: route.pattern)
        }
        guard !allowed.isEmpty else { return .notFound }
        var methods: [String] = []
        for index in allowed.sorted() where !methods.contains(routes[index].method) {
            methods.append(routes[index].method)
            if routes[index].method == "GET", !methods.contains("HEAD") { methods.append("HEAD") }  // GET routes answer HEAD too
        }
        return .methodNotAllowed(allowed: methods)
    }

    /// Depth-first, literal child before parameter child. Returns the route answering `method`; routes
    /// that match the path with another method are collected in `allowed` (for 405's `Allow`).
    private func search(
        _ node: Node, _ segments: ArraySlice<String>, method: String, bound: inout [String], allowed: inout [Int]
    ) -> Int? {
        guard let segment = segments.first else {
            for index in node.routes {
                let routeMethod = routes[index].method
                if routeMethod == method || (method == "HEAD" && routeMethod == "GET") { return index }
                allowed.append(index)
            }
            return nil
        }
        let rest = segments.dropFirst()
        if let child = node.literals[segment], let found = search(child, rest, method: method, bound: &bound, allowed: &allowed) {
            return found
        }
        // A parameter never binds an empty segment (`/x/` and `//x` are not `/x/{id}`).
        if let parameter = node.parameter, !segment.isEmpty {
            bound.append(segment)
            if let found = search(parameter.node, rest, method: method, bound: &bound, allowed: &allowed) { return found }
            bound.removeLast()
        }
        return nil
    }
}
