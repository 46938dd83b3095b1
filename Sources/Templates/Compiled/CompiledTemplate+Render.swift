/// Compiled templates by name: the pages, the layout they extend and the partials they include.
struct CompiledLibrary: Sendable {
    let templates: [String: CompiledTemplate]

    /// Partials nest at most this deep, and a page expands at most `maximumPartials`: a theme's partial that
    /// includes itself (or two that include each other) renders so far and no further, instead of
    /// exhausting the worker's stack. The default theme's deepest, a schema's properties, nests once per level.
    static let maximumPartialDepth = 64
    static let maximumPartials = 100_000

    /// Renders `object` with the template `name` (nil if there is none) as UTF-8.
    func render(_ object: some TemplateObject, withTemplate name: String) -> [UInt8]? {
        guard let template = templates[name] else { return nil }
        var state = RenderState(output: [], stack: [.object(object)], partialsLeft: Self.maximumPartials)
        state.output.reserveCapacity(16_384)
        template.render(&state, scope: RenderScope(library: self, indentation: nil, inherited: nil, depth: 0))
        return state.output
    }
}

/// A page being rendered: its bytes so far, the values in scope (innermost last) and how many more
/// partials it may expand.
struct RenderState {
    var output: [UInt8]
    var stack: [TemplateValue]
    var partialsLeft: Int
}

/// What a template renders with besides the values: the partials, the indentation of a standalone
/// partial (prefixed to each of its lines), the blocks a child template replaced, and how deep in
/// partials it is.
struct RenderScope {
    let library: CompiledLibrary
    let indentation: [UInt8]?
    let inherited: [String: CompiledTemplate]?
    let depth: Int

    func indented(_ more: [UInt8]?) -> RenderScope {
        guard let more else { return self }
        return RenderScope(library: library, indentation: (indentation ?? []) + more, inherited: inherited, depth: depth)
    }
}

/// Rendering as swift-mustache renders (see `CompiledTemplate`), into one byte buffer.
extension CompiledTemplate {
    func render(_ state: inout RenderState, scope: RenderScope) {
        guard let indentation = scope.indentation, !indentation.isEmpty else {
            for node in nodes { render(node, &state, scope: scope) }
            return
        }
        // Inside an indented partial, output that starts a new line of this template gets the indentation.
        let start = state.output.count
        for node in nodes {
            let atLineStart = Self.endsWithLineFeed(state.output, from: start)
            let before = state.output.count
            render(node, &state, scope: scope)
            if atLineStart, state.output.count > before { state.output.insert(contentsOf: indentation, at: before) }
        }
    }

    /// Whether `output[start...]` ends with a line feed that is not part of `\r\n` (a `Character` apart).
    private static func endsWithLineFeed(_ output: [UInt8], from start: Int) -> Bool {
        let count = output.count
        guard count > start, output[count - 1] == UInt8(ascii: "\n") else { return false }
        return count - 2 < start || output[count - 2] != UInt8(ascii: "\r")
    }

    /// Renders `template` with `value` as the innermost value.
    private static func render(_ template: CompiledTemplate, with value: TemplateValue, _ state: inout RenderState, scope: RenderScope) {
        state.stack.append(value)
        template.render(&state, scope: scope)
        state.stack.removeLast()
    }

    private func render(_ node: Node, _ state: inout RenderState, scope: RenderScope) {
        switch node {
        case .text(let bytes):
            state.output.append(contentsOf: bytes)

        case .variable(let name, let escaped):
            switch Self.lookUp(name, in: state.stack) {
            case .text(let text): escaped ? HTMLEscaping.append(text, to: &state.output) : state.output.append(contentsOf: text.utf8)
            case .number(let number): state.output.append(contentsOf: String(number).utf8)
            case .bool(let flag): state.output.append(contentsOf: (flag ? "true" : "false").utf8)
            // swift-mustache prints a Swift description of a list or a model: nothing a page should show.
            case .missing, .object, .list: break
            }

        case .section(let name, let template):
            switch Self.lookUp(name, in: state.stack) {
            case .list(let items):
                for item in items { Self.render(template, with: item, &state, scope: scope) }
            case .bool(let flag):
                if flag { template.render(&state, scope: scope) }
            case .missing:
                break
            case let value:
                Self.render(template, with: value, &state, scope: scope)
            }

        case .invertedSection(let name, let template):
            switch Self.lookUp(name, in: state.stack) {
            case .list(let items) where items.isEmpty:
                Self.render(template, with: .list(items), &state, scope: scope)
            case .bool(false), .missing:
                template.render(&state, scope: scope)
            default:
                break
            }

        case .blockDefinition:
            break

        case .block(let name, let defaultTemplate, let indentation):
            let template = scope.inherited?[name] ?? defaultTemplate
            template.render(&state, scope: scope.indented(indentation))

        case .partial(let name, let indentation, let inherits):
            guard let template = scope.library.templates[name], scope.depth < CompiledLibrary.maximumPartialDepth, state.partialsLeft > 0
            else { return }
            state.partialsLeft -= 1
            var inherited = scope.inherited
            if let inherits {
                // A block replaced further out wins over the same block replaced here.
                inherited = inherited?.merging(inherits) { outer, _ in outer } ?? inherits
            }
            let partialScope = RenderScope(library: scope.library, indentation: scope.indentation, inherited: inherited, depth: scope.depth + 1)
            template.render(&state, scope: partialScope.indented(indentation))
        }
    }

    /// The value `name` stands for: its first part looked up from the innermost value outward (or on the
    /// innermost value only, for `.a`), the rest inside what was found.
    private static func lookUp(_ name: TemplateName, in stack: [TemplateValue]) -> TemplateValue {
        guard let first = name.parts.first else { return stack.last ?? .missing }
        // Matched in place (no copy of each value passed over: a copy is a retain and a release).
        var found = TemplateValue.missing
        var index = stack.count - 1
        while index >= 0 {
            if case .object(let object) = stack[index] {
                found = object.value(named: first)
                if case .missing = found {} else { break }
            }
            if name.currentOnly { break }
            index -= 1
        }
        var rest = name.parts.dropFirst()
        while let part = rest.popFirst() {
            guard case .object(let object) = found else { return .missing }
            found = object.value(named: part)
        }
        return found
    }
}

/// HTML escaping of a value: `<`, `>`, `&`, `"` and `'` (swift-mustache's set), byte by byte.
enum HTMLEscaping {
    static func append(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let replacement: StaticString
                switch bytes[index] {
                case UInt8(ascii: "<"): replacement = "&lt;"
                case UInt8(ascii: ">"): replacement = "&gt;"
                case UInt8(ascii: "&"): replacement = "&amp;"
                case UInt8(ascii: "\""): replacement = "&quot;"
                case UInt8(ascii: "'"): replacement = "&#39;"
                default: continue
                }
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                output.append(contentsOf: UnsafeBufferPointer(start: replacement.utf8Start, count: replacement.utf8CodeUnitCount))
                runStart = index + 1
            }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
    }
}
