/// The fields of a developer-API request body. Seed 000 sends
/// `application/x-www-form-urlencoded`; JSON objects are accepted too (DESIGN.md). A field sent twice
/// is refused in both encodings (400), so no layer can read a different value than another — except
/// the list fields the seed sends as repeated form fields.
struct FormFields: Sendable {
    private var values: [String: String] = [:]
    /// Form fields that carry a list by repetition (`redirect_uris=a&redirect_uris=b`).
    static let repeatable: Set<String> = ["redirect_uris", "redirect_uris[]"]

    /// Decodes the body of `request`. An empty body has no fields.
    init(_ request: Request) throws(RequestError) {
        if request.body.isEmpty { return }
        switch request.mediaType {
        case "application/x-www-form-urlencoded", nil:
            for (name, value) in try URLEncodedForm(parsing: request.body).pairs {
                guard values.updateValue(value, forKey: name) == nil || Self.repeatable.contains(name) else {
                    throw .malformedBody("field \"\(name)\" is given more than once")
                }
            }
        case "application/json":
            let document: JSON
            do {
                document = try JSON.parse(request.body)
            } catch {
                throw .malformedBody("invalid JSON (\(error.message))")
            }
            guard case .object(let members) = document else {
                throw .malformedBody("expected a JSON object")
            }
            for (name, value) in members {
                switch value {
                case .string(let text): values[name] = text
                case .null: continue
                // Nested values (e.g. `meta` given as an object) keep their JSON text.
                default: values[name] = value.text
                }
            }
        case let other?:
            throw .unsupportedContentType(other)
        }
    }

    /// The field's value, or nil when absent or empty.
    subscript(name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }
}
