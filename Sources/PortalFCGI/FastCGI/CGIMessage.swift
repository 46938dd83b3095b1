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
        var head = "Status: \(response.status) \(response.reasonPhrase)\r\n"
        var hasLength = false
        for (name, value) in response.headers {
            if name == "content-length" { hasLength = true }
            head += canonicalName(name) + ": " + HTTPHeaders.singleLine(value) + "\r\n"
        }
        if !hasLength, response.status != 204, response.status != 304 {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        head += "\r\n"
        return Array(head.utf8) + response.body
    }

    /// `set-cookie` → `Set-Cookie`.
    static func canonicalName(_ name: String) -> String {
        name.split(separator: "-", omittingEmptySubsequences: false)
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined(separator: "-")
    }
}
