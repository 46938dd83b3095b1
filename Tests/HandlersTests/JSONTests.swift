import Foundation
@testable import Handlers
import Testing

/// `JSON.parse` (RFC 8259) and the byte-wise serialisation.
@Suite struct JSONTests {
    static func parse(_ text: String) throws -> JSON { try JSON.parse(text) }

    // MARK: parsing

    @Test func objectsKeepMemberOrder() throws {
        let value = try Self.parse(#"{"zeta":1,"alpha":2,"mid":3}"#)
        #expect(value == .object([("zeta", .int(1)), ("alpha", .int(2)), ("mid", .int(3))]))
        #expect(value != .object([("alpha", .int(2)), ("mid", .int(3)), ("zeta", .int(1))]))
        #expect(value.text == #"{"zeta":1,"alpha":2,"mid":3}"#)
    }

    @Test func nestedValuesAndWhitespace() throws {
        let value = try Self.parse(" {\n\t\"a\" : [1, {\"b\": null, \"c\": [true, false]}],\r\n \"d\": {\"e\": \"f\"}, \"g\": [] , \"h\": {} } ")
        #expect(value == .object([
            ("a", .array([.int(1), .object([("b", .null), ("c", .array([.bool(true), .bool(false)]))])])),
            ("d", .object([("e", .string("f"))])),
            ("g", .array([])),
            ("h", .object([])),
        ]))
        #expect(value["d"]?["e"]?.stringValue == "f")
        #expect(value["missing"] == nil)
    }

    @Test func stringEscapes() throws {
        #expect(try Self.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
        #expect(try Self.parse(#""caf\u00e9""#) == .string("café"))
        #expect(try Self.parse(#""\u00E9\u4e2d""#) == .string("é中"))
        #expect(try Self.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try Self.parse(#""\u0000""#) == .string("\u{0}"))
        #expect(try Self.parse("\"raw é 😀\"") == .string("raw é 😀"))
    }

    @Test(arguments: [#""\ud83d""#, #""\ud83dx""#, #""\ude00""#, #""\ud83d\u0041""#, #""\u12""#, #""\uzzzz""#, #""\x""#])
    func badEscapesAreRejected(text: String) {
        #expect(throws: JSON.ParseError.self) { try Self.parse(text) }
    }

    @Test func integersAndDoublesAreDistinguished() throws {
        #expect(try Self.parse("0") == .int(0))
        #expect(try Self.parse("42") == .int(42))
        #expect(try Self.parse("-7") == .int(-7))
        #expect(try Self.parse("9223372036854775807") == .int(.max))
        #expect(try Self.parse("-9223372036854775808") == .int(.min))
        #expect(try Self.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try Self.parse("1.5") == .double(1.5))
        #expect(try Self.parse("-0.25") == .double(-0.25))
        #expect(try Self.parse("1e3") == .double(1000))
        #expect(try Self.parse("2E-2") == .double(0.02))
        #expect(try Self.parse("1.0") == .double(1))
        #expect(try Self.parse("1.0") != .int(1))
    }

    @Test(arguments: ["01", "-", "1.", ".5", "+1", "1e", "1e+", "--1", "0x10", "NaN", "Infinity"])
    func invalidNumbersAreRejected(text: String) {
        #expect(throws: JSON.ParseError.self) { try Self.parse(text) }
    }

    @Test(arguments: ["{} x", "[1]]", "truex", "nullnull", "1 2", #"{"a":1}}"#, "\"a\"\"b\""])
    func trailingGarbageIsRejected(text: String) {
        #expect(throws: JSON.ParseError.self) { try Self.parse(text) }
    }

    @Test(arguments: [
        "", "   ", #""abc"#, #"{"a":1"#, "[1,2", #"{"a"}"#, #"{"a":}"#, "[1,]", #"{"a":1,}"#, "{1:2}", "tru", "nul",
        "\"line\nbreak\"", "\"tab\there\"", "'single'",
    ])
    func malformedDocumentsAreRejected(text: String) {
        #expect(throws: JSON.ParseError.self) { try Self.parse(text) }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: JSON.ParseError.self) { try JSON.parse([0x22, 0xFF, 0x22]) }
        #expect(throws: JSON.ParseError.self) { try JSON.parse([0x22, 0xC3, 0x22]) }  // truncated sequence
        #expect(throws: JSON.ParseError.self) { try JSON.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }  // encoded surrogate
        #expect(throws: Never.self) { try JSON.parse([0x22, 0xC3, 0xA9, 0x22]) }
    }

    @Test func nestingUpTo64LevelsIsAcceptedAnd65Rejected() throws {
        let arrays64 = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        let arrays65 = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: Never.self) { try Self.parse(arrays64) }
        #expect(throws: JSON.ParseError.self) { try Self.parse(arrays65) }

        let objects64 = String(repeating: #"{"a":"#, count: 63) + "{}" + String(repeating: "}", count: 63)
        let objects65 = String(repeating: #"{"a":"#, count: 64) + "{}" + String(repeating: "}", count: 64)
        #expect(throws: Never.self) { try Self.parse(objects64) }
        #expect(throws: JSON.ParseError.self) { try Self.parse(objects65) }
    }

    /// 64 levels of nesting are accepted whatever the innermost container holds.
    @Test
    func scalarInside64ContainersIsAccepted() throws {
        let arrays = String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64)
        let objects = String(repeating: #"{"a":"#, count: 64) + "true" + String(repeating: "}", count: 64)
        #expect(throws: Never.self) { try Self.parse(arrays) }
        #expect(throws: Never.self) { try Self.parse(objects) }
    }

    @Test func deepNestingFailsWithoutCrashing() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSON.ParseError.self) { try Self.parse(deep) }
    }

    @Test func duplicateMemberNamesAreRefused() {
        #expect(throws: JSON.ParseError.self) { try Self.parse(#"{"a":1,"b":2,"a":3}"#) }
        #expect(throws: JSON.ParseError.self) { try Self.parse(#"[{"x":{"a":1,"a":1}}]"#) }
        // The same name in different objects is fine.
        #expect(throws: Never.self) { try Self.parse(#"{"a":{"a":1},"b":{"a":2}}"#) }
    }

    /// An object of `count` members `"k0":0,"k1":1,…`.
    static func wideObject(_ count: Int) -> [UInt8] {
        Array(("{" + (0..<count).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}").utf8)
    }

    @Test func objectsBeyondTheMemberCapAreRefused() throws {
        let limits = JSON.Limits.request
        #expect(throws: Never.self) { try JSON.parse(Self.wideObject(limits.membersPerObject)) }
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Self.wideObject(limits.membersPerObject + 1)) }
        // The 40,000-key body of the issue's reproduction is refused, not parsed.
        #expect(throws: JSON.ParseError.self) { try JSON.parse(Self.wideObject(40_000)) }
    }

    @Test func documentsBeyondTheValueCapAreRefused() {
        let items = Array(("[" + Array(repeating: "0", count: JSON.Limits.request.values).joined(separator: ",") + "]").utf8)
        #expect(throws: JSON.ParseError.self) { try JSON.parse(items) }
    }

    /// Counting, not timing: each member costs one name lookup, so the work for 8× the members is 8×
    /// (the quadratic parser compared every name with all earlier ones: 64× the work).
    @Test func memberNameWorkGrowsLinearly() throws {
        let unlimited = JSON.Limits(depth: 64, membersPerObject: .max, values: .max)
        var small = JSONParser.Statistics()
        var large = JSONParser.Statistics()
        _ = try JSON.parse(Self.wideObject(5_000), limits: unlimited, statistics: &small)
        _ = try JSON.parse(Self.wideObject(40_000), limits: unlimited, statistics: &large)
        #expect(small.memberNameLookups == 5_000 && large.memberNameLookups == 40_000)
        #expect(small.values == 5_001 && large.values == 40_001)
        // The comparisons the duplicate check really made: a scan of the earlier names would make
        // 12.5 million for 5,000 members and 800 million for 40,000 (64 times as many for 8 times the
        // members); the hash index makes a few per member (one per probed slot: about 2.5).
        #expect(small.memberNameComparisons <= 4 * 5_000 && large.memberNameComparisons <= 4 * 40_000)
        #expect(large.memberNameComparisons <= 16 * small.memberNameComparisons)
    }

    @Test func aDuplicateIsFoundByComparingNames() throws {
        var statistics = JSONParser.Statistics()
        #expect(throws: JSON.ParseError.self) {
            _ = try JSON.parse(Array(#"{"a": 1, "b": 2, "a": 3}"#.utf8), limits: .request, statistics: &statistics)
        }
        #expect(statistics.memberNameComparisons >= 1)
    }

    // MARK: serialisation

    @Test func scalarsSerialise() {
        #expect(JSON.null.text == "null")
        #expect(JSON.bool(true).text == "true")
        #expect(JSON.bool(false).text == "false")
        #expect(JSON.int(-12).text == "-12")
        #expect(JSON.double(1.5).text == "1.5")
        #expect(JSON.double(2).text == "2")
        #expect(JSON.double(.nan).text == "null")
        #expect(JSON.double(.infinity).text == "null")
        #expect(JSON.array([]).text == "[]")
        #expect(JSON.object([]).text == "{}")
    }

    @Test func stringsEscapeQuotesBackslashesAndControlCharacters() {
        let value = JSON.string("say \"hi\" \\ path\nnew\rret\ttab\u{01}\u{1F}\u{08}\u{0C}é/")
        #expect(value.text == #""say \"hi\" \\ path\nnew\rret\ttab\u0001\u001f\u0008\u000cé/""#)
        #expect(value.bytes == Array(value.text.utf8))
    }

    @Test func escapedOutputCannotBreakOutOfTheString() throws {
        let hostile = "\"},\"admin\":true,\"x\":{\""
        let document = JSON.object([("name", .string(hostile))])
        #expect(try JSON.parse(document.bytes) == document)
        #expect(try JSON.parse(document.bytes)["admin"] == nil)
    }

    @Test func roundTrips() throws {
        let value = JSON.object([
            ("id", .string("fc824f6d-d078-4403-ab7e-ee610f48cecf")),
            ("created_at", .int(1_622_808_888)),
            ("ratio", .double(0.125)),
            ("tags", .array([.string("a\u{0}b"), .string("😀 é 中"), .null, .bool(false)])),
            ("meta", .string(#"{"full_name":"User"}"#)),
            ("nested", .object([("deep", .array([.object([("k", .string("\\\"\n"))])]))])),
        ])
        #expect(try JSON.parse(value.bytes) == value)
        #expect(try JSON.parse(value.text) == value)
        #expect(try JSON.parse(value.text).text == value.text)
    }

    // MARK: timestamps

    /// The database keeps milliseconds, rounded; a reply written from memory must give the same
    /// whole second as a later read of the stored row (a token's issue_date once differed by one).
    @Test func epochSecondsRoundToTheStoredMillisecondFirst() {
        #expect(JSON.epochSeconds(Date(timeIntervalSince1970: 1_796_216_420.9996)) == .int(1_796_216_421))
        #expect(JSON.epochSeconds(Date(timeIntervalSince1970: 1_796_216_420.9994)) == .int(1_796_216_420))
        #expect(JSON.epochSeconds(Date(timeIntervalSince1970: 1_796_216_420)) == .int(1_796_216_420))
        #expect(JSON.epochSeconds(Date(timeIntervalSince1970: -0.4)) == .int(-1))
        #expect(JSON.epochSeconds(Date(timeIntervalSince1970: .infinity)) == .null)
    }

    /// What `JSONObjectWriter` writes is what the same `JSON` tree serialises to, escapes included.
    @Test func objectWriterWritesWhatTheTreeWould() throws {
        let date = Date(timeIntervalSince1970: 1_796_216_420.6)
        let odd = "quote \" backslash \\ line\n tab\t \u{1} é 🙂"
        let written = JSONObjectWriter.bytes { object in
            object.member("text", odd)
            object.member("number", JSON.int(-42))
            object.member("flag", JSON.bool(false))
            object.member("when", epochSeconds: date)
            object.member("none", JSON.null)
            object.member("nested") { $0.member("id", "x"); $0.member("deeper") { _ in } }
        }
        let tree = JSON.object([
            ("text", .string(odd)), ("number", .int(-42)), ("flag", .bool(false)), ("when", .epochSeconds(date)), ("none", .null),
            ("nested", .object([("id", .string("x")), ("deeper", .object([]))])),
        ])
        #expect(written == tree.bytes)
        #expect(try JSON.parse(written) == tree)
        for number: Int64 in [0, 7, -1, 10, 1_000_000, .max, .min] { #expect(JSON.int(number).text == String(number)) }
    }
}
