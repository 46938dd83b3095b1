/// What the web server handed over, before any decoding: the FastCGI bridge fills this.
public struct RawRequest: Sendable {
    public var method: String
    /// The request target as sent (`REQUEST_URI`): path and query, still percent-encoded.
    public let uri: String
    /// The path part of the target, undecoded (used to pick an error format before decoding).
    public let rawPath: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    public var remoteAddress: String?
    /// The request came to the plain-HTTP server: it gets only a redirect to the portal's HTTPS origin.
    public var redirectToHTTPS = false

    public init(method: String, uri: String, headers: HTTPHeaders, body: [UInt8] = [], remoteAddress: String? = nil) {
        self.method = method
        self.uri = uri
        // On UTF-8 bytes, once: several steps of every request read it.
        if let end = uri.utf8.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) {
            rawPath = String(uri[..<end])
        } else {
            rawPath = uri
        }
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
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
        // Methods arrive upper case; only an odd client's need a new string.
        method = raw.method.utf8.contains(where: { $0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z") }) ? raw.method.uppercased() : raw.method
        path = raw.rawPath
        // Empty segments are kept ("/a/" is ["a", ""]): no route has one, so `/x/` and `//x` are not `/x`.
        var segments: [String] = []
        if path != "/" {
            let escaped = path.utf8.contains(UInt8(ascii: "%"))
            for segment in path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
                // Without a `%` a segment is already what it decodes to (and valid UTF-8, being part of a String).
                guard !escaped else {
                    guard let decoded = PercentDecoding.decode(segment, plusAsSpace: false) else { throw .malformedEncoding }
                    segments.append(decoded)
                    continue
                }
                segments.append(String(Substring(segment)))
            }
        }
        self.segments = segments
        if let questionMark = raw.uri.utf8.firstIndex(of: UInt8(ascii: "?")) {
            let queryText = raw.uri.utf8[raw.uri.utf8.index(after: questionMark)...].prefix { $0 != UInt8(ascii: "#") }
            query = try URLEncodedForm(parsing: Array(queryText))
        } else {
            query = URLEncodedForm()
        }
        headers = raw.headers
        body = raw.body
        remoteAddress = raw.remoteAddress
    }

    /// The `Host` header.
    public var host: String? { headers["host"] }

    /// The value of the first cookie named `name` (RFC 6265 §5.4), found by scanning the `Cookie`
    /// headers' UTF-8 bytes: no dictionary, no per-pair strings (the session cookie is read on every
    /// authenticated request).
    public func cookie(named name: String) -> String? {
        let wanted = Array(name.utf8)
        for var header in headers.values("cookie") {
            if let found = header.withUTF8({ Self.cookieValue(wanted, in: $0) }) { return found }
        }
        return nil
    }

    private static func cookieValue(_ wanted: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), semicolon = UInt8(ascii: ";"), equals = UInt8(ascii: "=")
        var start = bytes.startIndex
        while start < bytes.endIndex {
            var end = start
            while end < bytes.endIndex, bytes[end] != semicolon { end += 1 }
            var nameStart = start
            while nameStart < end, bytes[nameStart] == space || bytes[nameStart] == tab { nameStart += 1 }
            if let eq = bytes[nameStart..<end].firstIndex(of: equals) {
                var nameEnd = eq
                while nameEnd > nameStart, bytes[nameEnd - 1] == space || bytes[nameEnd - 1] == tab { nameEnd -= 1 }
                if bytes[nameStart..<nameEnd].elementsEqual(wanted) {
                    var valueStart = eq + 1, valueEnd = end
                    while valueStart < valueEnd, bytes[valueStart] == space || bytes[valueStart] == tab { valueStart += 1 }
                    while valueEnd > valueStart, bytes[valueEnd - 1] == space || bytes[valueEnd - 1] == tab { valueEnd -= 1 }
                    if valueEnd - valueStart >= 2, bytes[valueStart] == UInt8(ascii: "\""), bytes[valueEnd - 1] == UInt8(ascii: "\"") {
                        valueStart += 1
                        valueEnd -= 1
                    }
                    return String(decoding: bytes[valueStart..<valueEnd], as: UTF8.self)
                }
            }
            start = end + 1
        }
        return nil
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
