import Handlers
import Testing

/// `URLEncodedForm`: `application/x-www-form-urlencoded` bodies and query strings (WHATWG URL §5).
@Suite struct URLEncodedFormTests {
    static func form(_ text: String) throws -> URLEncodedForm {
        try URLEncodedForm(parsing: Array(text.utf8))
    }

    @Test func pairsKeepOrderAndDecode() throws {
        let form = try Self.form("email=ada%40example.com&password=p%26ss+word&meta=%7B%22full_name%22%3A%22Ada%22%7D")
        #expect(form.pairs.map(\.name) == ["email", "password", "meta"])
        #expect(form["email"] == "ada@example.com")
        #expect(form["password"] == "p&ss word")
        #expect(form["meta"] == #"{"full_name":"Ada"}"#)
    }

    @Test func emptyPiecesAreSkippedAndMissingValuesAreEmpty() throws {
        let form = try Self.form("&a=1&&b&c=&=d&")
        #expect(form == URLEncodedForm(pairs: [("a", "1"), ("b", ""), ("c", ""), ("", "d")]))
    }

    @Test func valueMayContainEqualsSigns() throws {
        #expect(try Self.form("token=abc==&x=a=b")["token"] == "abc==")
        #expect(try Self.form("x=a=b")["x"] == "a=b")
    }

    @Test func repeatedNamesFirstForSubscriptAllForValues() throws {
        let form = try Self.form("tag=a&tag=b&tag=c")
        #expect(form["tag"] == "a")
        #expect(form.values("tag") == ["a", "b", "c"])
        #expect(form.values("none") == [])
    }

    @Test func utf8IsDecoded() throws {
        #expect(try Self.form("name=%C3%89mile+Zola")["name"] == "Émile Zola")
    }

    @Test(arguments: ["a=%zz", "a=%4", "a=%", "a=%ff", "%zz=1", "a=%E2%82"])
    func malformedEncodingThrows(text: String) {
        #expect(throws: RequestError.malformedEncoding) { try Self.form(text) }
    }

    @Test func equalityComparesNamesAndValuesInOrder() {
        #expect(URLEncodedForm(pairs: [("a", "1"), ("b", "2")]) == URLEncodedForm(pairs: [("a", "1"), ("b", "2")]))
        #expect(URLEncodedForm(pairs: [("a", "1"), ("b", "2")]) != URLEncodedForm(pairs: [("b", "2"), ("a", "1")]))
        #expect(URLEncodedForm(pairs: [("a", "1")]) != URLEncodedForm(pairs: [("a", "2")]))
    }
}
