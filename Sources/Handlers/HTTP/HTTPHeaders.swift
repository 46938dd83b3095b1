/// Request or response header fields; names compare case-insensitively. Each field keeps its name as
/// given (`Content-Type`, what a response writes) and lowercased (what lookups compare).
public struct HTTPHeaders: Sendable, Sequence {
    fileprivate struct Field: Sendable {
        let key: String
        let name: String
        let value: String
    }

    private var fields: [Field] = []

    public init(_ fields: [(String, String)] = []) {
        for (name, value) in fields { add(name, value) }
    }

    /// Appends a field (several fields may share a name, e.g. `Set-Cookie`).
    public mutating func add(_ name: String, _ value: String) {
        if fields.capacity == 0 { fields.reserveCapacity(8) }  // grown once, not at 1, 2 and 4 fields
        fields.append(Field(key: Self.lowercased(name), name: name, value: value))
    }

    /// `name` in lower case; many names already are (the FastCGI bridge lowercases request headers), and
    /// checking the bytes costs less than making a new string.
    private static func lowercased(_ name: String) -> String {
        name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? name.lowercased() : name
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        let key = Self.lowercased(name)
        fields.removeAll { $0.key == key }
        fields.append(Field(key: key, name: name, value: value))
    }

    /// The first value of the field named `name`.
    public subscript(name: String) -> String? {
        let key = Self.lowercased(name)
        return fields.first { $0.key == key }?.value
    }

    /// Every value of the field named `name`, in order.
    public func values(_ name: String) -> [String] {
        let key = Self.lowercased(name)
        return fields.filter { $0.key == key }.map(\.value)
    }

    /// The fields in order, each with its name as given.
    public func makeIterator() -> Iterator {
        Iterator(fields: fields.makeIterator())
    }

    /// A concrete iterator: an opaque or generic one costs runtime metadata lookups on every response.
    public struct Iterator: IteratorProtocol {
        fileprivate var fields: IndexingIterator<[Field]>

        public mutating func next() -> (name: String, value: String)? {
            fields.next().map { (name: $0.name, value: $0.value) }
        }
    }
}

extension HTTPHeaders {
    /// `value` without CR and LF, so it cannot start another header line (HTTP or mail).
    /// Filtered scalar by scalar: "\r\n" is a single Character in Swift.
    public static func singleLine(_ value: String) -> String {
        // Nearly every value has neither: check the bytes (contiguous for native strings) before filtering scalars.
        let hasLineBreak = value.utf8.withContiguousStorageIfAvailable { bytes in
            bytes.contains { $0 == 0x0d || $0 == 0x0a }
        } ?? value.utf8.contains { $0 == 0x0d || $0 == 0x0a }
        guard hasLineBreak else { return value }
        return String(String.UnicodeScalarView(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
    }
}
