import Logging
import Storage

/// What a portal route's handler gets besides the request.
public struct RequestContext: Sendable {
    public let services: Services
    /// The portal serving this request's host.
    public let portal: Portal
    public let logger: Logger
}

extension RequestContext {
    /// The portal's public base URL (`https://host[:port]`), for every absolute URL the portal writes.
    /// Built from configuration and the portal's stored domain, never from request headers.
    public var baseURL: String { services.baseURL(for: portal) }
}
