import Foundation
import Templates

/// Turns a stored OpenAPI 3.x or Swagger 2.0 document into the reference the product page renders:
/// operations grouped by their first tag, each with its parameters, request body and responses, schemas
/// as nested property lists (`$ref`s resolved, cycles and depth bounded) and examples. No JavaScript.
struct APIReferenceBuilder {
    let root: [String: Any]
    /// Nesting shown for schemas; deeper levels are summarised by their type.
    static let maximumDepth = 5
    /// Properties shown per object, and operations per document, so a huge document stays a page.
    static let maximumProperties = 100
    static let maximumOperations = 500
    static let methods = ["get", "post", "put", "patch", "delete", "head", "options", "trace"]

    static func build(_ text: String) -> Result<APIReference, OpenAPIDocument.Problem> {
        OpenAPIDocument.load(text).map { APIReferenceBuilder(root: $0).reference }
    }

    var reference: APIReference {
        let info = root["info"] as? [String: Any] ?? [:]
        let tagDescriptions = Dictionary(
            (root["tags"] as? [[String: Any]] ?? []).compactMap { tag in (tag["name"] as? String).map { ($0, tag["description"] as? String ?? "") } },
            uniquingKeysWith: { first, _ in first })
        let declaredOrder = (root["tags"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        var byTag: [String: [APIReference.Operation]] = [:]
        var anchors = Set<String>()
        var count = 0
        let paths = root["paths"] as? [String: Any] ?? [:]
        for path in paths.keys.sorted() {
            guard let item = resolved(paths[path]) as? [String: Any] else { continue }
            let shared = item["parameters"] as? [Any] ?? []
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any], count < Self.maximumOperations else { continue }
                count += 1
                let tag = (operation["tags"] as? [String])?.first ?? "Operations"
                var anchor = "op-" + Self.slug((operation["operationId"] as? String) ?? "\(method)-\(path)")
                while anchors.contains(anchor) { anchor += "-2" }
                anchors.insert(anchor)
                byTag[tag, default: []].append(build(operation, method: method, path: path, shared: shared, anchor: anchor))
            }
        }
        let order = declaredOrder.filter { byTag[$0] != nil } + byTag.keys.filter { !declaredOrder.contains($0) }.sorted()
        return APIReference(
            title: info["title"] as? String ?? "", version: info["version"].map { "\($0)" } ?? "",
            description: info["description"] as? String ?? "", servers: servers,
            tags: order.map { APIReference.Tag(name: $0, description: tagDescriptions[$0] ?? "", operations: byTag[$0] ?? []) })
    }

    private var servers: [String] {
        if let list = root["servers"] as? [[String: Any]] { return list.compactMap { $0["url"] as? String } }
        guard let host = root["host"] as? String else { return [] }
        let schemes = root["schemes"] as? [String] ?? ["https"]
        return schemes.map { "\($0)://\(host)\(root["basePath"] as? String ?? "")" }
    }

    private func build(_ operation: [String: Any], method: String, path: String, shared: [Any], anchor: String) -> APIReference.Operation {
        var parameters: [APIReference.Property] = []
        var body: APIReference.Body?
        var seen = Set<String>()
        // Operation-level parameters override path-level ones with the same name and location.
        for raw in (operation["parameters"] as? [Any] ?? []) + shared {
            guard let parameter = resolved(raw) as? [String: Any], let name = parameter["name"] as? String else { continue }
            let location = parameter["in"] as? String ?? ""
            guard seen.insert("\(location):\(name)").inserted else { continue }
            if location == "body" {  // Swagger 2.0
                body = self.body(label: "Body", contentType: "", description: parameter["description"] as? String ?? "",
                                 schema: parameter["schema"], example: nil)
                continue
            }
            let schema = resolved(parameter["schema"]) as? [String: Any] ?? parameter
            parameters.append(APIReference.Property(
                name: name, type: "\(location) · \(typeName(schema, depth: 0))", required: parameter["required"] as? Bool ?? false,
                description: parameter["description"] as? String ?? "", children: []))
        }
        if let request = resolved(operation["requestBody"]) as? [String: Any] {
            let (contentType, media) = firstMedia(request["content"])
            body = self.body(label: "Body", contentType: contentType, description: request["description"] as? String ?? "",
                             schema: media["schema"], example: media["example"] ?? firstExample(media["examples"]))
        }
        let responses = (operation["responses"] as? [String: Any] ?? [:]).keys.sorted().compactMap { code -> APIReference.Body? in
            guard let response = resolved((operation["responses"] as? [String: Any])?[code]) as? [String: Any] else { return nil }
            let (contentType, media) = firstMedia(response["content"])
            return self.body(label: code, contentType: contentType, description: response["description"] as? String ?? "",
                             schema: media["schema"] ?? response["schema"], example: media["example"] ?? firstExample(media["examples"]))
        }
        return APIReference.Operation(
            anchor: anchor, method: method.uppercased(), path: path, summary: operation["summary"] as? String ?? "",
            description: operation["description"] as? String ?? "", deprecated: operation["deprecated"] as? Bool ?? false,
            parameters: parameters, requestBody: body, responses: responses)
    }

    private func body(label: String, contentType: String, description: String, schema: Any?, example: Any?) -> APIReference.Body {
        let resolvedSchema = resolved(schema) as? [String: Any]
        return APIReference.Body(
            label: label, contentType: contentType, description: description,
            type: resolvedSchema.map { typeName($0, depth: 0) } ?? "",
            properties: resolvedSchema.map { properties(of: $0, depth: 0, trail: []) } ?? [],
            example: (example ?? resolvedSchema?["example"]).flatMap(Self.pretty))
    }

    private func firstMedia(_ content: Any?) -> (String, [String: Any]) {
        guard let content = content as? [String: Any] else { return ("", [:]) }
        let key = content.keys.contains("application/json") ? "application/json" : content.keys.sorted().first ?? ""
        return (key, content[key] as? [String: Any] ?? [:])
    }

    private func firstExample(_ examples: Any?) -> Any? {
        guard let examples = examples as? [String: Any], let first = examples.keys.sorted().first else { return nil }
        return (resolved(examples[first]) as? [String: Any])?["value"]
    }

    /// The properties of an object schema (merging `allOf`), or of an array's items; children to a depth.
    private func properties(of schema: [String: Any], depth: Int, trail: [String]) -> [APIReference.Property] {
        guard depth < Self.maximumDepth else { return [] }
        if let items = resolved(schema["items"], trail: trail) as? [String: Any], schema["properties"] == nil {
            return properties(of: items, depth: depth, trail: trail + [reference(schema["items"])].compactMap { $0 })
        }
        var merged = schema["properties"] as? [String: Any] ?? [:]
        var required = Set(schema["required"] as? [String] ?? [])
        for part in schema["allOf"] as? [Any] ?? [] {
            guard let resolvedPart = resolved(part, trail: trail) as? [String: Any] else { continue }
            merged.merge(resolvedPart["properties"] as? [String: Any] ?? [:]) { first, _ in first }
            required.formUnion(resolvedPart["required"] as? [String] ?? [])
        }
        return merged.keys.sorted().prefix(Self.maximumProperties).compactMap { name in
            let ref = reference(merged[name])
            if let ref, trail.contains(ref) {
                return APIReference.Property(name: name, type: Self.refName(ref) + " (recursive)", required: required.contains(name), description: "", children: [])
            }
            guard let property = resolved(merged[name], trail: trail) as? [String: Any] else { return nil }
            let nextTrail = trail + [ref].compactMap { $0 }
            return APIReference.Property(
                name: name, type: typeName(property, depth: depth + 1), required: required.contains(name),
                description: property["description"] as? String ?? "", children: properties(of: property, depth: depth + 1, trail: nextTrail))
        }
    }

    /// `string (date-time)`, `array of Pet`, `one of: Cat, Dog`, `"a" | "b"`.
    private func typeName(_ schema: [String: Any], depth: Int) -> String {
        if let values = schema["enum"] as? [Any], !values.isEmpty {
            return values.prefix(12).map { "\"\($0)\"" }.joined(separator: " | ")
        }
        for key in ["oneOf", "anyOf"] {
            if let options = schema[key] as? [Any] {
                return "one of: " + options.prefix(8).map { option in
                    reference(option).map(Self.refName) ?? (resolved(option) as? [String: Any]).map { typeName($0, depth: depth + 1) } ?? "?"
                }.joined(separator: ", ")
            }
        }
        let type = (schema["type"] as? String) ?? (schema["type"] as? [String])?.joined(separator: " | ")
            ?? (schema["properties"] != nil || schema["allOf"] != nil ? "object" : "any")
        if type == "array" {
            let items = schema["items"]
            let inner = reference(items).map(Self.refName) ?? (resolved(items) as? [String: Any]).map { typeName($0, depth: depth + 1) } ?? "any"
            return "array of \(inner)"
        }
        if let format = schema["format"] as? String { return "\(type) (\(format))" }
        return type
    }

    // MARK: References

    private func reference(_ value: Any?) -> String? {
        (value as? [String: Any])?["$ref"] as? String
    }

    /// `value` with local `$ref`s (`#/components/…`, `#/definitions/…`) followed, at most 16 hops.
    private func resolved(_ value: Any?, trail: [String] = []) -> Any? {
        var current = value
        for _ in 0..<16 {
            guard let ref = reference(current) else { return current }
            guard ref.hasPrefix("#/"), !trail.contains(ref) else { return nil }
            var node: Any? = root
            for piece in ref.dropFirst(2).split(separator: "/") {
                let key = piece.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
                node = (node as? [String: Any])?[key]
            }
            current = node
        }
        return nil
    }

    private static func refName(_ ref: String) -> String {
        ref.split(separator: "/").last.map(String.init) ?? ref
    }

    static func slug(_ text: String) -> String {
        let mapped = text.lowercased().unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "-" }
        return String(String(mapped).split(separator: "-", omittingEmptySubsequences: true).joined(separator: "-").prefix(80))
    }

    /// An example as indented JSON (what most APIs speak), at most 4,000 characters.
    static func pretty(_ value: Any) -> String? {
        if let text = value as? String { return String(text.prefix(4000)) }
        guard JSONSerialization.isValidJSONObject([value]),
              let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .fragmentsAllowed])
        else { return nil }
        return String(String(decoding: data, as: UTF8.self).prefix(4000))
    }
}
