import Foundation

/// A JSON object written member by member straight into bytes. Lists write their items this way:
/// building a `JSON` tree per item and tearing it down again was half of a 50-item reply's cost.
public struct JSONObjectWriter {
    fileprivate var bytes: [UInt8] = []
    private var empty = true

    /// Writes the object `members` builds at the end of `out`.
    public static func write(to out: inout [UInt8], _ members: (inout JSONObjectWriter) -> Void) {
        var writer = JSONObjectWriter()
        swap(&writer.bytes, &out)
        writer.bytes.append(UInt8(ascii: "{"))
        members(&writer)
        writer.bytes.append(UInt8(ascii: "}"))
        swap(&writer.bytes, &out)
    }

    /// The object `members` builds, serialised.
    public static func bytes(_ members: (inout JSONObjectWriter) -> Void) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(to: &out, members)
        return out
    }

    private mutating func key(_ key: StaticString) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        JSON.writeString(value, to: &bytes)
    }

    /// A time as whole seconds since 1970 (`JSON.epochSeconds`).
    public mutating func member(_ name: StaticString, epochSeconds date: Date) {
        member(name, JSON.epochSeconds(date))
    }

    /// Any other value, from its `JSON` form.
    public mutating func member(_ name: StaticString, _ value: JSON) {
        key(name)
        value.write(to: &bytes)
    }

    /// A nested object.
    public mutating func member(_ name: StaticString, _ members: (inout JSONObjectWriter) -> Void) {
        key(name)
        Self.write(to: &bytes, members)
    }
}
