@testable import Templates
import Testing

/// The models' `value(named:)` must name every stored property (templates would silently render
/// nothing for a forgotten one) and give the same value `Mirror` sees (which swift-mustache reads when
/// it renders a portal's templates).
@Suite struct TemplateObjectTests {
    static let option = FormField.Option(value: "v", label: "l", selected: true)
    static let field = FormField("email", id: "e", label: "Email", value: "a@b", error: "bad", hint: "h", required: true, autocomplete: "email", options: [option])
    static let form = Form(id: "f", heading: "H", action: "/x", fields: [field], hidden: [("next", "/")], submit: "Go", error: "e", danger: true)
    static let property = APIReference.Property(name: "p", type: "string", required: true, description: "d", children: [])
    static let body = APIReference.Body(label: "200", contentType: "application/json", description: "ok", type: "object", properties: [property], example: "{}")
    static let operation = APIReference.Operation(anchor: "a", method: "GET", path: "/x", summary: "s", description: "d", deprecated: false,
                                                  parameters: [property], requestBody: body, responses: [body])
    static let reference = APIReference(title: "t", version: "1", description: "d", servers: ["https://x"],
                                        tags: [APIReference.Tag(name: "n", description: "d", operations: [operation])])
    static let item = CatalogItem(id: "i", productName: "P", versionName: "v1", description: "d", deprecated: false, registrationOpen: true)
    static let row = ListRow(id: "r", title: "t", href: "/h", detail: "d", status: "pending", deleteAction: "/del")

    static let samples: [any TemplateObject] = [
        Chrome(portalName: "P", title: "T", developer: "d@x", csrfToken: "c", path: "/", scheme: "dark", notice: "n"),
        SitePage("home", chrome: Chrome(portalName: "P", title: "T"), content: ErrorContent(status: 404, title: "t", message: "m")),
        field, option, form, FormsPage(heading: "h", intro: "i", forms: [form], links: [Link("/a", "b")]), Link("/a", "b"), Fact("l", "v"),
        HomeContent(baseURL: "https://x", catalogHeader: "h", catalogWelcome: "w", hasCover: true, loggedIn: true),
        ErrorContent(status: 404, title: "t", message: "m"), CustomPageContent(title: "t", html: "<p>"), item,
        CatalogContent(query: "q", items: [item], header: "h", welcome: "w"), reference, property, body, operation,
        APIReference.Tag(name: "n", description: "d", operations: [operation]),
        ProductContent(item: item, reference: reference, referenceProblem: "p", loggedIn: true), row,
        DashboardContent(email: "e", name: "n", facts: [Fact("a", "b")], applications: [row]), ApplicationsContent(applications: [row]),
        ApplicationContent(id: "i", name: "n", facts: [], registrations: [row], registerForm: form, credentials: [row], credentialForm: form, deleteForm: form),
        SecretContent(heading: "h", facts: [field], secretLabel: "s", secret: "x", backHref: "/", backLabel: "b"),
        CredentialsContent(keys: [row], jwts: [row], keyForm: form, jwtForm: form),
    ]

    @Test(arguments: samples.indices)
    func everyStoredPropertyIsLookedUp(_ index: Int) {
        let sample = Self.samples[index]
        for child in Mirror(reflecting: sample).children {
            guard let label = child.label else { continue }
            let looked = sample.value(named: label)
            let mirrored: Any? = {
                let inner = Mirror(reflecting: child.value)
                if inner.displayStyle == .optional { return inner.children.first?.value }
                return child.value
            }()
            #expect(looked.isMissing == (mirrored == nil), "\(type(of: sample)).\(label)")
            if let mirrored {
                #expect(Self.describe(looked) == String(describing: mirrored), "\(type(of: sample)).\(label)")
            }
        }
    }

    /// A value as `String(describing:)` shows what `Mirror` found.
    static func describe(_ value: TemplateValue) -> String {
        switch value {
        case .missing: "nil"
        case .bool(let flag): String(describing: flag)
        case .text(let text): text
        case .number(let number): String(describing: number)
        case .object(let object): String(describing: object)
        case .list(let items): "[" + items.map { item in
            switch item {
            case .text(let text): String(reflecting: text)
            case .object(let object): String(reflecting: object)
            default: describe(item)
            }
        }.joined(separator: ", ") + "]"
        }
    }
}

extension TemplateValue {
    var isMissing: Bool {
        if case .missing = self { return true }
        return false
    }
}
