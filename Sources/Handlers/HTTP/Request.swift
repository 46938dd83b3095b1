/// What the web server handed over, before any decoding: the FastCGI bridge fills this.
public struct RawRequest: Sendable {
    public var method: String
    /// The request target as sent (`REQUEST_URI`): path and query, still percent-encoded.
    public var uri: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var remoteAddress: String?

    public init(method: String, uri: String, headers: HTTPHeaders, body: [UInt8] = [], remoteAddress: String? = nil) {
        self.method = method
        self.uri = uri
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
    }

    /// The path part of the target, undecoded (used to pick an error format before decoding).
    public var rawPath: String {
        String(uri.prefix { $0 != "?" && $0 != "#" })
    }
}

/// A decoded HTTP request, as handlers see it.
public struct Request: Sendable {
    public var method: String
    /// The path, undecoded (`/api/v1/developer`).
    public var path: String
    /// Decoded path segments (`["api", "v1", "developer"]`); an empty one stands for a doubled or
    /// trailing slash.
    public var segments: [String]
    /// Decoded query parameters.
    public var query: URLEncodedForm
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var remoteAddress: String?
    /// Values of `{name}` placeholders of the matched route.
    public var parameters: [String: String] = [:]

    /// Decodes the path and query of `raw`; malformed escapes or non-UTF-8 text throw.
    public init(_ raw: RawRequest) throws(RequestError) {
        method = raw.method.uppercased()
        path = raw.rawPath
        // Empty segments are kept ("/a/" is ["a", ""]): no route has one, so `/x/` and `//x` are not `/x`.
        var segments: [String] = []
        if path != "/" {
            for segment in path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
                guard let decoded = PercentDecoding.decode(segment, plusAsSpace: false) else {
                    throw .malformedEncoding
                }
                segments.append(decoded)
            }
        }
        self.segments = segments
        if let questionMark = raw.uri.firstIndex(of: "?") {
            let queryText = raw.uri[raw.uri.index(after: questionMark)...].prefix { $0 != "#" }
            query = try URLEncodedForm(parsing: Array(queryText.utf8))
        } else {
            query = URLEncodedForm()
        }
        headers = raw.headers
        body = raw.body
        remoteAddress = raw.remoteAddress
    }

    /// The `Host` header.
    public var host: String? { headers["host"] }

    /// Cookies sent with the request (RFC 6265 §5.4 `Cookie` header); the first of duplicate names wins.
    public var cookies: [String: String] {
        var cookies: [String: String] = [:]
        for header in headers.values("cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { continue }
                let name = parts[0].trimmingSpaces
                if cookies[name] == nil {
                    var value = parts[1].trimmingSpaces
                    if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") {
                        value = String(value.dropFirst().dropLast())
                    }
                    cookies[name] = value
                }
            }
        }
        return cookies
    }

    /// The media type of the body, lowercased, without parameters (`application/json`).
    public var mediaType: String? {
        guard let contentType = headers["content-type"] else { return nil }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingSpaces.lowercased() }
        return type?.isEmpty == false ? type : nil
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
