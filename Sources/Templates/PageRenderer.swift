import Mustache

/// Why a page could not be rendered, or a template not parsed.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A parsed template: swift-mustache's (which decides whether a template is valid) and, unless it uses
/// what only swift-mustache renders, the same template compiled (`CompiledTemplate`).
public struct ParsedTemplate: Sendable {
    let mustache: MustacheTemplate
    let compiled: CompiledTemplate?
}

/// Renders the portal's HTML pages from mustache templates. `{{x}}` escapes HTML; the triple form
/// appears once, for a custom page's markdown rendered by cmark-gfm in safe mode (`Markdown`), so every
/// other value that reaches a page is escaped.
///
/// The templates are the default theme's, each replaceable by a portal's own file
/// (`themes/default/layouts/<name>.mustache` or `…/partials/<name>.mustache`). Pages render through the
/// compiled templates: swift-mustache's renderer casts and reflects its way to every value and was 85 %
/// of a dashboard's time (measured: 10.6 M instructions per page). A portal whose templates use one of
/// swift-mustache's own extensions is rendered by swift-mustache, reading the models through `Mirror`.
public struct PageRenderer: Sendable {
    private enum Engine: Sendable {
        case compiled(CompiledLibrary)
        case mustache(MustacheLibrary)
    }

    private let engine: Engine

    /// The default theme. Parsing failures are programming errors caught by the tests.
    public init() throws(TemplateError) {
        try self.init(overrides: [:])
    }

    /// The default theme with `overrides` (template name → parsed template) in place of its own.
    public init(overrides: [String: ParsedTemplate]) throws(TemplateError) {
        let templates = try Self.defaultTheme.get().merging(overrides) { _, override in override }
        let compiled = templates.compactMapValues(\.compiled)
        if compiled.count == templates.count {
            engine = .compiled(CompiledLibrary(templates: compiled))
        } else {
            engine = .mustache(MustacheLibrary(templates: templates.mapValues(\.mustache)))
        }
    }

    /// The default theme's templates, parsed once per process (a portal's renderer is rebuilt whenever
    /// its files change).
    private static let defaultTheme: Result<[String: ParsedTemplate], TemplateError> = {
        do throws(TemplateError) {
            var parsed: [String: ParsedTemplate] = [:]
            for (name, text) in DefaultTheme.templates { parsed[name] = try parse(text, name: name) }
            return .success(parsed)
        } catch {
            return .failure(error)
        }
    }()

    /// Parses one template (a portal's file is checked with this before it is stored).
    public static func parse(_ text: String, name: String) throws(TemplateError) -> ParsedTemplate {
        do {
            try TemplateNesting.check(text)
        } catch .tooDeep {
            throw TemplateError(description: "template \(name) nests sections more than \(TemplateNesting.maximumDepth) deep")
        } catch {
            throw TemplateError(description: "template \(name) does not parse: a tag is not closed or holds characters a name cannot")
        }
        let mustache: MustacheTemplate
        do {
            mustache = try MustacheTemplate(string: text)
        } catch {
            throw TemplateError(description: "template \(name) does not parse: \(error)")
        }
        return ParsedTemplate(mustache: mustache, compiled: try? CompiledTemplate(text))
    }

    /// Whether pages render through the compiled templates (false: swift-mustache renders them).
    var isCompiled: Bool {
        if case .compiled = engine { return true }
        return false
    }

    /// The theme's folders: page templates (and the layout) and partials.
    public static let layoutsFolder = "themes/default/layouts/"
    public static let partialsFolder = "themes/default/partials/"
    public static let assetsFolder = "themes/default/assets/"
    static let partials: Set<String> = ["field", "form", "row", "schema", "property"]

    /// The default theme as portal files (path, contents): seeded into every portal, to copy and edit.
    public static var defaultThemeFiles: [(path: String, contents: String)] {
        DefaultTheme.templates.keys.sorted().map { name in
            ((partials.contains(name) ? partialsFolder : layoutsFolder) + name + ".mustache", DefaultTheme.templates[name] ?? "")
        } + [(assetsFolder + "portal.css", DefaultTheme.stylesheet)]
    }

    /// The template a portal file stands for (`themes/default/layouts/home.mustache` → `home`), if any.
    public static func templateName(forPath path: String) -> String? {
        for folder in [layoutsFolder, partialsFolder] where path.hasPrefix(folder) && path.hasSuffix(".mustache") {
            let name = String(path.dropFirst(folder.count).dropLast(".mustache".count))
            if !name.isEmpty, !name.contains("/") { return name }
        }
        return nil
    }

    /// Names of the templates available.
    public var templateNames: [String] { DefaultTheme.templates.keys.sorted() }

    /// The default theme's stylesheet (served as `/assets/portal.css` unless the portal has its own).
    public static var stylesheet: String { DefaultTheme.stylesheet }

    /// Renders `page` with its template, as UTF-8 (what the response carries).
    public func html<Content: TemplateObject>(_ page: SitePage<Content>) throws(TemplateError) -> [UInt8] {
        let html: [UInt8]? = switch engine {
        case .compiled(let library): library.render(page, withTemplate: page.template)
        case .mustache(let library): library.render(page, withTemplate: page.template).map { Array($0.utf8) }
        }
        guard let html else { throw TemplateError(description: "no template named \(page.template)") }
        return html
    }

    /// Renders `page` with its template.
    public func render<Content: TemplateObject>(_ page: SitePage<Content>) throws(TemplateError) -> String {
        String(decoding: try html(page), as: UTF8.self)
    }
}
