import Foundation
import Logging
import Storage

/// The whole HTTP application as a plain function from request to response:
/// decoding, routing, portal resolution and error rendering. The FastCGI bridge calls it;
/// tests call it directly.
public struct Application: Sendable {
    public let services: Services
    private let router: Router
    private let logger: Logger

    public init(services: Services, logger: Logger) {
        self.services = services
        self.logger = logger
        self.router = Self.routes
    }

    /// Every route of the application, built once per process (handlers are static functions). Custom
    /// pages ask it which paths the portal itself answers (`PortalPages`), so that list cannot drift.
    static let routes: Router = {
        var router = Router()
        HealthEndpoint.register(on: &router)
        HomePageEndpoint.register(on: &router)
        AccountPages.register(on: &router)
        CatalogPages.register(on: &router)
        DeveloperPages.register(on: &router)
        DeveloperAPI.register(on: &router)
        ProjectTokens.register(on: &router)
        KeyRequests.register(on: &router)
        ManagementAPI.register(on: &router)
        return router
    }()

    /// The largest request body read for `path` (undecoded): the management API takes larger bodies
    /// (`ManagementAPI.maxBodyBytes`: pages and appearance images), every other path `max_body_bytes`.
    public func maxBodyBytes(path: String) -> Int {
        let limit = services.settings.maxBodyBytes
        return APIFamily(path: path) == .management ? max(limit, ManagementAPI.maxBodyBytes) : limit
    }

    /// A response and the route that made it, for the pool's metrics.
    public struct Outcome: Sendable {
        public var response: Response
        /// The matched route pattern (`/api/v1/applications/{id}`), `custom-page`, or `unmatched`:
        /// a bounded set of names, never the raw path.
        public var route: String

        public init(response: Response, route: String) {
            self.response = response
            self.route = route
        }
    }

    /// Answers one request. Never throws: every failure becomes a response in the
    /// format of the API family the path belongs to.
    public func respond(to raw: RawRequest) -> Response {
        handle(raw, logger: logger).response
    }

    /// `respond(to:)` with the request's own logger (carrying its `request.id`), which handlers
    /// get in their context, and the name of the route that answered.
    public func handle(_ raw: RawRequest, logger: Logger) -> Outcome {
        let family = APIFamily(path: raw.rawPath)
        var response: Response
        var routeName = "unmatched"
        do {
            response = try route(raw, family: family, logger: logger, routeName: &routeName)
        } catch let error as HTTPError where ErrorPages.applies(to: raw) {
            response = ErrorPages.page(status: error.status, message: error.message, headers: error.headers, raw, services)
        } catch let error as RequestError where ErrorPages.applies(to: raw) {
            // An undecodable page URL (`/catalog?q=%ZZ`) still gets the portal's own error page.
            response = ErrorPages.page(status: error.status, message: error.message, raw, services)
        } catch let error as any ResponseError {
            response = error.response(family: family, path: raw.rawPath)
        } catch let error as StorageError where error.kind == .busy {
            logger.warning("database busy", metadata: ["error": "\(error)", "request.path": "\(raw.rawPath)"])
            response = ErrorPages.applies(to: raw)
                ? ErrorPages.page(status: 503, message: "The portal is busy. Try again in a moment.", raw, services)
                : family.errorResponse(status: 503, message: "Service temporarily unavailable, try again", path: raw.rawPath)
        } catch {
            logger.error("request failed", metadata: ["error": "\(error)", "request.path": "\(raw.rawPath)"])
            response = ErrorPages.applies(to: raw)
                ? ErrorPages.page(status: 500, message: "Something went wrong on our side. Try again later.", raw, services)
                : family.errorResponse(status: 500, message: "An unexpected error occurred", path: raw.rawPath)
        }
        if family != .site || raw.rawPath.hasPrefix("/api/") {
            // API replies carry personal data, credentials and secrets: no cache may keep them.
            if response.headers["cache-control"] == nil { response.headers.add("Cache-Control", "no-store") }
        }
        if raw.method.utf8.count == 4, raw.method.uppercased() == "HEAD" {
            // HEAD answers like GET without the body: the length is the GET body's (RFC 9110 §9.3.2).
            if response.headers["content-length"] == nil, response.status != 204, response.status != 304 {
                response.headers.add("Content-Length", String(response.body.count))
            }
            response.body = []
        }
        return Outcome(response: response, route: routeName)
    }

    /// The response for a body larger than the limit, without reading it.
    public func payloadTooLarge(_ raw: RawRequest) -> Response {
        let error = RequestError.bodyTooLarge(limit: maxBodyBytes(path: raw.rawPath))
        return ErrorPages.applies(to: raw)
            ? ErrorPages.page(status: error.status, message: error.message, raw, services)
            : error.response(family: APIFamily(path: raw.rawPath), path: raw.rawPath)
    }

    private func route(_ raw: RawRequest, family: APIFamily, logger: Logger, routeName: inout String) throws -> Response {
        var request = try Request(raw)
        if raw.redirectToHTTPS {
            routeName = "https-redirect"
            return try redirectToHTTPS(request, uri: raw.uri)
        }
        switch router.match(method: request.method, segments: request.segments) {
        case .notFound:
            // Any other page path may be a theme file or a custom page of the portal (GET and HEAD
            // only); on a host that names no portal it is misdirected, like every portal route.
            if family == .site, !request.path.hasPrefix("/api/") {
                let portal = try portal(serving: request)
                if request.method == "GET" || request.method == "HEAD" {
                    let context = RequestContext(services: services, portal: portal, logger: logger)
                    if let file = try ThemeAssets.portalFile(request, context) {
                        routeName = "asset"
                        return file
                    }
                    if let page = try CustomPages.respond(request, context) {
                        routeName = "custom-page"
                        return page
                    }
                }
            }
            throw HTTPError(404, "Not found")
        case .methodNotAllowed(let allowed):
            throw HTTPError(405, "Method not allowed", headers: HTTPHeaders([("Allow", allowed.joined(separator: ", "))]))
        case let .found(action, parameters, pattern):
            request.parameters = parameters
            routeName = pattern
            switch action {
            case .system(let handler):
                return try handler(request, services)
            case .portal(let handler):
                let context = RequestContext(services: services, portal: try portal(serving: request), logger: logger)
                return try handler(request, context)
            }
        }
    }

    /// The portal the request's host names (a configured server name: the default portal); 421 for any
    /// other host (RFC 9110 §15.5.20: this server does not serve that authority).
    private func portal(serving request: Request) throws -> Portal {
        guard let portal = try services.portalCache.resolve(host: request.host, serverNames: services.settings.serverNames) else {
            throw HTTPError(421, "No portal is served on this host")
        }
        return portal
    }

    /// The plain-HTTP server's only answer: a permanent redirect to the same path and query on the
    /// portal's canonical HTTPS origin (its stored domain, the configured scheme and port), never to
    /// the Host the client sent; a host naming no portal gets 421.
    private func redirectToHTTPS(_ request: Request, uri: String) throws -> Response {
        var response = Response(status: 301)
        response.headers.add("Location", services.baseURL(for: try portal(serving: request)) + uri)
        return response
    }
}
