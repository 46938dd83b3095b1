import Handlers
import Testing
@testable import PortalFCGI

@Suite struct CGIMessageTests {
    @Test func buildsRequestFromParams() {
        let raw = CGIMessage.request(params: [
            ("REQUEST_METHOD", "POST"), ("REQUEST_URI", "/api/v2/portals?page%5Bsize%5D=2"),
            ("DOCUMENT_URI", "/api/v2/portals"), ("QUERY_STRING", "page%5Bsize%5D=2"),
            ("CONTENT_TYPE", "application/json"), ("CONTENT_LENGTH", "2"), ("HTTP_HOST", "portal.example"),
            ("HTTP_X_REQUEST_ID", "abc"), ("HTTP_COOKIE", "a=1"), ("REMOTE_ADDR", "10.0.0.1"),
        ], body: Array("{}".utf8))
        #expect(raw.method == "POST")
        #expect(raw.uri == "/api/v2/portals?page%5Bsize%5D=2")
        #expect(raw.headers["content-type"] == "application/json")
        #expect(raw.headers["Host"] == "portal.example")
        #expect(raw.headers["x-request-id"] == "abc")
        #expect(raw.headers["cookie"] == "a=1")
        #expect(raw.remoteAddress == "10.0.0.1")
        #expect(raw.body == Array("{}".utf8))
    }

    @Test func fallsBackToDocumentURIAndQueryString() {
        let raw = CGIMessage.request(params: [("DOCUMENT_URI", "/x"), ("QUERY_STRING", "a=1")], body: [])
        #expect(raw.uri == "/x?a=1")
        #expect(raw.method == "GET")
    }

    @Test func writesStatusHeadersAndSeveralCookies() {
        var response = Response.json(.object([("ok", .bool(true))]), status: 201)
        response.headers.add("Set-Cookie", "a=1")
        response.headers.add("Set-Cookie", "b=2")
        let text = String(decoding: CGIMessage.bytes(of: response), as: UTF8.self)
        #expect(text.hasPrefix("Status: 201 Created\r\n"))
        #expect(text.contains("Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n"))
        #expect(text.contains("Content-Type: application/json; charset=utf-8\r\n"))
        #expect(text.contains("Content-Length: 11\r\n"))
        #expect(text.hasSuffix("\r\n\r\n{\"ok\":true}"))
    }

    @Test func headerValuesCannotInjectHeaders() {
        var response = Response(status: 200)
        response.headers.add("X-Test", "a\r\nSet-Cookie: evil=1")
        let text = String(decoding: CGIMessage.bytes(of: response), as: UTF8.self)
        #expect(!text.contains("\r\nSet-Cookie"))
        #expect(text.contains("X-Test: aSet-Cookie: evil=1\r\n"))
    }

    @Test func noContentHasNoLength() {
        let text = String(decoding: CGIMessage.bytes(of: .noContent), as: UTF8.self)
        #expect(text == "Status: 204 No Content\r\n\r\n")
    }
}

/// Log values cannot forge or split log lines.
@Suite struct LogQuotingTests {
    @Test(arguments: [
        ("plain", "plain"), ("two words", "\"two words\""), ("a\"b", "\"a\\\"b\""),
        ("line\nbreak", "\"line\\nbreak\""), ("carriage\rreturn", "\"carriage\\rreturn\""),
        ("nul\u{0}byte", "\"nul\\x00byte\""), ("escape\u{1b}[31m", "\"escape\\x1b[31m\""), ("back\\slash", "\"back\\\\slash\""),
    ])
    func controlCharactersAreEscaped(_ value: String, _ expected: String) {
        #expect(StderrLogHandler.quoted(value) == expected)
    }
}
