/// Why a request could not be understood before it reached a handler.
public enum RequestError: Error, Sendable, Equatable {
    /// A `%` escape is malformed or decodes to bytes that are not UTF-8.
    case malformedEncoding
    /// The body is larger than the configured limit.
    case bodyTooLarge(limit: Int)
    /// The body's content type is not one the endpoint reads.
    case unsupportedContentType(String)
    /// The body claims a format it does not have (e.g. broken JSON).
    case malformedBody(String)

    /// HTTP status for the error.
    public var status: Int {
        switch self {
        case .bodyTooLarge: 413
        default: 400
        }
    }

    /// A message for API clients.
    public var message: String {
        switch self {
        case .malformedEncoding: "Malformed percent-encoding or non-UTF-8 text in the request"
        case .bodyTooLarge(let limit): "Request body is larger than \(limit) bytes"
        case .unsupportedContentType(let type): "Unsupported Content-Type: \(type)"
        case .malformedBody(let reason): "Malformed request body: \(reason)"
        }
    }
}
