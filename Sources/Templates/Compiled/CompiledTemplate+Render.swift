/// Compiled templates by name: the pages, the layout they extend and the partials they include.
struct CompiledLibrary: Sendable {
    let templates: [String: CompiledTemplate]

    /// Renders `object` with the template `name` (nil if there is none) as UTF-8.
    func render(_ object: some TemplateObject, withTemplate name: String) -> [UInt8]? {
        guard let template = templates[name] else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(16_384)
        var stack: [TemplateValue] = [.object(object)]
        template.render(into: &output, stack: &stack, scope: RenderScope(library: self, indentation: nil, inherited: nil))
        return output
    }
}

/// What a template renders with besides the values: the partials, the indentation of a standalone
/// partial (prefixed to each of its lines), and the blocks a child template replaced.
struct RenderScope {
    let library: CompiledLibrary
    let indentation: [UInt8]?
    let inherited: [String: CompiledTemplate]?

    func indented(_ more: [UInt8]?) -> RenderScope {
        guard let more else { return self }
        return RenderScope(library: library, indentation: (indentation ?? []) + more, inherited: inherited)
    }
}

/// Rendering as swift-mustache renders (see `CompiledTemplate`), into one byte buffer.
extension CompiledTemplate {
    func render(into output: inout [UInt8], stack: inout [TemplateValue], scope: RenderScope) {
        guard let indentation = scope.indentation, !indentation.isEmpty else {
            for node in joinedNodes { render(node, into: &output, stack: &stack, scope: scope) }
            return
        }
        // Inside an indented partial, output that starts a new line of this template gets the indentation.
        let start = output.count
        for node in nodes {
            let atLineStart = Self.endsWithLineFeed(output, from: start)
            let before = output.count
            render(node, into: &output, stack: &stack, scope: scope)
            if atLineStart, output.count > before { output.insert(contentsOf: indentation, at: before) }
        }
    }

    /// Whether `output[start...]` ends with a line feed that is not part of `\r\n` (a `Character` apart).
    private static func endsWithLineFeed(_ output: [UInt8], from start: Int) -> Bool {
        let count = output.count
        guard count > start, output[count - 1] == UInt8(ascii: "\n") else { return false }
        return count - 2 < start || output[count - 2] != UInt8(ascii: "\r")
    }

    private func render(_ node: Node, into output: inout [UInt8], stack: inout [TemplateValue], scope: RenderScope) {
        switch node {
        case .text(let bytes):
            output.append(contentsOf: bytes)

        case .variable(let name, let escaped):
            switch Self.lookUp(name, in: stack) {
            case .text(let text): escaped ? HTMLEscaping.append(text, to: &output) : output.append(contentsOf: text.utf8)
            case .number(let number): output.append(contentsOf: String(number).utf8)
            case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
            // swift-mustache prints a Swift description of a list or a model: nothing a page should show.
            case .missing, .object, .list: break
            }

        case .section(let name, let template):
            switch Self.lookUp(name, in: stack) {
            case .list(let items):
                for item in items {
                    stack.append(item)
                    template.render(into: &output, stack: &stack, scope: scope)
                    stack.removeLast()
                }
            case .bool(let flag):
                if flag { template.render(into: &output, stack: &stack, scope: scope) }
            case .missing:
                break
            case let value:
                stack.append(value)
                template.render(into: &output, stack: &stack, scope: scope)
                stack.removeLast()
            }

        case .invertedSection(let name, let template):
            switch Self.lookUp(name, in: stack) {
            case .list(let items) where items.isEmpty:
                stack.append(.list(items))
                template.render(into: &output, stack: &stack, scope: scope)
                stack.removeLast()
            case .bool(false), .missing:
                template.render(into: &output, stack: &stack, scope: scope)
            default:
                break
            }

        case .blockDefinition:
            break

        case .block(let name, let defaultTemplate, let indentation):
            let template = scope.inherited?[name] ?? defaultTemplate
            template.render(into: &output, stack: &stack, scope: scope.indented(indentation))

        case .partial(let name, let indentation, let inherits):
            guard let template = scope.library.templates[name] else { return }
            var inherited = scope.inherited
            if let inherits {
                // A block replaced further out wins over the same block replaced here.
                inherited = inherited?.merging(inherits) { outer, _ in outer } ?? inherits
            }
            let partialScope = RenderScope(library: scope.library, indentation: scope.indentation, inherited: inherited)
            template.render(into: &output, stack: &stack, scope: partialScope.indented(indentation))
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
