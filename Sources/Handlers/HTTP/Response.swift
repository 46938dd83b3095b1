/// An HTTP response: status, header fields (several `Set-Cookie` allowed) and body bytes.
public struct Response: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response.
    public static func json(_ value: JSON, status: Int = 200, contentType: String = "application/json; charset=utf-8") -> Response {
        json(utf8: value.bytes, status: status, contentType: contentType)
    }

    /// JSON already serialised (`JSONObjectWriter`).
    public static func json(utf8 body: [UInt8], status: Int = 200, contentType: String = "application/json; charset=utf-8") -> Response {
        Response(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: body)
    }

    /// An HTML page, as UTF-8.
    public static func html(utf8 body: [UInt8], status: Int = 200) -> Response {
        Response(status: status, headers: HTTPHeaders([("Content-Type", "text/html; charset=utf-8")]), body: body)
    }

    /// 204 No Content.
    public static var noContent: Response { Response(status: 204) }

    /// The reason phrase for the status line.
    public var reasonPhrase: String { Self.reasonPhrases[status] ?? "Unknown" }

    static let reasonPhrases: [Int: String] = [
        200: "OK", 201: "Created", 204: "No Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
        304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
        405: "Method Not Allowed", 409: "Conflict", 421: "Misdirected Request", 413: "Content Too Large", 415: "Unsupported Media Type",
        422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
        503: "Service Unavailable",
    ]
}
