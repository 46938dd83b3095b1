/// How deep a template's sections nest, found without recursion before any parser sees the template.
///
/// swift-mustache parses (and the compiled templates render) a section by recursing into it, ~8 KiB of
/// stack a level in a debug build: a 6 KB file of 1,000 nested `{{#a}}` overflowed a thread's 8 MiB
/// stack and took the worker down. So `PageRenderer.parse` first walks the tags the way swift-mustache's
/// parser reads them — `Character` by `Character`, with the same name characters, comment and
/// set-delimiter rules, and delimiters that revert when a section closes — counting `#`, `^`, `$` and
/// `<` openings against `/` closings, and refuses a template nested deeper than `maximumDepth`.
/// Where the walk finds what swift-mustache would not accept, the template is refused too.
enum TemplateNesting {
    static let maximumDepth = 32

    enum Failure: Error, Equatable {
        case tooDeep
        case malformedTag
    }

    static func check(_ text: String) throws(Failure) {
        var scanner = Scanner(Array(text))
        try scanner.run()
    }

    private struct Scanner {
        let characters: [Character]
        var position = 0
        var start = "{{"
        var end = "}}"
        /// The delimiters in force where each open section began: they return when it closes.
        var enclosing: [(start: String, end: String)] = []

        static let nameCharacters = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*")
        static let plainNameCharacters = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?*")
        static let partialNameCharacters = Set<Character>("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_?()*/")

        init(_ characters: [Character]) {
            self.characters = characters
        }

        var atEnd: Bool { position >= characters.count }

        mutating func run() throws(Failure) {
            while !atEnd {
                guard characters[position] == start.first, read(string: start) else {
                    position += 1
                    continue
                }
                guard !atEnd else { return }
                let sigil = characters[position]
                switch sigil {
                case "#", "^", "$":
                    position += 1
                    try skipName(Self.nameCharacters)
                    try open()
                case "<":
                    position += 1
                    try skipName(Self.partialNameCharacters)
                    try open()
                case "/":
                    position += 1
                    try skipName(Self.nameCharacters)
                    guard let outer = enclosing.popLast() else { throw .malformedTag }
                    (start, end) = outer
                case "!":
                    position += 1
                    try skipComment()
                case "=":
                    position += 1
                    try setDelimiters()
                case "%":
                    position += 1
                    try skipConfiguration()
                case "{":
                    position += 1
                    try skipName(Self.nameCharacters)
                    guard !atEnd, characters[position] == "}" else { throw .malformedTag }
                    position += 1
                case "&":
                    position += 1
                    try skipName(Self.nameCharacters)
                case ">":
                    position += 1
                    skipWhitespace()
                    if !atEnd, characters[position] == "*" { position += 1 }
                    try skipName(Self.partialNameCharacters)
                default:
                    try skipName(Self.nameCharacters)
                }
            }
        }

        mutating func open() throws(Failure) {
            guard enclosing.count < TemplateNesting.maximumDepth else { throw .tooDeep }
            enclosing.append((start, end))
        }

        /// Whether `string` (compared as swift-mustache does: the same number of `Character`s, as a
        /// `String`) comes next; if so, it is consumed.
        mutating func read(string: String) -> Bool {
            let count = string.count
            guard position + count <= characters.count, String(characters[position..<position + count]) == string else { return false }
            position += count
            return true
        }

        mutating func skipWhitespace() {
            while !atEnd, characters[position].isWhitespace { position += 1 }
        }

        mutating func skip(while allowed: Set<Character>) {
            while !atEnd, allowed.contains(characters[position]) { position += 1 }
        }

        /// A tag's name and the end delimiter after it.
        mutating func skipName(_ allowed: Set<Character>) throws(Failure) {
            skipWhitespace()
            skip(while: allowed)
            skipWhitespace()
            guard read(string: end) else { throw .malformedTag }
        }

        mutating func skipComment() throws(Failure) {
            guard let after = MustacheComment.end(in: characters, from: position, delimiter: Array(end)) else { throw .malformedTag }
            position = after
        }

        /// `{{=<% %>=}}`: the new delimiters hold until the enclosing section closes.
        mutating func setDelimiters() throws(Failure) {
            skipWhitespace()
            let newStart = try read(until: { $0.isWhitespace })
            skipWhitespace()
            let newEnd = try read(until: { $0 == "=" || $0.isWhitespace })
            skipWhitespace()
            guard !atEnd, characters[position] == "=" else { throw .malformedTag }
            position += 1
            guard read(string: end), !newStart.isEmpty, !newEnd.isEmpty else { throw .malformedTag }
            (start, end) = (newStart, newEnd)
        }

        /// `{{% CONTENT_TYPE: TEXT }}`.
        mutating func skipConfiguration() throws(Failure) {
            skipWhitespace()
            skip(while: Self.plainNameCharacters)
            skipWhitespace()
            guard !atEnd, characters[position] == ":" else { throw .malformedTag }
            position += 1
            skipWhitespace()
            skip(while: Self.plainNameCharacters)
            skipWhitespace()
            guard read(string: end) else { throw .malformedTag }
        }

        mutating func read(until stop: (Character) -> Bool) throws(Failure) -> String {
            let first = position
            while !atEnd, !stop(characters[position]) { position += 1 }
            guard !atEnd else { throw .malformedTag }
            return String(characters[first..<position])
        }
    }
}

/// Where a comment ends, found as swift-mustache finds it: just past the first end delimiter, matched
/// without re-reading the element that broke a partial match, as its parser does. Shared by the nesting
/// walk and the compiler, which must both agree with swift-mustache to the character.
enum MustacheComment {
    /// The index just past the delimiter, or nil when the text ends first.
    static func end<Element: Equatable>(in elements: [Element], from start: Int, delimiter: [Element]) -> Int? {
        var position = start, matched = 0
        while position < elements.count {
            if elements[position] == delimiter[matched] {
                matched += 1
                if matched == delimiter.count { return position + 1 }
            } else {
                matched = 0
            }
            position += 1
        }
        return nil
    }
}
