/// Name/value pairs of a query string or an `application/x-www-form-urlencoded` body, in order.
/// Keys are kept verbatim after decoding, so bracket keys such as `page[size]` or
/// `filter[name][contains]` are looked up by their full text.
public struct URLEncodedForm: Sendable, Equatable {
    public private(set) var pairs: [(name: String, value: String)]

    public static func == (lhs: URLEncodedForm, rhs: URLEncodedForm) -> Bool {
        lhs.pairs.elementsEqual(rhs.pairs) { $0.name == $1.name && $0.value == $1.value }
    }

    public init(pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs
    }

    /// Parses `a=1&b=2`. A malformed escape or non-UTF-8 text throws; empty pieces are skipped.
    public init<S: Collection>(parsing bytes: S) throws(RequestError) where S.Element == UInt8 {
        var pairs: [(String, String)] = []
        for piece in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = piece.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let value = parts.count > 1 ? PercentDecoding.decode(parts[1], plusAsSpace: true) : ""
            guard let name = PercentDecoding.decode(parts[0], plusAsSpace: true), let value
            else { throw RequestError.malformedEncoding }
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    /// The first value named `name`.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// Every value named `name`.
    public func values(_ name: String) -> [String] {
        pairs.filter { $0.name == name }.map(\.value)
    }
}
