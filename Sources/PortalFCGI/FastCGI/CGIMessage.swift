import Handlers

/// Conversions between CGI/FastCGI parameters and the application's plain request/response values.
/// Pure functions, tested without a socket.
enum CGIMessage {
    /// A `RawRequest` from the FastCGI params (`REQUEST_METHOD`, `REQUEST_URI`, `HTTP_*`, …)
    /// and the body read from FCGI_STDIN.
    static func request(params: [(String, String)], body: [UInt8]) -> RawRequest {
        var headers = HTTPHeaders()
        var method = "GET"
        var requestURI: String?
        var documentURI = "/"
        var queryString = ""
        var remoteAddress: String?
        for (name, value) in params {
            switch name {
            case "REQUEST_METHOD": method = value
            case "REQUEST_URI": requestURI = value
            case "DOCUMENT_URI": documentURI = value.isEmpty ? "/" : value
            case "QUERY_STRING": queryString = value
            case "REMOTE_ADDR": remoteAddress = value
            case "CONTENT_TYPE": if !value.isEmpty { headers.add("content-type", value) }
            case "CONTENT_LENGTH": if !value.isEmpty { headers.add("content-length", value) }
            default:
                if name.hasPrefix("HTTP_") {
                    headers.add(headerName(fromParam: name), value)
                }
            }
        }
        let uri = requestURI ?? (queryString.isEmpty ? documentURI : documentURI + "?" + queryString)
        return RawRequest(method: method, uri: uri, headers: headers, body: body, remoteAddress: remoteAddress)
    }

    /// `HTTP_X_REQUEST_ID` → `x-request-id`.
    static func headerName(fromParam name: String) -> String {
        String(name.dropFirst(5).lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// The CGI response a FastCGI responder writes on FCGI_STDOUT: `Status:` line, headers, blank
    /// line, body. CR and LF are removed from header values so a value cannot inject headers.
    static func bytes(of response: Response) -> [UInt8] {
        // One buffer, sized once: the head and the body are copied in, never concatenated as strings.
        var out: [UInt8] = []
        out.reserveCapacity(512 + response.body.count)
        let lineEnd: [UInt8] = [13, 10]
        out += "Status: ".utf8
        out += String(response.status).utf8
        out.append(UInt8(ascii: " "))
        out += response.reasonPhrase.utf8
        out += lineEnd
        var hasLength = false
        for (name, value) in response.headers {
            if name == "content-length" { hasLength = true }
            out += canonicalName(name).utf8
            out += ": ".utf8
            out += HTTPHeaders.singleLine(value).utf8
            out += lineEnd
        }
        if !hasLength, response.status != 204, response.status != 304 {
            out += "Content-Length: ".utf8
            out += String(response.body.count).utf8
            out += lineEnd
        }
        out += lineEnd
        out += response.body
        return out
    }

    /// `set-cookie` → `Set-Cookie` (ASCII bytes: header names are tokens; this runs for every header
    /// of every response).
    static func canonicalName(_ name: String) -> String {
        var bytes = Array(name.utf8)
        var startOfWord = true
        for index in bytes.indices {
            let byte = bytes[index]
            if startOfWord, byte >= UInt8(ascii: "a"), byte <= UInt8(ascii: "z") { bytes[index] = byte - 32 }
            startOfWord = byte == UInt8(ascii: "-")
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
