import Handlers
import PortalTesting
import Testing

/// `Request(RawRequest)`: path and query decoding (RFC 3986 §2.1, form-urlencoded query values),
/// cookies (RFC 6265 §5.4) and the body's media type.
@Suite struct RequestTests {
    static func request(_ uri: String, method: String = "GET", headers: [(String, String)] = []) throws -> Request {
        try Request(RawRequest(method: method, uri: uri, headers: HTTPHeaders(headers)))
    }

    @Test func bracketQueryKeysKeepTheirFullText() throws {
        let request = try Self.request("/api/v2/portals?page[size]=10&filter[name][contains]=a%20b&sort=name,-created_at")
        #expect(request.query["page[size]"] == "10")
        #expect(request.query["filter[name][contains]"] == "a b")
        #expect(request.query["sort"] == "name,-created_at")
        #expect(request.query["page"] == nil)
        #expect(request.query.pairs.map(\.name) == ["page[size]", "filter[name][contains]", "sort"])
    }

    @Test func percentEncodedBracketsDecodeToTheSameKeys() throws {
        let request = try Self.request("/api/v2/portals?page%5Bnumber%5D=2&filter%5Bname%5D%5Beq%5D=x")
        #expect(request.query["page[number]"] == "2")
        #expect(request.query["filter[name][eq]"] == "x")
    }

    @Test func plusIsASpaceInQueryValuesAndEscapedPlusIsAPlus() throws {
        let request = try Self.request("/search?q=hello+world&tag=c%2B%2B&name+key=v")
        #expect(request.query["q"] == "hello world")
        #expect(request.query["tag"] == "c++")
        #expect(request.query["name key"] == "v")
    }

    @Test func queryStopsAtTheFragmentAndRepeatsKeepOrder() throws {
        let request = try Self.request("/x?a=1&a=2&b=&c#frag=9")
        #expect(request.query.values("a") == ["1", "2"])
        #expect(request.query["b"] == "")
        #expect(request.query["c"] == "")
        #expect(request.query["frag"] == nil)
        #expect(request.path == "/x")
    }

    @Test(arguments: [
        "/x?a=%zz", "/x?a=%4", "/x?a=%", "/x?a=%ff", "/x?%zz=1", "/x?a=%c3%28",
        "/x/%zz", "/x/%4", "/x/%ff", "/%e9t%e9",
    ])
    func malformedOrNonUTF8EncodingThrows(uri: String) {
        #expect(throws: RequestError.malformedEncoding) { try Self.request(uri) }
    }

    @Test func pathSegmentsAreDecodedAndEmptyOnesKept() throws {
        let request = try Self.request("/files/a%20b/c%2Fd//%C3%A9t%C3%A9/x+y/?q=1")
        #expect(request.segments == ["files", "a b", "c/d", "", "été", "x+y", ""])
        #expect(try Self.request("/").segments == [])
        #expect(request.path == "/files/a%20b/c%2Fd//%C3%A9t%C3%A9/x+y/")
    }

    @Test func methodIsUppercased() throws {
        #expect(try Self.request("/", method: "delete").method == "DELETE")
    }

    @Test func cookiesFromOneHeader() throws {
        let request = try Self.request("/", headers: [("Cookie", "theme=dark; portal_session=abc123;lang=en")])
        #expect(request.cookie(named: "theme") == "dark" && request.cookie(named: "portal_session") == "abc123")
        #expect(request.cookie(named: "lang") == "en" && request.cookie(named: "session") == nil && request.cookie(named: "portal") == nil)
    }

    @Test func cookiesFromSeveralHeadersFirstDuplicateWins() throws {
        let request = try Self.request("/", headers: [
            ("Cookie", "a=1; portal_session=first"), ("cookie", "b=2"), ("COOKIE", "portal_session=second; c=\"quoted\""),
        ])
        #expect(request.cookie(named: "a") == "1" && request.cookie(named: "b") == "2" && request.cookie(named: "c") == "quoted")
        #expect(request.cookie(named: "portal_session") == "first")
    }

    @Test func cookieWithoutValueIsIgnoredAndValueMayContainEquals() throws {
        let request = try Self.request("/", headers: [("Cookie", "flag; token=a=b==")])
        #expect(request.cookie(named: "token") == "a=b==" && request.cookie(named: "flag") == nil)
    }

    @Test func mediaTypeStripsParametersAndLowercases() throws {
        #expect(try Self.request("/", headers: [("Content-Type", "Application/JSON; charset=utf-8")]).mediaType == "application/json")
        #expect(try Self.request("/", headers: [("Content-Type", "application/x-www-form-urlencoded")]).mediaType
            == "application/x-www-form-urlencoded")
        #expect(try Self.request("/", headers: [("Content-Type", " text/plain ;charset=us-ascii")]).mediaType == "text/plain")
        #expect(try Self.request("/", headers: [("Content-Type", "")]).mediaType == nil)
        #expect(try Self.request("/").mediaType == nil)
    }

    @Test func hostAndHeadersAreCaseInsensitive() throws {
        let request = try Self.request("/", headers: [("HOST", "portal.example:8443"), ("X-Request-ID", "r1")])
        #expect(request.host == "portal.example:8443")
        #expect(request.headers["x-request-id"] == "r1")
    }

    @Test func malformedPathThroughTheAppIs400InTheFamilyFormat() throws {
        let portal = try TestPortal()
        let response = portal.send("GET", "/api/v1/%zz")
        #expect(response.status == 400)
        #expect(response.json?.keys == ["message"])
    }
}
