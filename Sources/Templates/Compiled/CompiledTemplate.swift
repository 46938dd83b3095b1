/// A mustache template compiled for rendering straight into bytes (`CompiledTemplate+Render`).
///
/// swift-mustache stays the reference: every template is parsed by it first (that is what accepts or
/// refuses a portal's file), and this compiler follows its parser step for step — the same standalone-line,
/// indentation and inheritance rules — so a compiled template renders the very same text
/// (`CompiledTemplateTests` compares the two). What swift-mustache adds beyond the mustache spec
/// (transforms `{{f(x)}}`, pragmas `{{% …}}`, dynamic partials `{{>*x}}`) and templates with unusual line
/// breaks or delimiters are not compiled: `PageRenderer` renders those with swift-mustache itself.
struct CompiledTemplate: Sendable {
    indirect enum Node: Sendable {
        case text([UInt8])
        case variable(TemplateName, escaped: Bool)
        case section(TemplateName, CompiledTemplate)
        case invertedSection(TemplateName, CompiledTemplate)
        /// `{{$name}}…{{/name}}` directly inside `{{<parent}}`: what the parent's block becomes.
        case blockDefinition(String, CompiledTemplate)
        /// `{{$name}}…{{/name}}` anywhere else: the block a child template may replace.
        case block(String, default: CompiledTemplate, indentation: [UInt8])
        /// `{{>name}}`, or `{{<name}}…{{/name}}` with the blocks it replaces.
        case partial(String, indentation: [UInt8]?, inherits: [String: CompiledTemplate]?)
    }

    let nodes: [Node]

    /// Why a template was not compiled (it is rendered by swift-mustache instead).
    struct NotCompiled: Error, CustomStringConvertible {
        let description: String
    }

    init(_ text: String) throws(NotCompiled) {
        var compiler = TemplateCompiler(Array(text.utf8))
        try compiler.checkLineBreaks()
        self = try compiler.parse(TemplateCompiler.State())
    }

    fileprivate init(nodes: [Node]) {
        self.nodes = nodes
    }
}

/// A name in a tag: `.` (the current value), `a.b` (`a` looked up outward through the enclosing
/// sections, then `b` inside it) or `.a.b` (`a` on the current value only).
struct TemplateName: Sendable {
    let parts: [String]
    let currentOnly: Bool

    init(_ text: [UInt8]) {
        parts = text.split(separator: UInt8(ascii: ".")).map { String(decoding: $0, as: UTF8.self) }
        currentOnly = text.first == UInt8(ascii: ".")
    }
}

/// The parser: swift-mustache's `MustacheTemplate.parse`, over UTF-8 bytes.
private struct TemplateCompiler {
    struct State {
        var sectionName: [UInt8]?
        var newLine = true
        var isPartialDefinition = false
        var isPartialDefinitionTopLevel = false
        var startDelimiter = Array("{{".utf8)
        var endDelimiter = Array("}}".utf8)
        var partialDefinitionIndent: Int?

        func withSectionName(_ name: [UInt8], newLine: Bool) -> State {
            var state = self
            state.sectionName = name
            state.isPartialDefinitionTopLevel = false
            if !newLine { state.newLine = false }
            return state
        }

        func withInheritancePartial(_ name: [UInt8]) -> State {
            var state = self
            state.sectionName = name
            state.newLine = true
            state.isPartialDefinition = true
            state.isPartialDefinitionTopLevel = true
            return state
        }
    }

    typealias NotCompiled = CompiledTemplate.NotCompiled
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), lineFeed = UInt8(ascii: "\n"), carriageReturn = UInt8(ascii: "\r")

    /// swift-mustache reads `Character`s: `\r\n` is one, and a few other characters end a line in some of
    /// its checks but not in others. Only `\n` and `\r\n` are compiled, so both parsers see the same lines.
    func checkLineBreaks() throws(NotCompiled) {
        var index = 0
        while index < bytes.count {
            switch bytes[index] {
            case Self.carriageReturn where index + 1 == bytes.count || bytes[index + 1] != Self.lineFeed,
                 0x0B, 0x0C:
                throw NotCompiled(description: "line break other than \\n or \\r\\n")
            case 0xC2 where index + 1 < bytes.count && bytes[index + 1] == 0x85,
                 0xE2 where index + 2 < bytes.count && bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9):
                throw NotCompiled(description: "unicode line separator")
            default:
                index += 1
            }
        }
    }

    private var reachedEnd: Bool { position >= bytes.count }

    /// The length of the line break at `index` (`\n` or `\r\n`), or nil.
    private func lineBreak(at index: Int) -> Int? {
        guard index < bytes.count else { return nil }
        if bytes[index] == Self.lineFeed { return 1 }
        if bytes[index] == Self.carriageReturn, index + 1 < bytes.count, bytes[index + 1] == Self.lineFeed { return 2 }
        return nil
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab || byte == lineFeed || byte == carriageReturn || byte == 0x0B || byte == 0x0C
    }

    private static func isNameByte(_ byte: UInt8, partial: Bool) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "?"), UInt8(ascii: "*"),
             UInt8(ascii: "("), UInt8(ascii: ")"):
            true
        case UInt8(ascii: "/"):
            partial
        default:
            false
        }
    }

    @discardableResult
    private mutating func read(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
        let start = position
        while position < bytes.count, predicate(bytes[position]) { position += 1 }
        return bytes[start..<position]
    }

    /// Reads `string` if it comes next; running out of text first is an error, as in swift-mustache.
    private mutating func read(string: [UInt8]) throws(NotCompiled) -> Bool {
        guard bytes.count - position >= string.count else { throw NotCompiled(description: "unexpected end of template") }
        guard bytes[position..<position + string.count].elementsEqual(string) else { return false }
        position += string.count
        return true
    }

    mutating func parse(_ initial: State) throws(NotCompiled) -> CompiledTemplate {
        var nodes: [CompiledTemplate.Node] = []
        var state = initial
        var whiteSpaceBefore: ArraySlice<UInt8> = []
        while !reachedEnd {
            if state.newLine {
                let whiteSpace = read { $0 == Self.space || $0 == Self.tab }
                if state.isPartialDefinition, !state.isPartialDefinitionTopLevel {
                    // Inside a block definition lines lose the first line's indentation.
                    if let indent = state.partialDefinitionIndent {
                        whiteSpaceBefore = whiteSpace.dropFirst(indent)
                    } else {
                        state.partialDefinitionIndent = whiteSpace.count
                    }
                } else {
                    whiteSpaceBefore = whiteSpace
                }
            }
            let text = try readUntilDelimiterOrNewline(state)
            if let length = lineBreak(at: position) {
                nodes.append(.text(Array(whiteSpaceBefore) + text + bytes[position..<position + length]))
                state.newLine = true
                position += length
                continue
            }
            if !text.isEmpty {
                nodes.append(.text(Array(whiteSpaceBefore) + text))
                whiteSpaceBefore = []
                state.newLine = false
            }
            if reachedEnd { break }

            func flushWhiteSpace() {
                if !whiteSpaceBefore.isEmpty {
                    nodes.append(.text(Array(whiteSpaceBefore)))
                    whiteSpaceBefore = []
                }
            }
            var setNewLine = false
            switch bytes[position] {
            case UInt8(ascii: "#"), UInt8(ascii: "^"):
                let inverted = bytes[position] == UInt8(ascii: "^")
                position += 1
                let name = try parseName(state)
                if isStandalone(state) {
                    setNewLine = true
                } else {
                    flushWhiteSpace()
                }
                let section = try parse(state.withSectionName(name, newLine: setNewLine))
                nodes.append(inverted ? .invertedSection(TemplateName(name), section) : .section(TemplateName(name), section))

            case UInt8(ascii: "/"):
                position += 1
                let name = try parseName(state)
                guard name == state.sectionName else { throw NotCompiled(description: "section closed with the wrong name") }
                if !isStandalone(state) { flushWhiteSpace() }
                return CompiledTemplate(nodes: nodes)

            case UInt8(ascii: "!"):
                position += 1
                try skipComment(state)
                setNewLine = isStandalone(state)

            case UInt8(ascii: "{"):
                flushWhiteSpace()
                position += 1
                let name = try parseName(state)
                guard !reachedEnd else { throw NotCompiled(description: "unexpected end of template") }
                guard bytes[position] == UInt8(ascii: "}") else { throw NotCompiled(description: "unfinished name") }
                position += 1
                nodes.append(.variable(TemplateName(name), escaped: false))

            case UInt8(ascii: "&"):
                flushWhiteSpace()
                position += 1
                nodes.append(.variable(TemplateName(try parseName(state)), escaped: false))

            case UInt8(ascii: ">"):
                position += 1
                read(while: Self.isWhitespace)
                let name = try parsePartialName(state)
                if !whiteSpaceBefore.isEmpty { nodes.append(.text(Array(whiteSpaceBefore))) }
                if isStandalone(state) {
                    setNewLine = true
                    nodes.append(.partial(name, indentation: Array(whiteSpaceBefore), inherits: nil))
                } else {
                    nodes.append(.partial(name, indentation: nil, inherits: nil))
                }
                whiteSpaceBefore = []

            case UInt8(ascii: "<"):
                position += 1
                read(while: Self.isWhitespace)
                let sectionStart = position
                let name = try parsePartialName(state)
                if !whiteSpaceBefore.isEmpty { nodes.append(.text(Array(whiteSpaceBefore))) }
                if isStandalone(state) { setNewLine = true }
                let section = try parse(state.withInheritancePartial(Array(name.utf8)))
                var inherits: [String: CompiledTemplate] = [:]
                for node in section.nodes {
                    switch node {
                    case .blockDefinition(let block, let template): inherits[block] = template
                    case .text: break
                    default:
                        position = sectionStart
                        throw NotCompiled(description: "only blocks may appear inside {{<\(name)}}")
                    }
                }
                nodes.append(.partial(name, indentation: Array(whiteSpaceBefore), inherits: inherits))
                whiteSpaceBefore = []

            case UInt8(ascii: "$"):
                position += 1
                let name = try parseName(state)
                let blockName = String(decoding: name, as: UTF8.self)
                if state.isPartialDefinitionTopLevel {
                    if isStandalone(state) { setNewLine = true }
                    nodes.append(.blockDefinition(blockName, try parse(state.withSectionName(name, newLine: setNewLine))))
                } else {
                    if !whiteSpaceBefore.isEmpty { nodes.append(.text(Array(whiteSpaceBefore))) }
                    if isStandalone(state) { setNewLine = true }
                    let section = try parse(state.withSectionName(name, newLine: setNewLine))
                    nodes.append(.block(blockName, default: section, indentation: Array(whiteSpaceBefore)))
                    whiteSpaceBefore = []
                }

            case UInt8(ascii: "="):
                position += 1
                state = try setDelimiters(state)
                setNewLine = isStandalone(state)

            case UInt8(ascii: "%"):
                throw NotCompiled(description: "pragmas are swift-mustache's")

            default:
                flushWhiteSpace()
                nodes.append(.variable(TemplateName(try parseName(state)), escaped: true))
            }
            state.newLine = setNewLine
        }
        guard state.sectionName == nil else { throw NotCompiled(description: "expected the section's end") }
        return CompiledTemplate(nodes: nodes)
    }

    /// Text up to the next tag (consumed) or line break (not consumed).
    private mutating func readUntilDelimiterOrNewline(_ state: State) throws(NotCompiled) -> [UInt8] {
        guard let first = state.startDelimiter.first else { return [] }
        var text: [UInt8] = []
        while !reachedEnd {
            let start = position
            while position < bytes.count, bytes[position] != first, lineBreak(at: position) == nil { position += 1 }
            text += bytes[start..<position]
            if lineBreak(at: position) != nil || reachedEnd { break }
            if try read(string: state.startDelimiter) { break }
            text.append(first)
            position += 1
        }
        return text
    }

    private mutating func parseName(_ state: State) throws(NotCompiled) -> [UInt8] {
        read(while: Self.isWhitespace)
        let name = Array(read { Self.isNameByte($0, partial: false) })
        read(while: Self.isWhitespace)
        guard try read(string: state.endDelimiter) else { throw NotCompiled(description: "unfinished name") }
        if name.contains(UInt8(ascii: "(")) || name.contains(UInt8(ascii: ")")) {
            throw NotCompiled(description: "transforms are swift-mustache's")
        }
        return name
    }

    private mutating func parsePartialName(_ state: State) throws(NotCompiled) -> String {
        read(while: Self.isWhitespace)
        let name = read { Self.isNameByte($0, partial: true) }
        read(while: Self.isWhitespace)
        guard try read(string: state.endDelimiter) else { throw NotCompiled(description: "unfinished name") }
        guard name.first != UInt8(ascii: "*") else { throw NotCompiled(description: "dynamic partials are swift-mustache's") }
        return String(decoding: name, as: UTF8.self)
    }

    /// Skips to just past the end delimiter, as swift-mustache does (`MustacheComment`).
    private mutating func skipComment(_ state: State) throws(NotCompiled) {
        guard let after = MustacheComment.end(in: bytes, from: position, delimiter: state.endDelimiter) else {
            throw NotCompiled(description: "unfinished comment")
        }
        position = after
    }

    private mutating func setDelimiters(_ state: State) throws(NotCompiled) -> State {
        let invalid = NotCompiled(description: "invalid set delimiter")
        read(while: Self.isWhitespace)
        let start = read { !Self.isWhitespace($0) }
        guard !reachedEnd else { throw invalid }
        read(while: Self.isWhitespace)
        let end = read { $0 != UInt8(ascii: "=") && !Self.isWhitespace($0) }
        guard !reachedEnd else { throw invalid }
        read(while: Self.isWhitespace)
        guard !reachedEnd, bytes[position] == UInt8(ascii: "=") else { throw invalid }
        position += 1
        guard (try? read(string: state.endDelimiter)) == true, !start.isEmpty, !end.isEmpty else { throw invalid }
        // swift-mustache compares characters; ASCII delimiters keep bytes and characters one to one.
        guard start.allSatisfy({ $0 < 0x80 }), end.allSatisfy({ $0 < 0x80 }) else {
            throw NotCompiled(description: "non-ASCII delimiters")
        }
        var next = state
        next.startDelimiter = Array(start)
        next.endDelimiter = Array(end)
        next.isPartialDefinitionTopLevel = false
        return next
    }

    /// A tag alone on its line: the line (its indentation and line break) is not output.
    private mutating func isStandalone(_ state: State) -> Bool {
        guard state.newLine else { return false }
        if reachedEnd { return true }
        var index = position
        while index < bytes.count, bytes[index] == Self.space || bytes[index] == Self.tab { index += 1 }
        guard let length = lineBreak(at: index) else { return false }
        position = index + length
        return true
    }
}
