import Mustache

/// Why a page could not be rendered, or a template not parsed.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Renders the portal's HTML pages from mustache templates. `{{x}}` escapes HTML; the triple form
/// appears once, for a custom page's markdown rendered by cmark-gfm in safe mode (`Markdown`), so every
/// other value that reaches a page is escaped.
///
/// The templates are the default theme's, each replaceable by a portal's own file
/// (`themes/default/layouts/<name>.mustache` or `…/partials/<name>.mustache`).
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// The default theme. Parsing failures are programming errors caught by the tests.
    public init() throws(TemplateError) {
        try self.init(overrides: [:])
    }

    /// The default theme with `overrides` (template name → parsed template) in place of its own.
    public init(overrides: [String: MustacheTemplate]) throws(TemplateError) {
        var library = MustacheLibrary()
        for (name, text) in DefaultTheme.templates where overrides[name] == nil {
            library.register(try Self.parse(text, name: name), named: name)
        }
        for (name, template) in overrides { library.register(template, named: name) }
        self.library = library
    }

    /// Parses one template (a portal's file is checked with this before it is stored).
    public static func parse(_ text: String, name: String) throws(TemplateError) -> MustacheTemplate {
        do {
            return try MustacheTemplate(string: text)
        } catch {
            throw TemplateError(description: "template \(name) does not parse: \(error)")
        }
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

    /// Renders `page` with its template.
    public func render<Content>(_ page: SitePage<Content>) throws(TemplateError) -> String {
        guard let html = library.render(page, withTemplate: page.template) else {
            throw TemplateError(description: "no template named \(page.template)")
        }
        return html
    }
}
