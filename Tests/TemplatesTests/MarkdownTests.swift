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

    @Test func cacheComputesOncePerKey() {
        let cache = BoundedCache<String>(capacity: 2)
        #expect(cache.value(for: "a@1") { Markdown.html("*x*") } == "<p><em>x</em></p>\n")
        // Same key: the stored value, whatever the source says now.
        #expect(cache.value(for: "a@1") { Markdown.html("**y**") } == "<p><em>x</em></p>\n")
        #expect(cache.value(for: "a@2") { Markdown.html("**y**") } == "<p><strong>y</strong></p>\n")
        // Full: it starts over rather than growing.
        #expect(cache.value(for: "b") { "b" } == "b")
        #expect(cache.value(for: "a@1") { "again" } == "again")
    }

    @Test func themeStylesheetDeclaresBothSchemesAndKeepsReadableColours() {
        let css = ThemeStylesheet.css(
            light: [("--section-body", "#FFFFFF"), ("--text-primary", "rgba(0,0,0,0.8)"), ("--text-link", "#07A88D")],
            dark: [("--section-body", "#0C0C0C"), ("--text-primary", "#C8C8C9")], fonts: ("Roboto", "Roboto Mono", "Lato"))
        #expect(css.hasPrefix(":root{--section-body:#FFFFFF;--text-primary:rgba(0,0,0,0.8);--text-link:#"))
        #expect(!css.contains("--text-link:#07A88D"), "3:1 on white is below WCAG AA: darkened")
        #expect(css.contains("--font-base:\"Roboto\""))
        #expect(css.contains(":root[data-scheme=dark]{--section-body:#0C0C0C;--text-primary:#C8C8C9"))
        #expect(css.contains("@media (prefers-color-scheme:dark){:root:not([data-scheme=light]){"))
    }

    @Test func contrastFollowsWCAG() throws {
        let white = try #require(RGBA(css: "#fff")), black = try #require(RGBA(css: "rgb(0 0 0)"))
        #expect(abs(RGBA.contrast(white, black) - 21) < 0.01)
        let teal = try #require(RGBA(css: "#07A88D"))
        #expect(RGBA.contrast(teal, white) < 4.5)
        #expect(RGBA.contrast(try #require(RGBA.readable(teal, on: [white])), white) >= 4.5)
        // White on the teal footer (3:1) becomes readable, one way or the other.
        let footer = ThemeStylesheet.readable([("--section-footer", "#07A88D"), ("--text-footer", "#FFFFFF")])
        let (ground, text) = (try #require(RGBA(css: footer[0].value)), try #require(RGBA(css: footer[1].value)))
        #expect(RGBA.contrast(text, ground) >= 4.5)
        #expect(RGBA(css: "hsl(0, 100%, 50%)")?.hex == "#ff0000")
        #expect(RGBA(css: "rgba(0,0,0,0.5)")?.over(white).hex == "#808080")
        #expect(RGBA(css: "url(x)") == nil)
    }
}
