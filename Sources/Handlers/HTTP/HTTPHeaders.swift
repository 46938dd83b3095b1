/// Request or response header fields; names compare case-insensitively (stored lowercased).
public struct HTTPHeaders: Sendable, Sequence {
    private var fields: [(name: String, value: String)] = []

    public init(_ fields: [(String, String)] = []) {
        for (name, value) in fields { add(name, value) }
    }

    /// Appends a field (several fields may share a name, e.g. `Set-Cookie`).
    public mutating func add(_ name: String, _ value: String) {
        fields.append((Self.lowercased(name), value))
    }

    /// `name` in lower case; most names already are (the FastCGI bridge lowercases request headers), and
    /// checking the bytes costs less than making a new string.
    private static func lowercased(_ name: String) -> String {
        name.utf8.contains(where: { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }) ? name.lowercased() : name
    }

    /// Replaces every field named `name` with one field.
    public mutating func set(_ name: String, _ value: String) {
        let lowered = Self.lowercased(name)
        fields.removeAll { $0.name == lowered }
        fields.append((lowered, value))
    }

    /// The first value of the field named `name`.
    public subscript(name: String) -> String? {
        let lowered = Self.lowercased(name)
        return fields.first { $0.name == lowered }?.value
    }

    /// Every value of the field named `name`, in order.
    public func values(_ name: String) -> [String] {
        let lowered = Self.lowercased(name)
        return fields.filter { $0.name == lowered }.map(\.value)
    }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }
}

extension HTTPHeaders {
    /// `value` without CR and LF, so it cannot start another header line (HTTP or mail).
    /// Filtered scalar by scalar: "\r\n" is a single Character in Swift.
    public static func singleLine(_ value: String) -> String {
        // Nearly every value has neither: check the bytes before filtering scalars.
        guard value.utf8.contains(where: { $0 == 0x0d || $0 == 0x0a }) else { return value }
        return String(String.UnicodeScalarView(value.unicodeScalars.filter { $0 != "\r" && $0 != "\n" }))
    }
}
