import Foundation

/// A management-API JSON body (seed 001): an object whose members are read with their types checked;
/// every problem (wrong type, too long, not one of the values, a member the operation does not take)
/// is collected and thrown at once as a 400 naming the fields.
struct ManagementBody {
    /// A member of a PATCH body: absent (leave as is), null (clear) or a value.
    enum Field<Value> {
        case absent, null, value(Value)

        func apply(to current: Value?) -> Value? {
            switch self {
            case .absent: current
            case .null: nil
            case .value(let value): value
            }
        }
    }

    private let members: [(String, JSON)]
    private var problems: [ManagementAPIError.InvalidParameter] = []

    /// Parses the body; members outside `allowed` are refused (the v2 file's `additionalProperties: false`).
    init(_ request: Request, allowed: Set<String>) throws {
        let document: JSON
        do {
            document = try JSON.parse(request.body.isEmpty ? Array("{}".utf8) : request.body)
        } catch {
            throw ManagementAPIError.invalid("body", "is not valid JSON: \(error.message)", rule: "is_object")
        }
        guard case .object(let members) = document else {
            throw ManagementAPIError.invalid("body", "must be a JSON object", rule: "is_object")
        }
        self.members = members
        for (name, _) in members where !allowed.contains(name) {
            problems.append(.init(field: name, reason: "is not a property of this request", rule: "unknown_property", source: "body"))
        }
    }

    private func member(_ name: String) -> JSON? { members.first { $0.0 == name }?.1 }

    /// The member `name` as parsed, for the members whose shape the operation checks itself.
    func value(_ name: String) -> JSON? { member(name) }

    private mutating func problem(_ field: String, _ reason: String, rule: String?, extra: (String, JSON)? = nil) {
        problems.append(.init(field: field, reason: reason, rule: rule, source: "body", extra: extra))
    }

    /// A string of `minLength`…`maxLength` characters (null only when `nullable`).
    mutating func string(_ name: String, required: Bool = false, minLength: Int = 1, maxLength: Int, nullable: Bool = false) -> Field<String> {
        switch member(name) {
        case nil:
            if required { problem(name, "is a required field", rule: "required") }
            return .absent
        case .null?:
            if nullable { return .null }
            problem(name, "must be a string", rule: "is_string")
        case .string(let text)?:
            if text.count < minLength {
                problem(name, "must have at least \(minLength) characters", rule: "min_length", extra: ("minimum", .int(Int64(minLength))))
            } else if text.count > maxLength {
                problem(name, "must not have more than \(maxLength) characters", rule: "max_length", extra: ("maximum", .int(Int64(maxLength))))
            } else {
                return .value(text)
            }
        default:
            problem(name, "must be a string", rule: "is_string")
        }
        return .absent
    }

    mutating func bool(_ name: String) -> Bool? {
        switch member(name) {
        case nil: return nil
        case .bool(let value)?: return value
        default:
            problem(name, "must be a boolean", rule: "is_boolean")
            return nil
        }
    }

    /// One of `choices`.
    mutating func choice(_ name: String, _ choices: [String], required: Bool = false) -> String? {
        switch member(name) {
        case nil:
            if required { problem(name, "is a required field", rule: "required") }
            return nil
        case .string(let text)? where choices.contains(text): return text
        default:
            problem(name, "must be one of \(choices.joined(separator: ", "))", rule: "enum", extra: ("choices", .array(choices.map { .string($0) })))
            return nil
        }
    }

    /// A host name (RFC 1123 labels), lowercased; null when `nullable`.
    mutating func hostname(_ name: String, nullable: Bool = true) -> Field<String> {
        switch string(name, maxLength: 253, nullable: nullable) {
        case .value(let text):
            let lowered = text.lowercased()
            guard Hostname.isValid(lowered) else {
                problem(name, "must be a host name", rule: "is_fqdn")
                return .absent
            }
            return .value(lowered)
        case let other: return other
        }
    }

    /// A UUID (null when `nullable`).
    mutating func uuid(_ name: String, nullable: Bool = true) -> Field<String> {
        switch string(name, maxLength: 36, nullable: nullable) {
        case .value(let text):
            guard UUID(uuidString: text) != nil else {
                problem(name, "must be a UUID", rule: "is_uuid")
                return .absent
            }
            return .value(text.lowercased())
        case let other: return other
        }
    }

    /// The v2 file's `Labels` / `LabelsUpdate`, merged into `current` (JSON text): at most 50 labels,
    /// keys and values 1–63 characters of `[a-zA-Z0-9._-]` starting and ending alphanumeric, keys not
    /// starting with `kong`, `konnect`, `mesh` or `kic` (reserved, the seed says); a null value removes that
    /// label, a null `labels` removes them all. Returns the resulting JSON text.
    mutating func labels(_ name: String, merging current: String = "{}") -> String {
        switch member(name) {
        case nil: return current
        case .null?: return "{}"
        case .object(let pairs)?:
            var merged: [(String, JSON)] = []
            if case .object(let existing)? = try? JSON.parse(current) { merged = existing }
            for (key, value) in pairs {
                let reserved = ["kong", "konnect", "mesh", "kic"].contains { key.lowercased().hasPrefix($0) }
                guard Self.isLabel(key), !reserved, value == .null || (value.stringValue.map(Self.isLabel) ?? false) else {
                    problem(name, "label \"\(key)\": keys and values must be 1-63 letters, digits, '.', '_' or '-', starting and ending with a letter or digit; keys may not start with kong, konnect, mesh or kic", rule: "is_label")
                    return current
                }
                merged.removeAll { $0.0 == key }
                if value != .null { merged.append((key, value)) }
            }
            guard merged.count <= 50 else {
                problem(name, "must not have more than 50 labels", rule: "max_items", extra: ("maximum", .int(50)))
                return current
            }
            return JSON.object(merged).text
        default:
            problem(name, "must be an object of string labels", rule: "is_object")
            return current
        }
    }

    /// Records that `name` needs `dependencies` to be set too (the v2 file's `dependent_fields` rule).
    mutating func dependent(_ name: String, on dependencies: [String]) {
        problem(name, "needs \(dependencies.joined(separator: ", ")) to be set", rule: "dependent_fields",
                extra: ("dependents", .array(dependencies.map { .string($0) })))
    }

    /// Records a member naming something that does not exist.
    mutating func invalidReference(_ name: String, _ reason: String) {
        problem(name, reason, rule: "missing_reference")
    }

    static func isLabel(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard (1...63).contains(scalars.count) else { return false }
        func alnum(_ s: Unicode.Scalar) -> Bool { s.isASCII && (s.properties.isAlphabetic || ("0"..."9").contains(s)) }
        return alnum(scalars[0]) && alnum(scalars[scalars.count - 1])
            && scalars.allSatisfy { alnum($0) || $0 == "-" || $0 == "." || $0 == "_" }
    }

    /// An array of at most `maximumCount` UUIDs.
    mutating func uuidArray(_ name: String, maximumCount: Int, required: Bool) -> [String]? {
        switch member(name) {
        case nil:
            if required { problem(name, "is a required field", rule: "required") }
            return nil
        case .array(let items)?:
            let ids = items.compactMap(\.stringValue).filter { UUID(uuidString: $0) != nil }.map { $0.lowercased() }
            guard ids.count == items.count else {
                problem(name, "must be an array of UUIDs", rule: "is_uuid")
                return nil
            }
            guard ids.count <= maximumCount else {
                problem(name, "must not have more than \(maximumCount) items", rule: "max_items", extra: ("maximum", .int(Int64(maximumCount))))
                return nil
            }
            return ids
        default:
            problem(name, "must be an array", rule: "is_array")
            return nil
        }
    }

    /// Records a problem with a member (or a member's member, e.g. `config.issuer_url`) that the
    /// operation checks itself.
    mutating func reject(_ field: String, _ reason: String, rule: String? = "invalid", extra: (String, JSON)? = nil) {
        problem(field, reason, rule: rule, extra: extra)
    }

    /// An absolute `http` or `https` URL (with a host) of at most 2,048 characters.
    mutating func url(_ name: String, required: Bool = false, nullable: Bool = false) -> Field<String> {
        switch string(name, required: required, maxLength: 2048, nullable: nullable) {
        case .value(let text):
            guard WebURL.isHTTP(text) else {
                problem(name, "must be an http or https URL", rule: "matches_regex")
                return .absent
            }
            return .value(text)
        case let other: return other
        }
    }

    /// An array of at most `maximumCount` strings of 1…`maximumLength` characters.
    mutating func strings(_ name: String, maximumCount: Int = 50, maximumLength: Int = 255) -> [String]? {
        switch member(name) {
        case nil: return nil
        case .array(let items)?:
            let texts = items.compactMap(\.stringValue)
            guard texts.count == items.count, texts.allSatisfy({ (1...maximumLength).contains($0.count) }) else {
                problem(name, "must be an array of strings of 1 to \(maximumLength) characters", rule: "is_array")
                return nil
            }
            guard texts.count <= maximumCount else {
                problem(name, "must not have more than \(maximumCount) items", rule: "max_items", extra: ("maximum", .int(Int64(maximumCount))))
                return nil
            }
            return texts
        default:
            problem(name, "must be an array", rule: "is_array")
            return nil
        }
    }

    /// Records that a required member is missing (when its type was checked elsewhere).
    mutating func require(_ name: String) {
        problem(name, "is a required field", rule: "required")
    }

    /// Throws the collected problems, if any.
    func finish() throws {
        guard problems.isEmpty else { throw ManagementAPIError.invalid(problems) }
    }
}

/// Absolute web URLs an admin gives the portal (issuers, metadata, webhook endpoints).
enum WebURL {
    /// `http(s)://host[:port][/path…]` with a host and no user info or whitespace.
    static func isHTTP(_ text: String) -> Bool {
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 }),
              let components = URLComponents(string: text),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty,
              components.user == nil, components.password == nil
        else { return false }
        return true
    }
}

/// Host name syntax (RFC 1123): dot-separated labels of letters, digits and inner hyphens.
enum Hostname {
    static func isValid(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-") }
        }
    }
}
