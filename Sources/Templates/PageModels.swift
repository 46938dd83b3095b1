/// The values the layout of every page needs: the portal, who is logged in, the form token, the
/// colour scheme and a notice to show. Stored properties only: templates read them by reflection.
public struct Chrome: Sendable {
    public var portalName: String
    /// The portal has a logo (`/assets/logo`): the header shows it, named by `portalName`, instead of the name.
    public var hasLogo: Bool
    /// The page's own title (`<title>{title} · {portal}</title>`).
    public var title: String
    /// The logged-in developer's email; nil when nobody is logged in.
    public var developer: String?
    /// The CSRF token every POST form of the page carries.
    public var csrfToken: String
    /// The request's path, so the colour-scheme switch comes back here.
    public var path: String
    /// `light` or `dark` when the visitor chose one; nil follows the system setting.
    public var scheme: String?
    public var schemeLight: Bool
    public var schemeDark: Bool
    public var schemeAuto: Bool
    /// A one-line message about what just happened (after a redirect).
    public var notice: String?

    public init(portalName: String, title: String, developer: String? = nil, csrfToken: String = "", path: String = "/",
                scheme: String? = nil, notice: String? = nil, hasLogo: Bool = false) {
        self.portalName = portalName
        self.hasLogo = hasLogo
        self.title = title
        self.developer = developer
        self.csrfToken = csrfToken
        self.path = path
        self.scheme = scheme
        self.schemeLight = scheme == "light"
        self.schemeDark = scheme == "dark"
        self.schemeAuto = scheme == nil
        self.notice = notice
    }
}

/// A page: the layout's values and the page's own content, rendered with the template `template`.
public struct SitePage<Content: Sendable>: Sendable {
    public let template: String
    public var chrome: Chrome
    public var content: Content

    public init(_ template: String, chrome: Chrome, content: Content) {
        self.template = template
        self.chrome = chrome
        self.content = content
    }
}

/// One field of a form as the `field` partial renders it: label, input (or select, textarea), the
/// value typed (never a password's), and its error tied to the input for screen readers.
public struct FormField: Sendable {
    public struct Option: Sendable {
        public var value: String
        public var label: String
        public var selected: Bool

        public init(value: String, label: String, selected: Bool = false) {
            self.value = value
            self.label = label
            self.selected = selected
        }
    }

    public var name: String
    /// The element id (the name unless two forms of a page share a field name).
    public var id: String
    public var label: String
    public var type: String
    public var value: String
    public var error: String?
    public var hint: String?
    public var required: Bool
    public var autocomplete: String?
    public var options: [Option]
    public var isInput: Bool
    public var isSelect: Bool
    public var isTextarea: Bool

    public init(_ name: String, id: String? = nil, label: String, type: String = "text", value: String = "", error: String? = nil,
                hint: String? = nil, required: Bool = false, autocomplete: String? = nil, options: [Option] = [], textarea: Bool = false) {
        self.name = name
        self.id = id ?? name
        self.label = label
        self.type = type
        self.value = type == "password" ? "" : value
        self.error = error
        self.hint = hint
        self.required = required
        self.autocomplete = autocomplete
        self.options = options
        self.isSelect = !options.isEmpty
        self.isTextarea = textarea
        self.isInput = options.isEmpty && !textarea
    }
}

/// A form: where it posts, its fields, its button and a form-level error.
public struct Form: Sendable {
    public var id: String
    /// A heading above the form, on pages with several.
    public var heading: String?
    public var action: String
    public var fields: [FormField]
    public var hidden: [FormField]
    public var submit: String
    public var error: String?
    /// A destructive action (drawn as such).
    public var danger: Bool

    public init(id: String, heading: String? = nil, action: String, fields: [FormField], hidden: [(String, String)] = [], submit: String,
                error: String? = nil, danger: Bool = false) {
        self.id = id
        self.heading = heading
        self.action = action
        self.fields = fields
        self.hidden = hidden.map { FormField($0.0, label: "", type: "hidden", value: $0.1) }
        self.submit = submit
        self.error = error
        self.danger = danger
    }
}

/// A page made of a heading, an introduction and forms (log in, sign up, password reset, …).
public struct FormsPage: Sendable {
    public var heading: String
    public var intro: String?
    public var forms: [Form]
    /// Links under the forms (`Forgot your password?`).
    public var links: [Link]

    public init(heading: String, intro: String? = nil, forms: [Form], links: [Link] = []) {
        self.heading = heading
        self.intro = intro
        self.forms = forms
        self.links = links
    }
}

public struct Link: Sendable {
    public var href: String
    public var label: String

    public init(_ href: String, _ label: String) {
        self.href = href
        self.label = label
    }
}

/// A label and value shown in a definition list.
public struct Fact: Sendable {
    public var label: String
    public var value: String

    public init(_ label: String, _ value: String) {
        self.label = label
        self.value = value
    }
}

/// The home page's content.
public struct HomeContent: Sendable {
    public var baseURL: String
    public var catalogHeader: String
    public var catalogWelcome: String
    public var hasCover: Bool
    public var loggedIn: Bool

    public init(baseURL: String, catalogHeader: String, catalogWelcome: String, hasCover: Bool, loggedIn: Bool) {
        self.baseURL = baseURL
        self.catalogHeader = catalogHeader
        self.catalogWelcome = catalogWelcome
        self.hasCover = hasCover
        self.loggedIn = loggedIn
    }
}

/// An error page (404, 500, …).
public struct ErrorContent: Sendable {
    public var status: Int
    public var title: String
    public var message: String

    public init(status: Int, title: String, message: String) {
        self.status = status
        self.title = title
        self.message = message
    }
}

/// A custom page: its title and its markdown rendered to safe HTML.
public struct CustomPageContent: Sendable {
    public var title: String
    public var html: String

    public init(title: String, html: String) {
        self.title = title
        self.html = html
    }
}

/// One product version in the catalog.
public struct CatalogItem: Sendable {
    public var id: String
    public var productName: String
    public var versionName: String
    public var description: String
    public var deprecated: Bool
    public var registrationOpen: Bool

    public init(id: String, productName: String, versionName: String, description: String, deprecated: Bool, registrationOpen: Bool) {
        self.id = id
        self.productName = productName
        self.versionName = versionName
        self.description = description
        self.deprecated = deprecated
        self.registrationOpen = registrationOpen
    }
}

public struct CatalogContent: Sendable {
    public var query: String
    public var hasQuery: Bool
    public var items: [CatalogItem]
    public var empty: Bool
    public var header: String
    public var welcome: String

    public init(query: String, items: [CatalogItem], header: String, welcome: String) {
        self.query = query
        self.hasQuery = !query.isEmpty
        self.items = items
        self.empty = items.isEmpty
        self.header = header
        self.welcome = welcome
    }
}

/// nil for an empty text, so templates can test for it with a section.
func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

/// An API reference rendered on the server from an OpenAPI document.
public struct APIReference: Sendable {
    public struct Property: Sendable {
        public var name: String
        public var type: String
        public var required: Bool
        public var description: String?
        /// Nested properties (objects, arrays of objects), already flattened to a depth.
        public var children: [Property]
        public var hasChildren: Bool

        public init(name: String, type: String, required: Bool, description: String, children: [Property]) {
            self.name = name
            self.type = type
            self.required = required
            self.description = nonEmpty(description)
            self.children = children
            self.hasChildren = !children.isEmpty
        }
    }

    public struct Body: Sendable {
        public var label: String
        public var contentType: String?
        public var description: String
        public var type: String?
        public var properties: [Property]
        public var hasProperties: Bool
        public var example: String?

        public init(label: String, contentType: String, description: String, type: String, properties: [Property], example: String?) {
            self.label = label
            self.contentType = nonEmpty(contentType)
            self.description = description
            self.type = nonEmpty(type)
            self.properties = properties
            self.hasProperties = !properties.isEmpty
            self.example = example
        }
    }

    public struct Operation: Sendable {
        public var anchor: String
        public var method: String
        public var path: String
        public var summary: String?
        public var description: String?
        public var deprecated: Bool
        public var parameters: [Property]
        public var hasParameters: Bool
        public var requestBody: Body?
        public var responses: [Body]

        public init(anchor: String, method: String, path: String, summary: String, description: String, deprecated: Bool,
                    parameters: [Property], requestBody: Body?, responses: [Body]) {
            self.anchor = anchor
            self.method = method
            self.path = path
            self.summary = nonEmpty(summary)
            self.description = nonEmpty(description)
            self.deprecated = deprecated
            self.parameters = parameters
            self.hasParameters = !parameters.isEmpty
            self.requestBody = requestBody
            self.responses = responses
        }
    }

    public struct Tag: Sendable {
        public var name: String
        public var description: String?
        public var operations: [Operation]

        public init(name: String, description: String, operations: [Operation]) {
            self.name = name
            self.description = nonEmpty(description)
            self.operations = operations
        }
    }

    public var title: String
    public var version: String
    public var description: String?
    public var servers: [String]
    public var hasServers: Bool
    public var tags: [Tag]

    public init(title: String, version: String, description: String, servers: [String], tags: [Tag]) {
        self.title = title
        self.version = version
        self.description = nonEmpty(description)
        self.servers = servers
        self.hasServers = !servers.isEmpty
        self.tags = tags
    }
}

public struct ProductContent: Sendable {
    public var item: CatalogItem
    public var reference: APIReference?
    /// Set when the reference could not be read.
    public var referenceProblem: String?
    public var loggedIn: Bool

    public init(item: CatalogItem, reference: APIReference?, referenceProblem: String?, loggedIn: Bool) {
        self.item = item
        self.reference = reference
        self.referenceProblem = referenceProblem
        self.loggedIn = loggedIn
    }
}

/// A row of a list of the developer's things (applications, registrations, credentials).
public struct ListRow: Sendable {
    public var id: String
    public var title: String
    public var href: String?
    public var detail: String?
    public var status: String?
    /// A button that deletes the row, when it can be deleted.
    public var deleteAction: String?

    public init(id: String, title: String, href: String? = nil, detail: String = "", status: String? = nil, deleteAction: String? = nil) {
        self.id = id
        self.title = title
        self.href = href
        self.detail = nonEmpty(detail)
        self.status = status
        self.deleteAction = deleteAction
    }
}

public struct DashboardContent: Sendable {
    public var email: String
    public var name: String?
    public var facts: [Fact]
    public var applications: [ListRow]
    public var hasApplications: Bool

    public init(email: String, name: String, facts: [Fact], applications: [ListRow]) {
        self.email = email
        self.name = nonEmpty(name)
        self.facts = facts
        self.applications = applications
        self.hasApplications = !applications.isEmpty
    }
}

public struct ApplicationsContent: Sendable {
    public var applications: [ListRow]
    public var empty: Bool

    public init(applications: [ListRow]) {
        self.applications = applications
        self.empty = applications.isEmpty
    }
}

public struct ApplicationContent: Sendable {
    public var id: String
    public var name: String
    public var facts: [Fact]
    public var registrations: [ListRow]
    public var hasRegistrations: Bool
    public var registerForm: Form?
    public var credentials: [ListRow]
    public var hasCredentials: Bool
    public var credentialForm: Form
    public var deleteForm: Form

    public init(id: String, name: String, facts: [Fact], registrations: [ListRow], registerForm: Form?, credentials: [ListRow],
                credentialForm: Form, deleteForm: Form) {
        self.id = id
        self.name = name
        self.facts = facts
        self.registrations = registrations
        self.hasRegistrations = !registrations.isEmpty
        self.registerForm = registerForm
        self.credentials = credentials
        self.hasCredentials = !credentials.isEmpty
        self.credentialForm = credentialForm
        self.deleteForm = deleteForm
    }
}

/// A secret shown once, right after it was made, with the values that go with it (each a read-only
/// field with an id, so it can be selected and copied).
public struct SecretContent: Sendable {
    public var heading: String
    public var facts: [FormField]
    public var secretLabel: String
    public var secret: String
    public var backHref: String
    public var backLabel: String

    public init(heading: String, facts: [FormField], secretLabel: String, secret: String, backHref: String, backLabel: String) {
        self.heading = heading
        self.facts = facts
        self.secretLabel = secretLabel
        self.secret = secret
        self.backHref = backHref
        self.backLabel = backLabel
    }
}

public struct CredentialsContent: Sendable {
    public var keys: [ListRow]
    public var hasKeys: Bool
    public var jwts: [ListRow]
    public var hasJWTs: Bool
    public var keyForm: Form
    public var jwtForm: Form

    public init(keys: [ListRow], jwts: [ListRow], keyForm: Form, jwtForm: Form) {
        self.keys = keys
        self.hasKeys = !keys.isEmpty
        self.jwts = jwts
        self.hasJWTs = !jwts.isEmpty
        self.keyForm = keyForm
        self.jwtForm = jwtForm
    }
}
