import Mustache
@testable import Templates
import Testing

/// The compiled templates render exactly what swift-mustache renders (it reads the same models through
/// `Mirror`): the default theme's pages, the mustache features one by one, and thousands of generated
/// templates; what is not compiled falls back to swift-mustache.
@Suite struct CompiledTemplateTests {
    struct Item: TemplateObject {
        var name: String
        var flag: Bool
        var tags: [String]

        func value(named name: String) -> TemplateValue {
            switch name {
            case "name": TemplateValue(self.name)
            case "flag": TemplateValue(flag)
            case "tags": TemplateValue(tags)
            default: .missing
            }
        }
    }

    struct Sample: TemplateObject {
        var name = #"Ada <&> "Lovelace" 'x' · “é”"#
        var empty = ""
        var count = 42
        var yes = true
        var no = false
        var none: String? = nil
        var words = ["alpha", "b<e>ta"]
        var noWords: [String] = []
        var items = [Item(name: "one & only", flag: true, tags: ["t1"]), Item(name: "two", flag: false, tags: [])]
        var child: Item? = Item(name: "kid", flag: true, tags: ["x", "y"])

        func value(named name: String) -> TemplateValue {
            switch name {
            case "name": TemplateValue(self.name)
            case "empty": TemplateValue(empty)
            case "count": TemplateValue(count)
            case "yes": TemplateValue(yes)
            case "no": TemplateValue(no)
            case "none": TemplateValue(none)
            case "words": TemplateValue(words)
            case "noWords": TemplateValue(noWords)
            case "items": TemplateValue(items)
            case "child": TemplateValue(child)
            default: .missing
            }
        }
    }

    /// Renders `main` from `templates` both ways; nil from the compiled side if a template did not compile.
    func renderBoth(_ templates: [String: String], _ object: some TemplateObject = Sample()) throws -> (mustache: String, compiled: String?) {
        var mustache = MustacheLibrary()
        var compiled: [String: CompiledTemplate] = [:]
        var allCompiled = true
        for (name, text) in templates {
            try TemplateNesting.check(text)  // what swift-mustache accepts, the nesting walk accepts too
            mustache.register(try MustacheTemplate(string: text), named: name)
            if let template = try? CompiledTemplate(text) { compiled[name] = template } else { allCompiled = false }
        }
        let expected = mustache.render(object, withTemplate: "main") ?? "<no template>"
        guard allCompiled, let bytes = CompiledLibrary(templates: compiled).render(object, withTemplate: "main") else { return (expected, nil) }
        return (expected, String(decoding: bytes, as: UTF8.self))
    }

    static let features: [(String, [String: String])] = [
        ("escaping", ["main": "{{name}}|{{{name}}}|{{& name}}|{{ count }}|{{yes}}|{{no}}|{{none}}|{{empty}}"]),
        ("sections", ["main": "{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{^no}}!N{{/no}}{{#none}}x{{/none}}{{^none}}!x{{/none}}{{#empty}}[{{.}}]{{/empty}}"]),
        ("lists", ["main": "{{#words}}<{{.}}>{{/words}}{{^noWords}}none{{/noWords}}{{#noWords}}x{{/noWords}}{{^words}}x{{/words}}"]),
        ("objects", ["main": "{{#items}}{{name}}:{{#flag}}on{{/flag}}{{^flag}}off{{/flag}}({{#tags}}{{.}},{{/tags}}){{count}};{{/items}}"]),
        ("dotted names", ["main": "{{child.name}} {{#child}}{{name}} {{.name}} {{.count}} {{count}}{{/child}} {{child.none}} {{items.name}}"]),
        ("standalone lines", ["main": "a\n  {{#yes}}\n  b\n  {{/yes}}\n  {{! comment }}\n{{^no}}\nc\n{{/no}}\r\n  {{#items}}\r\n  - {{name}}\r\n  {{/items}}\r\nend"]),
        ("indented partials", ["main": "<ul>\n  {{>row}}\n  {{>row}} tail\n</ul>\n", "row": "<li>{{name}}</li>\n{{#words}}\n<li>{{.}}</li>\n{{/words}}\n"]),
        ("inheritance", [
            "main": "{{<layout}}\n{{$title}}Hi {{name}}{{/title}}\n{{$body}}\n  <p>{{count}}</p>\n    <p>more</p>\n{{/body}}\n{{/layout}}\n",
            "layout": "<h1>{{$title}}Default{{/title}}</h1>\n<main>\n  {{$body}}nothing{{/body}}\n</main>\n{{$foot}}<footer>{{name}}</footer>{{/foot}}\n",
        ]),
        ("nested inheritance", [
            "main": "{{<middle}}{{$a}}from main{{/a}}{{/middle}}",
            "middle": "{{<base}}{{$a}}from middle{{/a}}{{$b}}b of middle{{/b}}{{/base}}",
            "base": "[{{$a}}a{{/a}}|{{$b}}b{{/b}}]",
        ]),
        ("set delimiters", ["main": "{{=<% %>=}}\n<% name %>{{name}}<%#yes%>y<%/yes%>\n<%={{ }}=%>{{count}}"]),
        ("comments", ["main": "a{{! one }}b{{!\nmulti\nline }}c {{!}}} d"]),
        ("missing partial", ["main": "[{{>nowhere}}]"]),
    ]

    @Test(arguments: features.indices)
    func mustacheFeaturesRenderAsSwiftMustacheDoes(_ index: Int) throws {
        let (feature, templates) = Self.features[index]
        let (expected, compiled) = try renderBoth(templates)
        #expect(compiled == expected, "\(feature)")
    }

    /// A partial that includes itself stops at the depth limit; two copies of itself stop at the budget:
    /// the page renders, finitely, instead of exhausting the worker's stack.
    @Test func recursivePartialsStopAtTheLimits() throws {
        let library = CompiledLibrary(templates: [
            "loop": try CompiledTemplate("[{{>self}}]"), "self": try CompiledTemplate("x{{>self}}"),
            "explode": try CompiledTemplate("[{{>twice}}]"), "twice": try CompiledTemplate("{{>twice}}{{>twice}}"),
        ])
        let looped = try #require(library.render(Sample(), withTemplate: "loop"))
        #expect(String(decoding: looped, as: UTF8.self) == "[" + String(repeating: "x", count: CompiledLibrary.maximumPartialDepth) + "]")
        let exploded = try #require(library.render(Sample(), withTemplate: "explode"))
        #expect(String(decoding: exploded, as: UTF8.self) == "[]")
    }

    @Test func swiftMustacheExtensionsAreNotCompiled() throws {
        for text in ["{{uppercased(name)}}", "{{% CONTENT_TYPE: TEXT }}{{name}}", "{{>*name}}", "a\rb", "a\u{2028}{{name}}"] {
            #expect(throws: CompiledTemplate.NotCompiled.self, "\(text)") { try CompiledTemplate(text) }
        }
    }

    /// A portal template that uses a transform switches the portal to swift-mustache, with the same pages.
    @Test func aPortalUsingSwiftMustacheExtensionsFallsBackToIt() throws {
        let override = try PageRenderer.parse("{{<layout}}{{$body}}<h1>{{uppercased(chrome.portalName)}}</h1>{{/body}}{{/layout}}", name: "home")
        let renderer = try PageRenderer(overrides: ["home": override])
        let defaultRenderer = try PageRenderer()
        #expect(!renderer.isCompiled && defaultRenderer.isCompiled)
        let page = SitePage("home", chrome: Chrome(portalName: "Acme <APIs>", title: "Welcome"),
                            content: HomeContent(baseURL: "https://x", catalogHeader: "h", catalogWelcome: "w", hasCover: false, loggedIn: false))
        let html = try renderer.render(page)
        #expect(html.contains("<h1>ACME &lt;APIS&gt;</h1>") && html.contains("<title>Welcome · Acme &lt;APIs&gt;</title>"))
    }

    /// Every page of the default theme, in several states, byte for byte.
    @Test func defaultThemePagesRenderAsSwiftMustacheDoes() throws {
        let renderer = try PageRenderer()
        #expect(renderer.isCompiled)
        var mustache = MustacheLibrary()
        for (name, text) in DefaultTheme.templates { mustache.register(try MustacheTemplate(string: text), named: name) }
        let samples = TemplateObjectTests.self
        let odd = #"<b>"Tom" & 'Jerry'</b> · “ü”"#
        let chromes = [
            Chrome(portalName: "Acme", title: "T"),
            Chrome(portalName: odd, title: odd, developer: odd, csrfToken: "c&t", path: "/x?a=<b>", scheme: "dark", notice: odd),
        ]
        let facts = [Fact("Email", odd), Fact("Status", "approved")]
        let rows = [ListRow(id: "r1", title: odd, href: "/applications/r1", detail: "d", status: "pending", deleteAction: "/x/delete"), samples.row]
        func check<Content: TemplateObject>(_ template: String, _ content: Content) throws {
            for chrome in chromes {
                let page = SitePage(template, chrome: chrome, content: content)
                let html = try renderer.render(page)
                #expect(html == mustache.render(page, withTemplate: template), "\(template)")
            }
        }
        try check("home", HomeContent(baseURL: "https://x", catalogHeader: odd, catalogWelcome: "w", hasCover: true, loggedIn: true))
        try check("home", HomeContent(baseURL: "https://x", catalogHeader: "h", catalogWelcome: odd, hasCover: false, loggedIn: false))
        try check("forms", FormsPage(heading: odd, intro: odd, forms: [samples.form, Form(id: "g", action: "/g", fields: [], submit: "Go")], links: [Link("/a", odd)]))
        try check("forms", FormsPage(heading: "h", forms: []))
        try check("catalog", CatalogContent(query: odd, items: [samples.item, samples.item], header: "h", welcome: "w"))
        try check("catalog", CatalogContent(query: "", items: [], header: "h", welcome: "w"))
        try check("product", ProductContent(item: samples.item, reference: samples.reference, referenceProblem: nil, loggedIn: true))
        try check("product", ProductContent(item: samples.item, reference: nil, referenceProblem: odd, loggedIn: false))
        try check("error", ErrorContent(status: 404, title: odd, message: odd))
        try check("page", CustomPageContent(title: odd, html: "<h1>Hi</h1>\n<p>x</p>"))
        try check("dashboard", DashboardContent(email: odd, name: odd, facts: facts, applications: rows))
        try check("dashboard", DashboardContent(email: "e", name: "", facts: [], applications: []))
        try check("applications", ApplicationsContent(applications: rows))
        try check("applications", ApplicationsContent(applications: []))
        try check("application", ApplicationContent(id: "a", name: odd, facts: facts, registrations: rows, registerForm: samples.form,
                                                    credentials: rows, credentialForm: samples.form, deleteForm: samples.form))
        try check("application", ApplicationContent(id: "a", name: "n", facts: [], registrations: [], registerForm: nil,
                                                    credentials: [], credentialForm: samples.form, deleteForm: samples.form))
        try check("secret", SecretContent(heading: odd, facts: [samples.field], secretLabel: "s", secret: odd, backHref: "/", backLabel: "b"))
        try check("credentials", CredentialsContent(keys: rows, jwts: rows, keyForm: samples.form, jwtForm: samples.form))
        try check("credentials", CredentialsContent(keys: [], jwts: [], keyForm: samples.form, jwtForm: samples.form))
    }

    /// Random well-nested templates (text, line breaks, indentation, every tag kind) with partials and a
    /// parent with blocks: both renderers give the same text for each.
    @Test func generatedTemplatesRenderAsSwiftMustacheDoes() throws {
        var generator = TemplateGenerator(seed: 0x5EED_CAFE)
        var compared = 0
        for _ in 0..<1500 {
            let templates = generator.library()
            let (expected, compiled) = try renderBoth(templates)
            #expect(compiled == expected, "\(templates)")
            if compiled != expected { break }
            compared += 1
        }
        #expect(compared == 1500)
    }
}

/// Generates templates over `CompiledTemplateTests.Sample`, naming only values that print the same in
/// both renderers (text, numbers, booleans; `.` only where the current value is a text or number).
struct TemplateGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    private mutating func next(_ bound: Int) -> Int {
        // SplitMix64: repeatable across runs and platforms.
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    private mutating func pick(_ choices: [String]) -> String { choices[next(choices.count)] }

    enum Scope { case sample, item, scalar }

    mutating func library() -> [String: String] {
        [
            "main": next(3) == 0 ? "{{<parent}}\n" + blocks() + "{{/parent}}" + pick(["", "\n", " x"]) : body(.sample, depth: 0, partials: true),
            "part": body(.sample, depth: 1, partials: false),
            "parent": body(.sample, depth: 0, partials: true, blocks: true),
        ]
    }

    private mutating func blocks() -> String {
        var text = ""
        for name in ["b1", "b2"] where next(3) != 0 {
            text += pick(["", "  ", "\n"]) + "{{$\(name)}}" + pick(["", "\n"]) + body(.sample, depth: 1, partials: false) + "{{/\(name)}}" + pick(["", "\n", "  \n"])
        }
        return text
    }

    private mutating func body(_ scope: Scope, depth: Int, partials: Bool, blocks: Bool = false) -> String {
        var text = ""
        for _ in 0..<(1 + next(6)) {
            switch next(10) {
            case 0, 1: text += pick(["x", "hello", " ", "  ", "\t", "\n", "\n", "\r\n", "<b>&", "é·"])
            case 2, 3: text += variable(scope)
            case 4: text += pick(["{{! note }}", "{{!\nmulti\n}}", "  {{! standalone }}\n"])
            case 5 where partials: text += pick(["{{>part}}", "  {{>part}}\n", "\t{{>part}}", "{{>missing}}\n"])
            case 6 where blocks: text += pick(["", "  "]) + "{{$" + pick(["b1", "b2", "b3"]) + "}}" + pick(["", "\n"]) + body(scope, depth: depth + 1, partials: false) + "{{/" + "b__}}"
            default:
                guard depth < 3 else { text += variable(scope); continue }
                let (key, inner) = section(scope)
                let opener = pick(["#", "#", "^"])
                // An inverted section over an empty list puts the list in scope: `.` would print it.
                let innerScope = opener == "^" ? (scope == .scalar ? .sample : scope) : inner
                text += pick(["", "  ", "\n"]) + "{{\(opener)\(key)}}" + pick(["", "\n", " "])
                    + body(innerScope, depth: depth + 1, partials: partials)
                    + pick(["", "\n", "  "]) + "{{/\(key)}}" + pick(["", "\n", " \n"])
            }
        }
        // The block's closing tag names the block it opened.
        while let range = text.range(of: "{{/b__}}") {
            let opened = text[..<range.lowerBound].ranges(of: "{{$").last.map { text[$0.upperBound...].prefix(2) } ?? "b1"
            text.replaceSubrange(range, with: "{{/\(opened)}}")
        }
        return text
    }

    private mutating func variable(_ scope: Scope) -> String {
        var names = ["name", "count", "yes", "no", "none", "empty", "child.name", "child.flag", ".name"]
        if scope == .scalar { names.append(".") }
        if scope == .item { names += ["flag", ".flag"] }
        let name = pick(names)
        return pick(["{{\(name)}}", "{{{\(name)}}}", "{{& \(name)}}", "{{ \(name) }}"])
    }

    private mutating func section(_ scope: Scope) -> (String, Scope) {
        var keys: [(String, Scope)] = [("yes", scope), ("no", scope), ("none", scope), ("items", .item), ("words", .scalar),
                                       ("noWords", .scalar), ("child", .item), ("name", .scalar), ("count", .scalar)]
        if scope == .item { keys += [("flag", .item), ("tags", .scalar)] }
        return keys[next(keys.count)]
    }
}
