import Storage

/// A signup field of a portal (seed 000 `GET /developer/meta_fields`): developers' `meta` is a
/// JSON object with these keys.
struct MetaField: Sendable, Equatable {
    var title: String
    var label: String
    var isEmail: Bool
    var required: Bool

    /// The fields every portal has until its admins configure others (the seed's example).
    static let defaults = [MetaField(title: "full_name", label: "Full Name", isEmail: false, required: true)]

    /// The portal's configured fields (its `developer_meta_fields` JSON); the defaults if unreadable.
    static func of(_ portal: Portal) -> [MetaField] {
        guard case .array(let items)? = try? JSON.parse(portal.developerMetaFields) else { return defaults }
        let fields = items.compactMap { item -> MetaField? in
            guard let title = item["title"]?.stringValue, !title.isEmpty else { return nil }
            return MetaField(
                title: title, label: item["label"]?.stringValue ?? title,
                isEmail: item["is_email"] == .bool(true),
                required: item["validator"]?["required"] == .bool(true))
        }
        return fields
    }

    /// The seed's `/developer/meta_fields` item.
    var json: JSON {
        .object([
            ("title", .string(title)), ("label", .string(label)), ("is_email", .bool(isEmail)),
            ("validator", .object([("type", .string("string")), ("required", .bool(required))])),
        ])
    }

    /// Longest accepted value of one field, in characters.
    static let maximumLength = 255
    /// Longest accepted `meta` text, in bytes.
    static let maximumMetaBytes = 4096

    /// Checks `text` (the `meta` form field) against `fields`: a JSON object whose values are
    /// strings, with every required field present and no unknown one. Returns the normalised JSON
    /// text, or the per-field errors to put under `fields.meta`.
    static func validate(_ text: String?, against fields: [MetaField]) -> Result<String, FieldErrors> {
        guard let text else {
            return .failure(FieldErrors(.object(fields.filter(\.required).map { ($0.title, .string("required field missing")) })))
        }
        guard text.utf8.count <= maximumMetaBytes else {
            return .failure(FieldErrors(.string("meta must be at most \(maximumMetaBytes) bytes")))
        }
        guard case .object(let members)? = try? JSON.parse(text) else {
            return .failure(FieldErrors(.string("meta must be a JSON object, e.g. {\"full_name\":\"Ada Lovelace\"}")))
        }
        var errors: [(String, JSON)] = []
        var normalised: [(String, JSON)] = []
        for field in fields {
            let value = members.first { $0.0 == field.title }?.1
            switch value {
            case nil, .null?, .string("")?:
                if field.required { errors.append((field.title, .string("required field missing"))) }
            case .string(let string)?:
                if string.count > maximumLength {
                    errors.append((field.title, .string("must be at most \(maximumLength) characters")))
                } else if field.isEmail, !EmailAddress.isValid(string) {
                    errors.append((field.title, .string("invalid email address")))
                } else {
                    normalised.append((field.title, .string(string)))
                }
            default:
                errors.append((field.title, .string("expected a string")))
            }
        }
        for (name, _) in members where !fields.contains(where: { $0.title == name }) {
            errors.append((name, .string("unknown field")))
        }
        return errors.isEmpty ? .success(JSON.object(normalised).text) : .failure(FieldErrors(.object(errors)))
    }
}

/// Per-field validation errors, as the value of one entry of `fields`.
struct FieldErrors: Error, Sendable {
    let value: JSON
    init(_ value: JSON) { self.value = value }
}

/// Email address syntax, as far as a portal needs it: `local@domain`, at most 254 bytes, no spaces,
/// no control characters (NUL, CR, LF… would reach SMTP commands and headers) and none of the
/// characters that delimit addresses in mail headers (`<>()[],;:\"`).
enum EmailAddress {
    static let forbidden: Set<Unicode.Scalar> = ["<", ">", "(", ")", "[", "]", ",", ";", ":", "\\", "\""]

    static func isValid(_ text: String) -> Bool {
        guard text.utf8.count <= 254,
              !text.unicodeScalars.contains(where: {
                  $0.value < 0x20 || $0.value == 0x7f || $0.properties.isWhitespace || forbidden.contains($0)
              })
        else { return false }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64 else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }
    }
}
