@testable import Templates
import Testing

/// `PageRenderer` and the default theme: every template parses, every partial or parent a template
/// names exists (a missing one would render as empty text), values are HTML-escaped, pages extend `layout`.
@Suite struct PageRendererTests {
    func home(_ name: String = "Acme APIs", developer: String? = nil, header: String = "All our APIs", welcome: String = "Welcome") -> SitePage<HomeContent> {
        SitePage("home", chrome: Chrome(portalName: name, title: "Welcome", developer: developer, csrfToken: "tok"),
                 content: HomeContent(baseURL: "https://dev.acme.test", catalogHeader: header, catalogWelcome: welcome, hasCover: false, loggedIn: developer != nil))
    }

    @Test func everyTemplateParses() throws {
        let renderer = try PageRenderer()
        #expect(renderer.templateNames == DefaultTheme.templates.keys.sorted())
        #expect(renderer.templateNames.contains("layout") && renderer.templateNames.contains("form"))
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
            let triples = text.matches(of: /\{\{\{\s*([A-Za-z.]+)\s*\}\}\}/).map { String($0.output.1) }
            #expect(triples == (name == "page" ? ["content.html"] : []), "\(name) uses {{{…}}} for \(triples)")
            #expect(!text.contains("{{&"), "\(name) uses {{&…}}")
        }
    }

    @Test func layoutShowsThePortalAndTheVisitorsNavigation() throws {
        let out = try PageRenderer().render(home())
        #expect(out.hasPrefix("<!doctype html>"))
        #expect(out.contains("<title>Welcome · Acme APIs</title>"))
        #expect(out.contains(##"<a class="skip" href="#main">"##) && out.contains(#"<main id="main">"#))
        #expect(out.contains(#"<a href="/login">Log in</a>"#) && !out.contains(#"action="/logout""#))
        let member = try PageRenderer().render(home(developer: "ada@example.com"))
        #expect(member.contains(#"<a href="/dashboard">Dashboard</a>"#) && member.contains(#"action="/logout""#))
        #expect(member.contains(#"name="csrf_token" value="tok""#))
        #expect(!out.contains("{{"))
    }

    @Test func valuesAreHTMLEscaped() throws {
        let out = try PageRenderer().render(home("<script>alert('x')</script> & Co", header: #""><img src=x>"#))
        #expect(out.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co"))
        #expect(out.contains("&quot;&gt;&lt;img src=x&gt;"))
        #expect(!out.contains("<script>") && !out.contains("<img"))
    }

    @Test func formsTieErrorsToTheirFields() throws {
        let form = Form(id: "login-form", action: "/login", fields: [
            FormField("email", label: "Email", value: "a@b", error: "Required field missing."),
            FormField("password", label: "Password", type: "password", value: "secret"),
        ], hidden: [("next", "/x")], submit: "Log in", error: "Nope")
        let out = try PageRenderer().render(SitePage("forms", chrome: Chrome(portalName: "P", title: "Log in", csrfToken: "tok"),
                                                     content: FormsPage(heading: "Log in", forms: [form])))
        #expect(out.contains(#"<input id="email" name="email" type="text" value="a@b" aria-invalid="true" aria-describedby="email-error">"#))
        #expect(out.contains(#"<p class="field-error" id="email-error">Required field missing.</p>"#))
        // A field without an error does not pick up the form's error, and a password is never echoed.
        #expect(out.contains(#"<input id="password" name="password" type="password" value="">"#))
        #expect(out.contains(#"<p class="form-error" role="alert">Nope</p>"#))
        #expect(out.contains(#"<input type="hidden" name="next" value="/x">"#))
    }

    @Test func customPageRendersMarkdownHTML() throws {
        let out = try PageRenderer().render(SitePage("page", chrome: Chrome(portalName: "Acme", title: "Getting <started>"),
                                                     content: CustomPageContent(title: "x", html: Markdown.html("# Hi\n\n**bold**"))))
        #expect(out.contains("<title>Getting &lt;started&gt; · Acme</title>"))
        #expect(out.contains("<h1>Hi</h1>") && out.contains("<strong>bold</strong>"))
    }

    @Test func errorPageEscapesItsMessage() throws {
        let out = try PageRenderer().render(SitePage("error", chrome: Chrome(portalName: "Acme", title: "Bad Request"),
                                                     content: ErrorContent(status: 400, title: "Bad Request", message: "<b>bad</b>")))
        #expect(out.contains("<h1>400 · Bad Request</h1>") && out.contains("<p>&lt;b&gt;bad&lt;/b&gt;</p>"))
    }
}
