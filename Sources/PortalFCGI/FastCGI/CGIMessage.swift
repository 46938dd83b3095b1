import Foundation
import Handlers

/// The FastCGI params of one request, read one `NAME=value` at a time on their bytes. Only what the
/// application and the pool use becomes a String: the method, URI, client address, content type and
/// length, the request id and the `HTTP_*` headers; the rest (SERVER_*, SCRIPT_*, …) costs a length check.
struct CGIParams {
    private(set) var method = "GET"
    private var requestURI: String?
    private(set) var documentURI = "/"
    private(set) var queryString = ""
    private(set) var remoteAddress: String?
    private var requestID: String?
    private(set) var headers = HTTPHeaders()
    /// CONTENT_LENGTH as a number (0 when absent or not a number).
    private(set) var contentLength = 0
    /// `PORTAL_TO_HTTPS=1`: nginx's plain-HTTP server asks only for the redirect to HTTPS.
    private var toHTTPS = false

    /// One param. `name` is ASCII (nginx's names); `value` is any bytes.
    mutating func take(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        if name.count > 5, Self.equals(UnsafeRawBufferPointer(rebasing: name[..<5]), "HTTP_") {
            headers.add(Self.headerName(fromParam: UnsafeRawBufferPointer(rebasing: name[5...])), Self.string(value))
            return
        }
        switch name.count {
        case 10 where Self.equals(name, "REQUEST_ID"): requestID = Self.string(value)
        case 11 where Self.equals(name, "REQUEST_URI"): requestURI = Self.string(value)
        case 11 where Self.equals(name, "REMOTE_ADDR"): remoteAddress = Self.string(value)
        case 12 where Self.equals(name, "DOCUMENT_URI"): documentURI = value.isEmpty ? "/" : Self.string(value)
        case 12 where Self.equals(name, "QUERY_STRING"): queryString = Self.string(value)
        case 12 where Self.equals(name, "CONTENT_TYPE"): if !value.isEmpty { headers.add("content-type", Self.string(value)) }
        case 14 where Self.equals(name, "REQUEST_METHOD"): method = Self.string(value)
        case 15 where Self.equals(name, "PORTAL_TO_HTTPS"): toHTTPS = value.count == 1 && value[0] == UInt8(ascii: "1")
        case 14 where Self.equals(name, "CONTENT_LENGTH"):
            if !value.isEmpty {
                let text = Self.string(value)
                headers.add("content-length", text)
                contentLength = Int(text) ?? 0
            }
        default: break
        }
    }

    /// `take` for params given as strings (tests, and callers without libfcgi's buffers).
    mutating func take(_ name: String, _ value: String) {
        var name = name, value = value
        name.withUTF8 { name in value.withUTF8 { value in take(name: UnsafeRawBufferPointer(name), value: UnsafeRawBufferPointer(value)) } }
    }

    /// The application's request, with `body` read from FCGI_STDIN.
    func request(body: [UInt8]) -> RawRequest {
        let uri = requestURI ?? (queryString.isEmpty ? documentURI : documentURI + "?" + queryString)
        var raw = RawRequest(method: method, uri: uri, headers: headers, body: body, remoteAddress: remoteAddress)
        raw.redirectToHTTPS = toHTTPS
        return raw
    }

    /// What the pool logs and shows of this request.
    var summary: RequestSummary {
        RequestSummary(method: method, path: documentURI, requestID: requestID)
    }

    /// `X_REQUEST_ID` (after `HTTP_`) → `x-request-id`, byte by byte.
    static func headerName(fromParam name: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: name.count) { buffer in
            for (index, byte) in name.enumerated() {
                buffer[index] = byte == UInt8(ascii: "_") ? UInt8(ascii: "-") : (byte >= 65 && byte <= 90 ? byte + 32 : byte)
            }
            return name.count
        }
    }

    private static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        guard bytes.count == literal.utf8CodeUnitCount, let base = bytes.baseAddress else { return false }
        return memcmp(base, literal.utf8Start, bytes.count) == 0
    }

    private static func string(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}

/// Conversions between CGI/FastCGI parameters and the application's plain request/response values.
/// Pure functions, tested without a socket.
enum CGIMessage {
    /// A `RawRequest` from the FastCGI params (`REQUEST_METHOD`, `REQUEST_URI`, `HTTP_*`, …)
    /// and the body read from FCGI_STDIN.
    static func request(params: [(String, String)], body: [UInt8]) -> RawRequest {
        var reader = CGIParams()
        for (name, value) in params { reader.take(name, value) }
        return reader.request(body: body)
    }

    /// The CGI response a FastCGI responder writes on FCGI_STDOUT: `Status:` line, headers, blank
    /// line, body. CR and LF are removed from header values so a value cannot inject headers.
    static func bytes(of response: Response) -> [UInt8] {
        // One buffer, sized once: the head and the body are copied in, never concatenated as strings.
        var out: [UInt8] = []
        out.reserveCapacity(512 + response.body.count)
        out += "Status: ".utf8
        out.appendDecimal(response.status)
        out.append(UInt8(ascii: " "))
        out += response.reasonPhrase.utf8
        out += lineEnd
        var hasLength = false
        for (name, value) in response.headers {
            if name.utf8.count == 14, name.lowercased() == "content-length" { hasLength = true }
            appendCanonicalName(name, to: &out)
            out += ": ".utf8
            out += HTTPHeaders.singleLine(value).utf8
            out += lineEnd
        }
        if !hasLength, response.status != 204, response.status != 304 {
            out += "Content-Length: ".utf8
            out.appendDecimal(response.body.count)
            out += lineEnd
        }
        out += lineEnd
        out += response.body
        return out
    }

    private static let lineEnd: [UInt8] = [13, 10]

    /// `set-cookie` → `Set-Cookie`, appended byte by byte (header names are ASCII tokens; this runs for
    /// every header of every response). Names already capitalised, as the handlers write them, are copied.
    static func appendCanonicalName(_ name: String, to out: inout [UInt8]) {
        if let first = name.utf8.first, first < UInt8(ascii: "a") {
            out += name.utf8
            return
        }
        var startOfWord = true
        for byte in name.utf8 {
            out.append(startOfWord && byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 32 : byte)
            startOfWord = byte == UInt8(ascii: "-")
        }
    }
}
