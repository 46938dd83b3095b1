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
    public func render<Page: PageModel>(_ page: Page) throws(TemplateError) -> String {
        guard let html = library.render(page, withTemplate: Page.templateName) else {
            throw TemplateError(description: "no template named \(Page.templateName)")
        }
        return html
    }
}

/// A value a page template renders; its stored properties are the template's keys.
public protocol PageModel: Sendable {
    static var templateName: String { get }
}

/// The portal's home page.
public struct HomePage: PageModel {
    public static let templateName = "home"
    public let portalName: String
    public let baseURL: String
    /// The appearance's catalog text, when set.
    public let catalogHeader: String?
    public let catalogWelcome: String?

    public init(portalName: String, baseURL: String, catalogHeader: String? = nil, catalogWelcome: String? = nil) {
        self.portalName = portalName
        self.baseURL = baseURL
        self.catalogHeader = catalogHeader
        self.catalogWelcome = catalogWelcome
    }
}

/// A custom page (seed 001 pages): its title and its markdown rendered to safe HTML.
public struct CustomPage: PageModel {
    public static let templateName = "page"
    public let portalName: String
    public let title: String
    public let html: String

    public init(portalName: String, title: String, html: String) {
        self.portalName = portalName
        self.title = title
        self.html = html
    }
}

/// An error page (404, 405, …) for browser paths.
public struct ErrorPage: PageModel {
    public static let templateName = "error"
    public let portalName: String
    public let status: Int
    public let title: String
    public let message: String

    public init(portalName: String = "Developer Portal", status: Int, title: String, message: String) {
        self.portalName = portalName
        self.status = status
        self.title = title
        self.message = message
    }
}
