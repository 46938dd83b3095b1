@testable import Templates
import Testing

/// cmark-gfm in safe mode: GFM renders, raw HTML and script URLs never reach the page.
@Suite struct MarkdownTests {
    @Test func rendersGitHubFlavouredMarkdown() {
        let html = Markdown.html("""
            # Title

            Some **bold**, ~~gone~~ and a https://example.com link.

            | a | b |
            |:--|--:|
            | 1 | 2 |

            - [x] done
            """)
        #expect(html.contains("<h1>Title</h1>"))
        #expect(html.contains("<strong>bold</strong>"))
        #expect(html.contains("<del>gone</del>"))
        #expect(html.contains(#"<a href="https://example.com">https://example.com</a>"#))
        #expect(html.contains("<table>"))
        #expect(html.contains(#"<td align="right">2</td>"#))
        #expect(!html.contains("style="), "table alignment must not need inline styles (CSP)")
        #expect(html.contains("checkbox"))
    }

    @Test func rawHTMLAndScriptURLsAreDropped() {
        let html = Markdown.html("""
            <script>alert(1)</script>

            <img src=x onerror=alert(1)>

            [click](javascript:alert(1)) [data](data:text/html,<script>alert(1)</script>) [vb](VBScript:msgbox)

            Inline <b onclick="x()">tag</b>.
            """)
        #expect(!html.contains("<script"))
        #expect(!html.contains("onerror"))
        #expect(!html.contains("onclick"))
        #expect(!html.lowercased().contains("javascript:"))
        #expect(!html.lowercased().contains("vbscript:"))
        #expect(!html.contains("data:text/html"))
        #expect(html.contains("raw HTML omitted"))
        #expect(html.contains("click"))
    }

    @Test func invalidUTF8AndEmptyInputAreHarmless() {
        #expect(Markdown.html("") == "")
        #expect(Markdown.html("plain").contains("<p>plain</p>"))
    }

    @Test func cacheRendersOncePerKey() {
        let cache = RenderedMarkdownCache()
        #expect(cache.html(key: "a@1", source: "*x*") == "<p><em>x</em></p>\n")
        // Same key: the stored rendering, whatever the source says now.
        #expect(cache.html(key: "a@1", source: "**y**") == "<p><em>x</em></p>\n")
        #expect(cache.html(key: "a@2", source: "**y**") == "<p><strong>y</strong></p>\n")
    }

    @Test func themeStylesheetDeclaresTheVariables() {
        let css = ThemeStylesheet.css(colors: [("--section-header", "#F8F8F8"), ("--text-link", "rgba(0,0,0,0.5)")],
                                      fonts: ("Roboto", "Roboto Mono", "Lato"))
        #expect(css == ":root{--section-header:#F8F8F8;--text-link:rgba(0,0,0,0.5);--font-base:\"Roboto\";--font-code:\"Roboto Mono\";--font-headings:\"Lato\"}\n")
    }
}
