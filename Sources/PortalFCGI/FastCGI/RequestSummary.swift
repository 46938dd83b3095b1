/// The parts of a request's FastCGI params the pool itself uses: for logs, the slow log and the
/// scoreboard. Never the query string, which can carry tokens.
struct RequestSummary: Equatable {
    let method: String
    /// nginx's DOCUMENT_URI: decoded, without the query.
    let path: String
    let requestID: String

    init(method: String, path: String, requestID: String?) {
        self.method = method
        self.path = path
        self.requestID = requestID.flatMap(Self.acceptable) ?? Self.generateID()
    }

    /// `METHOD /path`, for the slow log.
    var route: String { method + " " + path }

    /// From FastCGI params given as strings (tests).
    init(params: [(String, String)]) {
        var reader = CGIParams()
        for (name, value) in params { reader.take(name, value) }
        self = reader.summary
    }

    /// nginx's `$request_id` is 32 hex digits; anything else that is short and plain is kept too (another
    /// proxy's id), the rest is replaced so a header cannot carry arbitrary bytes into logs.
    static func acceptable(_ id: String) -> String? {
        var id = id
        let plain = id.withUTF8 { bytes in
            (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
        }
        return plain ? id : nil
    }

    /// 128 random bits as 32 lowercase hex digits, like nginx's `$request_id`.
    static func generateID() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        for _ in 0..<2 {
            var word = generator.next() as UInt64
            for _ in 0..<16 {
                bytes.append(digits[Int(word & 0xF)])
                word >>= 4
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
