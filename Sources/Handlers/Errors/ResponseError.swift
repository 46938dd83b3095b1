/// An error that knows the response it stands for.
public protocol ResponseError: Error {
    /// The response, given the family of the request's path.
    func response(family: APIFamily, path: String) -> Response
}

/// A plain status + message error, rendered in the format of whichever family the request belongs to.
public struct HTTPError: ResponseError, Sendable {
    public let status: Int
    public let message: String
    public var headers: HTTPHeaders

    public init(_ status: Int, _ message: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    public func response(family: APIFamily, path: String) -> Response {
        var response = family.errorResponse(status: status, message: message, path: path)
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }
}

extension RequestError: ResponseError {
    public func response(family: APIFamily, path: String) -> Response {
        family.errorResponse(status: status, message: message, path: path)
    }
}
