extension JSON {
    /// Why a document is not JSON.
    public struct ParseError: Error, Sendable, Equatable {
        public let message: String
    }

    /// How much structure a document may have. Request bodies are parsed with `.request`; the bounds
    /// keep a hostile body from costing more than a few milliseconds of a worker's thread.
    public struct Limits: Sendable, Equatable {
        /// Containers nested inside each other.
        public var depth: Int
        /// Members of one object.
        public var membersPerObject: Int
        /// Values in the whole document (every member, item and scalar).
        public var values: Int

        public init(depth: Int, membersPerObject: Int, values: Int) {
            self.depth = depth
            self.membersPerObject = membersPerObject
            self.values = values
        }

        /// For request bodies: no seed's request object has more than a few dozen members.
        public static let request = Limits(depth: 64, membersPerObject: 1000, values: 100_000)
    }

    /// Parses a JSON document (RFC 8259) in time linear in its size. Invalid UTF-8, trailing garbage,
    /// a member name used twice in one object (RFC 8259 §4 leaves it undefined; we refuse it) and
    /// documents beyond `limits` are errors. Object members keep their order.
    public static func parse(_ bytes: [UInt8], limits: Limits = .request) throws(ParseError) -> JSON {
        var statistics = JSONParser.Statistics()
        return try parse(bytes, limits: limits, statistics: &statistics)
    }

    /// `parse`, reporting what the parser did (tests count its work).
    static func parse(_ bytes: [UInt8], limits: Limits, statistics: inout JSONParser.Statistics) throws(ParseError) -> JSON {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw ParseError(message: "not valid UTF-8")
        }
        var parser = JSONParser(bytes: bytes, limits: limits)
        defer { statistics = parser.statistics }
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.index == bytes.count else { throw ParseError(message: "unexpected text after the JSON value") }
        return value
    }

    /// Parses JSON text.
    public static func parse(_ text: String, limits: Limits = .request) throws(ParseError) -> JSON {
        try parse(Array(text.utf8), limits: limits)
    }
}

/// A recursive-descent parser over UTF-8 bytes.
struct JSONParser {
    /// Counts of the parser's work, so tests can check it grows linearly with the input.
    struct Statistics: Sendable, Equatable {
        /// Values parsed.
        var values = 0
        /// Lookups of a member name among the earlier names of its object (one per member).
        var memberNameLookups = 0
        /// String comparisons those lookups made: about one per lookup through the hash index, where a
        /// scan of the earlier names would make n²/2.
        var memberNameComparisons = 0
    }

    /// A member name in an object's duplicate index. Its `==` counts the comparisons the index makes,
    /// so the work of finding duplicates is measured, not assumed.
    private struct IndexedName: Hashable {
        final class Comparisons { var count = 0 }
        let text: String
        let comparisons: Comparisons

        static func == (lhs: IndexedName, rhs: IndexedName) -> Bool {
            lhs.comparisons.count += 1
            return lhs.text == rhs.text
        }

        func hash(into hasher: inout Hasher) { hasher.combine(text) }
    }

    let bytes: [UInt8]
    let limits: JSON.Limits
    var index = 0
    var statistics = Statistics()

    init(bytes: [UInt8], limits: JSON.Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    mutating func skipWhitespace() {
        while index < bytes.count, [0x20, 0x09, 0x0a, 0x0d].contains(bytes[index]) { index += 1 }
    }

    private func fail(_ message: String) -> JSON.ParseError {
        JSON.ParseError(message: "\(message) at byte \(index)")
    }

    /// `depth` counts the containers around the value; only opening one more than the maximum fails.
    mutating func parseValue(depth: Int) throws(JSON.ParseError) -> JSON {
        skipWhitespace()
        guard index < bytes.count else { throw fail("unexpected end of input") }
        statistics.values += 1
        guard statistics.values <= limits.values else { throw fail("more than \(limits.values) values") }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < limits.depth else { throw fail("nesting too deep") }
            return bytes[index] == UInt8(ascii: "{") ? try parseObject(depth: depth) : try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        default: return try parseNumber()
        }
    }

    private mutating func expectLiteral(_ literal: String) throws(JSON.ParseError) {
        let expected = Array(literal.utf8)
        guard index + expected.count <= bytes.count, Array(bytes[index..<index + expected.count]) == expected else {
            throw fail("invalid literal")
        }
        index += expected.count
    }

    private mutating func parseObject(depth: Int) throws(JSON.ParseError) -> JSON {
        index += 1
        var members: [(String, JSON)] = []
        // The names seen so far, beside the ordered members: a duplicate is found in O(1).
        var names = Set<IndexedName>()
        let comparisons = IndexedName.Comparisons()
        defer { statistics.memberNameComparisons += comparisons.count }
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
            let key = try parseString()
            statistics.memberNameLookups += 1
            guard names.insert(IndexedName(text: key, comparisons: comparisons)).inserted else { throw fail("duplicate member name") }
            guard names.count <= limits.membersPerObject else {
                throw fail("more than \(limits.membersPerObject) members in one object")
            }
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw fail("expected ':'") }
            index += 1
            members.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated object") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw fail("expected ',' or '}'")
        }
    }

    private mutating func parseArray(depth: Int) throws(JSON.ParseError) -> JSON {
        index += 1
        var items: [JSON] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
        while true {
            items.append(try parseValue(depth: depth + 1))
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated array") }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw fail("expected ',' or ']'")
        }
    }

    private mutating func parseString() throws(JSON.ParseError) -> String {
        index += 1
        var out: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw fail("unterminated escape") }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0c)
                case UInt8(ascii: "n"): out.append(0x0a)
                case UInt8(ascii: "r"): out.append(0x0d)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                        else { throw fail("unpaired surrogate") }
                        index += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("unpaired surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw fail("unpaired surrogate")
                    }
                    guard let unicode = Unicode.Scalar(scalar) else { throw fail("invalid escape") }
                    out.append(contentsOf: Array(String(Character(unicode)).utf8))
                default: throw fail("invalid escape")
                }
            case 0x00..<0x20:
                throw fail("control character in string")
            default:
                out.append(byte)
            }
        }
        throw fail("unterminated string")
    }

    private mutating func parseHex4() throws(JSON.ParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("invalid \\u escape") }
        var value: UInt32 = 0
        for byte in bytes[index..<index + 4] {
            value <<= 4
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value += UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value += UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value += UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw fail("invalid \\u escape")
            }
        }
        index += 4
        return value
    }

    private mutating func parseNumber() throws(JSON.ParseError) -> JSON {
        let start = index
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        var isInteger = true
        let digits = { (byte: UInt8) in byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        guard index < bytes.count, digits(bytes[index]) else { throw fail("invalid value") }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
        } else {
            while index < bytes.count, digits(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < bytes.count, digits(bytes[index]) else { throw fail("invalid number") }
            while index < bytes.count, digits(bytes[index]) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            isInteger = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, digits(bytes[index]) else { throw fail("invalid number") }
            while index < bytes.count, digits(bytes[index]) { index += 1 }
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if isInteger, let int = Int64(text) { return .int(int) }
        guard let double = Double(text) else { throw fail("invalid number") }
        return .double(double)
    }
}
