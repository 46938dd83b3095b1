import Foundation
import Yams

/// An uploaded API description (OpenAPI 3.x or Swagger 2.0, JSON or YAML), checked before it is stored:
/// it must parse, name its version, have `info.title`, `info.version` and `paths` keyed by `/…`.
struct OpenAPIDocument {
    let title: String
    let version: String
    /// `3.1.0`, `2.0`, …
    let specVersion: String
    let operationCount: Int

    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    /// Parses `text`; a description of what is wrong otherwise. JSON goes through our bounded parser;
    /// YAML anchors and aliases are refused (they can expand a small document into a huge one).
    /// Why a document was refused.
    struct Problem: Error, Sendable {
        let reason: String
    }

    static func parse(_ text: String) -> Result<OpenAPIDocument, Problem> {
        let root: [String: Any]
        switch load(text) {
        case .success(let loaded): root = loaded
        case .failure(let problem): return .failure(problem)
        }
        return check(root)
    }

    /// The document as Foundation values (dictionaries, arrays, strings, numbers).
    static func load(_ text: String) -> Result<[String: Any], Problem> {
        let root: [String: Any]
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("{") {
            let limits = JSON.Limits(depth: 64, membersPerObject: 20_000, values: 500_000)
            guard let json = try? JSON.parse(Array(trimmed.utf8), limits: limits), case .object = json else {
                return .failure(Problem(reason: "is not a JSON object"))
            }
            root = json.foundationValue as? [String: Any] ?? [:]
        } else {
            if trimmed.range(of: #"(^|[\s\[\{,:-])[&*][A-Za-z0-9_-]"#, options: .regularExpression) != nil {
                return .failure(Problem(reason: "uses YAML anchors or aliases, which are not accepted"))
            }
            // The YAML loader recurses per level: bound flow nesting (`[[[…`) as the JSON parser does.
            guard flowDepth(trimmed) <= JSON.Limits.request.depth else {
                return .failure(Problem(reason: "nests deeper than \(JSON.Limits.request.depth) levels"))
            }
            do {
                guard let loaded = try Yams.load(yaml: trimmed) as? [String: Any] else { return .failure(Problem(reason: "is not a YAML mapping")) }
                root = loaded
            } catch {
                return .failure(Problem(reason: "is not valid YAML or JSON"))
            }
        }
        return .success(root)
    }

    private static func check(_ root: [String: Any]) -> Result<OpenAPIDocument, Problem> {
        let specVersion: String
        if let openapi = root["openapi"] as? String, openapi.hasPrefix("3.") {
            specVersion = openapi
        } else if let swagger = root["swagger"] as? String, swagger == "2.0" {
            specVersion = swagger
        } else {
            return .failure(Problem(reason: "must declare \"openapi\": \"3.x\" or \"swagger\": \"2.0\""))
        }
        guard let info = root["info"] as? [String: Any], let title = info["title"] as? String, !title.isEmpty else {
            return .failure(Problem(reason: "must have info.title"))
        }
        guard let version = info["version"].map({ "\($0)" }), !version.isEmpty else { return .failure(Problem(reason: "must have info.version")) }
        guard let paths = root["paths"] as? [String: Any] else { return .failure(Problem(reason: "must have a paths object")) }
        guard paths.keys.allSatisfy({ $0.hasPrefix("/") }) else { return .failure(Problem(reason: "has a path that does not start with /")) }
        let operations = paths.values.reduce(0) { count, item in
            count + ((item as? [String: Any])?.keys.filter { methods.contains($0) }.count ?? 0)
        }
        return .success(OpenAPIDocument(title: title, version: version, specVersion: specVersion, operationCount: operations))
    }
}

extension OpenAPIDocument {
    /// The deepest nesting of `[`/`{` in the text. Quotes are not tracked on purpose: a stray `'` in a
    /// plain scalar must not hide real flow collections; brackets inside strings only overcount.
    static func flowDepth(_ text: String) -> Int {
        var depth = 0, deepest = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                depth += 1
                deepest = max(deepest, depth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"): depth = max(0, depth - 1)
            default: break
            }
        }
        return deepest
    }
}

extension JSON {
    /// The value as Foundation types (dictionaries, arrays, strings, numbers, booleans, NSNull).
    var foundationValue: Any {
        switch self {
        case .null: NSNull()
        case .bool(let value): value
        case .int(let value): value
        case .double(let value): value
        case .string(let value): value
        case .array(let items): items.map(\.foundationValue)
        case .object(let members): Dictionary(members.map { ($0.0, $0.1.foundationValue) }, uniquingKeysWith: { _, last in last })
        }
    }
}
