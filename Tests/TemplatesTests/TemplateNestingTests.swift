import Testing
@testable import Templates

/// Deeply nested sections are refused before any recursive parser sees them (1,000 levels overflowed a
/// worker thread's stack inside swift-mustache); the walk reads tags as swift-mustache does.
@Suite struct TemplateNestingTests {
    func nested(_ depth: Int, open: String = "{{#a}}", close: String = "{{/a}}") -> String {
        String(repeating: open, count: depth) + "x" + String(repeating: close, count: depth)
    }

    func refusal(_ text: String) -> String? {
        do {
            _ = try PageRenderer.parse(text, name: "home")
            return nil
        } catch {
            return error.description
        }
    }

    @Test func deepNestingIsRefusedNotOverflowed() {
        #expect(refusal(nested(TemplateNesting.maximumDepth)) == nil)
        #expect(refusal(nested(TemplateNesting.maximumDepth + 1)) == "template home nests sections more than 32 deep")
        #expect(refusal(nested(100_000)) == "template home nests sections more than 32 deep")
        // Every kind of opening counts: inverted sections, blocks, parents.
        #expect(refusal(nested(40, open: "{{^a}}")) != nil)
        #expect(refusal(nested(40, open: "{{$a}}")) != nil)
        #expect(refusal(nested(40, open: "{{<a}}")) != nil)
    }

    @Test func changedDelimitersAreFollowed() {
        let deep = "{{=<% %>=}}" + nested(40, open: "<%#a%>", close: "<%/a%>")
        #expect(refusal(deep) == "template home nests sections more than 32 deep")
        // swift-mustache's delimiters revert when the section that changed them closes.
        let reverted = "{{#s}}{{=<% %>=}}<%/s%>" + nested(40)
        #expect(refusal(reverted) == "template home nests sections more than 32 deep")
        #expect(refusal("{{#s}}{{=<% %>=}}<%x%><%/s%>{{y}}") == nil)
    }

    @Test func onlyRealTagsCount() {
        // Tags inside a comment are text; 40 of them open nothing.
        #expect(refusal(String(repeating: "{{! {{#a}} }}", count: 40)) == nil)
        // A character that joins the brace into another grapheme hides a closing tag from swift-mustache,
        // so it cannot hide one from the walk either.
        let fakeCloses = String(repeating: "{{#a}}\u{0600}{{/a}}", count: 40)
        #expect(refusal(fakeCloses) != nil)
        // Names cannot hold braces: a closing tag smuggled into an opening tag's name is malformed.
        #expect(refusal(String(repeating: "{{#a{{/a}}", count: 40)) != nil)
    }

    @Test func theDefaultThemeIsWithinTheLimit() throws {
        let templates = PageRenderer.defaultThemeFiles.filter { $0.path.hasSuffix(".mustache") }
        #expect(templates.count > 5)
        for template in templates { try TemplateNesting.check(template.contents) }
    }
}
