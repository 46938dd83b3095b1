import Mustache

/// Why a page could not be rendered.
public struct TemplateError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// Renders the portal's HTML pages from mustache templates. `{{x}}` escapes HTML; the triple form
/// appears once, for a custom page's markdown rendered by cmark-gfm in safe mode (`Markdown`), so every
/// other value that reaches a page is escaped.
public struct PageRenderer: Sendable {
    private let library: MustacheLibrary

    /// The default theme. Parsing failures are programming errors caught by the tests.
    public init() throws(TemplateError) {
        var library = MustacheLibrary()
        for (name, text) in DefaultTheme.templates {
            do {
                try library.register(text, named: name)
            } catch {
                throw TemplateError(description: "template \(name) does not parse: \(error)")
            }
        }
        self.library = library
    }

    /// The default theme as portal files (path, contents), for the files API.
    public static var defaultThemeFiles: [(path: String, contents: String)] {
        DefaultTheme.templates.keys.sorted().map { ("themes/default/templates/\($0).mustache", DefaultTheme.templates[$0] ?? "") }
    }

    /// Names of the templates available.
    public var templateNames: [String] { DefaultTheme.templates.keys.sorted() }

    /// The default theme's stylesheet (served as `/assets/portal.css`).
    public static var stylesheet: String { DefaultTheme.stylesheet }

    /// Renders `page` with its template.
    public func render<Content>(_ page: SitePage<Content>) throws(TemplateError) -> String {
        guard let html = library.render(page, withTemplate: page.template) else {
            throw TemplateError(description: "no template named \(page.template)")
        }
        return html
    }
}
