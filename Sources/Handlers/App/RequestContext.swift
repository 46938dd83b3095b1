import Logging
import Storage

/// What a portal route's handler gets besides the request.
public struct RequestContext: Sendable {
    public let services: Services
    /// The portal serving this request's host.
    public let portal: Portal
    public let logger: Logger
}
