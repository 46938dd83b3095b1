@testable import Templates
import Testing

/// `PageRenderer` and the default theme: every template parses, every partial or parent a template
/// names exists (a missing one would render as empty text), values are HTML-escaped, pages extend `layout`.
@Suite struct PageRendererTests {
    @Test func everyTemplateParses() throws {
        let renderer = try PageRenderer()
        #expect(renderer.templateNames == ["error", "home", "layout", "page"])
        #expect(renderer.templateNames == DefaultTheme.templates.keys.sorted())
    }

    @Test func everyPartialAndParentNamedExists() throws {
        let names = Set(try PageRenderer().templateNames)
        for (name, text) in DefaultTheme.templates {
            // `{{<parent}}` (inheritance) and `{{>partial}}`.
            for match in text.matches(of: /\{\{\s*[<>]\s*([A-Za-z0-9_\-\/]+)\s*\}\}/) {
                #expect(names.contains(String(match.output.1)), "\(name) names missing template \(match.output.1)")
            }
        }
    }

    /// Only the custom page places a value unescaped: its markdown, rendered by cmark-gfm in safe mode.
    @Test func themeNeverRendersUnescapedValuesButSafeMarkdown() {
        for (name, text) in DefaultTheme.templates {
            let triples = text.matches(of: /\{\{\{\s*([A-Za-z]+)\s*\}\}\}/).map { String($0.output.1) }
            #expect(triples == (name == "page" ? ["html"] : []), "\(name) uses {{{…}}} for \(triples)")
            #expect(!text.contains("{{&"), "\(name) uses {{&…}}")
        }
    }

    @Test func customPageRendersTitleAndMarkdownHTML() throws {
        let html = try PageRenderer().render(CustomPage(portalName: "Acme", title: "Getting <started>", html: Markdown.html("# Hi\n\n**bold**")))
        #expect(html.contains("<title>Getting &lt;started&gt; · Acme</title>"))
        #expect(html.contains("<h1>Hi</h1>"))
        #expect(html.contains("<strong>bold</strong>"))
    }

    @Test func homeShowsTheCatalogTextAndLinksTheThemeStylesheet() throws {
        let html = try PageRenderer().render(HomePage(portalName: "Acme", baseURL: "https://a.test", catalogHeader: "All our APIs", catalogWelcome: "Welcome <b>"))
        #expect(html.contains("<h2>All our APIs</h2>"))
        #expect(html.contains("<p>Welcome &lt;b&gt;</p>"))
        #expect(html.contains(#"<link rel="stylesheet" href="/assets/theme.css">"#))
        let plain = try PageRenderer().render(HomePage(portalName: "Acme", baseURL: "https://a.test"))
        #expect(!plain.contains("class=\"hero\""))
    }

    @Test func homeRendersPortalNameAndBaseURL() throws {
        let html = try PageRenderer().render(HomePage(portalName: "Acme APIs", baseURL: "https://dev.acme.test"))
        #expect(html.contains("<h1>Acme APIs</h1>"))
        #expect(html.contains("<code>POST https://dev.acme.test/api/v1/register</code>"))
        #expect(html.contains("<code>GET https://dev.acme.test/api/v1/auth</code>"))
        #expect(html.contains("<pre>curl -X POST https://dev.acme.test/api/v1/register \\"))
        #expect(!html.contains("{{"))
    }

    @Test func homeExtendsTheLayout() throws {
        let html = try PageRenderer().render(HomePage(portalName: "Acme APIs", baseURL: "https://dev.acme.test"))
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<title>Welcome · Acme APIs</title>"))
        #expect(html.contains(#"<header><a href="/">Acme APIs</a></header>"#))
        #expect(html.contains("<footer>Acme APIs</footer>"))
        #expect(html.contains("</html>"))
        // The page's body lands inside the layout's <main>.
        let main = try #require(html.firstRange(of: "<main>"))
        let heading = try #require(html.firstRange(of: "<h1>Acme APIs</h1>"))
        let endMain = try #require(html.firstRange(of: "</main>"))
        #expect(main.upperBound <= heading.lowerBound && heading.upperBound <= endMain.lowerBound)
    }

    @Test func valuesAreHTMLEscaped() throws {
        let html = try PageRenderer().render(HomePage(
            portalName: "<script>alert('x')</script> & Co", baseURL: #"https://evil.test/"><img src=x>"#))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"))
        #expect(html.contains("https://evil.test/&quot;&gt;&lt;img src=x&gt;"))
        #expect(!html.contains("<script>"))
        #expect(!html.contains("<img"))
        #expect(html.contains("<title>Welcome · &lt;script&gt;"))
    }

    @Test func errorPageRendersStatusTitleAndMessage() throws {
        let html = try PageRenderer().render(ErrorPage(status: 404, title: "Not Found", message: "No page at /nope"))
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(html.contains("<title>Not Found · Developer Portal</title>"))
        #expect(html.contains("<h1>404 · Not Found</h1>"))
        #expect(html.contains("<p>No page at /nope</p>"))
    }

    @Test func errorPageEscapesItsMessage() throws {
        let html = try PageRenderer().render(ErrorPage(
            portalName: "Acme", status: 400, title: "Bad Request", message: "<b>bad</b> \"input\""))
        #expect(html.contains("<p>&lt;b&gt;bad&lt;/b&gt; &quot;input&quot;</p>"))
        #expect(html.contains("<footer>Acme</footer>"))
    }
}
