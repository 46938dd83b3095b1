import Foundation
import Storage
import Templates

/// The logged-in developer's pages: dashboard, applications (with their registrations and client
/// credentials), API keys and JWT credentials, and the profile. Without a session each redirects to
/// the login page, which comes back here.
enum DeveloperPages {
    static func register(on router: inout Router) {
        router.add("GET", "/dashboard", dashboard)
        router.add("GET", "/applications", applications)
        router.add("GET", "/applications/new", newApplication)
        router.add("POST", "/applications", createApplication)
        router.add("GET", "/applications/{id}", application)
        router.add("POST", "/applications/{id}", updateApplication)
        router.add("GET", "/applications/{id}/edit", editApplication)
        router.add("POST", "/applications/{id}/delete", deleteApplication)
        router.add("POST", "/applications/{id}/registrations", registerApplication)
        router.add("POST", "/applications/{id}/credentials", createApplicationCredential)
        router.add("POST", "/applications/{id}/credentials/{credentialId}/delete", deleteApplicationCredential)
        router.add("GET", "/credentials", credentials)
        router.add("POST", "/credentials/key-auth", createKey)
        router.add("POST", "/credentials/jwt", createJWT)
        router.add("POST", "/credentials/jwt/{credentialId}/delete", deleteJWT)
        router.add("GET", "/profile", profile)
        router.add("POST", "/profile/meta", updateMeta)
        router.add("POST", "/profile/email", updateEmail)
        router.add("POST", "/profile/password", updatePassword)
        router.add("POST", "/profile/delete", deleteAccount)
    }

    // MARK: Dashboard

    static func dashboard(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        let apps = try context.services.applications.page(developerID: developer.id, portalID: context.portal.id, PageRequest(size: 100))
        let keys = try context.services.credentials.keyAuthCount(developerID: developer.id, portalID: context.portal.id)
        // Totals, not the lengths of the pages (which stop at 100).
        let facts = [
            Fact("Applications", String(apps.total)), Fact("API keys", String(keys)),
            Fact("Member since", memberSince(developer.createdAt)),
        ]
        return try visit.render("dashboard", title: "Dashboard", DashboardContent(
            email: developer.email, name: fullName(developer), facts: facts,
            applications: apps.items.map { ListRow(id: $0.id, title: $0.name, href: "/applications/\($0.id)", detail: $0.redirectURI) }))
    }

    // MARK: Applications

    static func applications(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        let apps = try context.services.applications.page(developerID: developer.id, portalID: context.portal.id, PageRequest(size: 100))
        return try visit.render("applications", title: "Applications", ApplicationsContent(
            applications: apps.items.map { ListRow(id: $0.id, title: $0.name, href: "/applications/\($0.id)", detail: $0.redirectURI) }))
    }

    static func newApplication(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        _ = try visit.requireDeveloper()
        return try applicationForm(visit, action: "/applications", heading: "New application", name: "", redirectURI: "", refusal: nil)
    }

    static func createApplication(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        _ = try visit.requireDeveloper()
        let form = try visit.checkedForm()
        let fields = [("name", form["name"] ?? ""), ("redirect_uri", form["redirect_uri"] ?? "")]
        switch try visit.callAPI(Applications.create, method: "POST", form: fields) {
        case .success(let reply):
            return visit.redirect("/applications/\(reply.json?["id"]?.stringValue ?? "")")
        case .failure(let refusal):
            return try applicationForm(visit, action: "/applications", heading: "New application", name: form["name"] ?? "",
                                       redirectURI: form["redirect_uri"] ?? "", refusal: refusal)
        }
    }

    static func editApplication(_ request: Request, _ context: RequestContext) throws -> Response {
        let (visit, app) = try owned(request, context)
        return try applicationForm(visit, action: "/applications/\(app.id)", heading: "Edit \(app.name)", name: app.name, redirectURI: app.redirectURI, refusal: nil)
    }

    static func updateApplication(_ request: Request, _ context: RequestContext) throws -> Response {
        let (visit, app) = try owned(request, context)
        let form = try visit.checkedForm()
        let fields = [("name", form["name"] ?? ""), ("redirect_uri", form["redirect_uri"] ?? "")]
        switch try visit.callAPI(Applications.update, method: "PATCH", parameters: ["id": app.id], form: fields) {
        case .success: return visit.redirect("/applications/\(app.id)?notice=saved")
        case .failure(let refusal):
            return try applicationForm(visit, action: "/applications/\(app.id)", heading: "Edit \(app.name)", name: form["name"] ?? "",
                                       redirectURI: form["redirect_uri"] ?? "", refusal: refusal)
        }
    }

    private static func applicationForm(
        _ visit: PageVisit, action: String, heading: String, name: String, redirectURI: String, refusal: PageVisit.Refusal?
    ) throws -> Response {
        let errors = refusal?.fields ?? [:]
        let form = Form(id: "application-form", action: action, fields: [
            FormField("name", label: "Name", value: name, error: errors["name"], required: true),
            FormField("redirect_uri", label: "Redirect URI", type: "url", value: redirectURI, error: errors["redirect_uri"] ?? errors["request_uri"],
                      hint: "Where OAuth2 sends your users back, e.g. https://app.example.com/callback", required: true),
        ], submit: "Save", error: refusal.map { $0.fields.isEmpty ? $0.message : "Please correct the fields marked below." })
        return try visit.render("forms", title: heading, FormsPage(heading: heading, forms: [form], links: [Link("/applications", "Back to applications")]),
                                status: refusal?.status ?? 200)
    }

    static func application(_ request: Request, _ context: RequestContext) throws -> Response {
        let (visit, app) = try owned(request, context)
        return try applicationPage(visit, app, registerError: nil, status: 200)
    }

    private static func applicationPage(_ visit: PageVisit, _ app: DeveloperApplication, registerError: String?, status: Int) throws -> Response {
        let services = visit.services
        let portal = visit.portal
        let registrations = try services.applications.registrations(applicationID: app.id, portalID: portal.id, PageRequest(size: 100))
        let services_ = try services.catalog.applicationServices(
            portalID: portal.id, visibleTo: portal.rbacEnabled ? app.developerID : nil, PageRequest(size: 100))
        let names = Dictionary(services_.items.map { ($0.id, ($0.productName, $0.versionName)) }, uniquingKeysWith: { a, _ in a })
        let registered = Set(registrations.items.map(\.productVersionID))
        let rows = try registrations.items.map { registration -> ListRow in
            var name = names[registration.productVersionID]
            if name == nil, let version = try services.catalog.applicationService(id: registration.productVersionID, portalID: portal.id) {
                name = (version.productName, version.versionName)
            }
            return ListRow(id: registration.id, title: name?.0 ?? "Unlisted API", detail: name?.1 ?? "", status: registration.status.rawValue)
        }
        let open = services_.items.filter { !registered.contains($0.id) }
        let registerForm = open.isEmpty ? nil : Form(
            id: "register-service-form", action: "/applications/\(app.id)/registrations",
            fields: [FormField("service_id", label: "Register to an API", error: registerError,
                               options: open.map { FormField.Option(value: $0.id, label: "\($0.productName) \($0.versionName)") })],
            submit: "Request access")
        let credentials = try services.applications.credentials(applicationID: app.id, portalID: portal.id, PageRequest(size: 100))
        return try visit.render("application", title: app.name, ApplicationContent(
            id: app.id, name: app.name,
            facts: [Fact("Redirect URI", app.redirectURI), Fact("Created", memberSince(app.createdAt))],
            registrations: rows, registerForm: registerForm,
            credentials: credentials.items.map {
                ListRow(id: $0.id, title: "Client \($0.clientID)", detail: "Created \(memberSince($0.createdAt))",
                        deleteAction: "/applications/\(app.id)/credentials/\($0.id)/delete")
            },
            credentialForm: Form(id: "app-credential-form", action: "/applications/\(app.id)/credentials", fields: [], submit: "Create client credentials"),
            deleteForm: Form(id: "delete-application-form", action: "/applications/\(app.id)/delete", fields: [],
                             submit: "Delete this application", danger: true)), status: status)
    }

    static func deleteApplication(_ request: Request, _ context: RequestContext) throws -> Response {
        let (visit, app) = try owned(request, context)
        _ = try visit.checkedForm()
        _ = try visit.callAPI(Applications.delete, method: "DELETE", parameters: ["id": app.id])
        return visit.redirect("/applications?notice=deleted")
    }

    static func registerApplication(_ request: Request, _ context: RequestContext) throws -> Response {
        let (visit, app) = try owned(request, context)
        let form = try visit.checkedForm()
        switch try visit.callAPI(ApplicationInstances.create, method: "POST", parameters: ["id": app.id],
                                 form: [(ApplicationInstances.serviceField, form["service_id"] ?? "")]) {
        case .success: return visit.redirect("/applications/\(app.id)?notice=registration-requested")
        case .failure(let refusal):
            return try applicationPage(visit, app, registerError: refusal.fields.values.first ?? refusal.message, status: refusal.status)
        }
    }

    /// New OAuth2 client credentials: the secret is shown on this one reply (no redirect) and never again.
    static func createApplicationCredential(_ request: Request, _ context: RequestContext) throws -> Response {
        let (visit, app) = try owned(request, context)
        _ = try visit.checkedForm()
        switch try visit.callAPI(ApplicationCredentials.create, method: "POST", parameters: ["id": app.id]) {
        case .success(let reply):
            return try visit.render("secret", title: "New client credentials", SecretContent(
                heading: "Client credentials for \(app.name)",
                facts: [FormField("client_id", id: "client-id", label: "Client ID", value: reply.json?["client_id"]?.stringValue ?? "")],
                secretLabel: "Client secret", secret: reply.json?["client_secret"]?.stringValue ?? "",
                backHref: "/applications/\(app.id)", backLabel: "Back to \(app.name)"))
        case .failure(let refusal):
            return try applicationPage(visit, app, registerError: nil, status: refusal.status)
        }
    }

    static func deleteApplicationCredential(_ request: Request, _ context: RequestContext) throws -> Response {
        let (visit, app) = try owned(request, context)
        _ = try visit.checkedForm()
        _ = try visit.callAPI(ApplicationCredentials.delete, method: "DELETE",
                              parameters: ["id": app.id, "credential": request.parameters["credentialId"] ?? ""])
        return visit.redirect("/applications/\(app.id)?notice=credential-deleted")
    }

    /// The visit and its developer's application named by the path; 404 for anyone else's.
    private static func owned(_ request: Request, _ context: RequestContext) throws -> (PageVisit, DeveloperApplication) {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        guard let id = request.parameters["id"],
              let app = try context.services.applications.find(id: id, developerID: developer.id, portalID: context.portal.id)
        else { throw HTTPError(404, "There is no such application.") }
        return (visit, app)
    }

    // MARK: Credentials

    static func credentials(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        return try credentialsPage(visit, jwtRefusal: nil, jwtValues: [:])
    }

    private static func credentialsPage(_ visit: PageVisit, jwtRefusal: PageVisit.Refusal?, jwtValues: [String: String]) throws -> Response {
        let developer = try visit.requireDeveloper()
        let services = visit.services
        let keys = try services.credentials.keyAuthPage(developerID: developer.id, portalID: visit.portal.id, PageRequest(size: 100))
        let jwts = try services.credentials.jwtPage(developerID: developer.id, portalID: visit.portal.id, PageRequest(size: 100))
        let errors = jwtRefusal?.fields ?? [:]
        let algorithms = JWTCredential.Algorithm.allCases.map(\.rawValue)
        let jwtForm = Form(id: "jwt-form", action: "/credentials/jwt", fields: [
            FormField("key", label: "Key (the iss claim)", value: jwtValues["key"] ?? "", error: errors["key"], hint: "Leave empty to have one made for you."),
            FormField("algorithm", label: "Algorithm", error: errors["algorithm"],
                      options: algorithms.map { FormField.Option(value: $0, label: $0, selected: $0 == (jwtValues["algorithm"] ?? "HS256")) }),
            FormField("secret", label: "Secret (HS algorithms)", type: "password", error: errors["secret"],
                      hint: "Leave empty to have a strong one made for you. It is shown once, after you create the credential.",
                      autocomplete: "off"),
            FormField("rsa_public_key", label: "Public key (RS and ES algorithms, PEM)", value: jwtValues["rsa_public_key"] ?? "",
                      error: errors["rsa_public_key"], hint: "Required for \(publicKeyAlgorithms): the PEM public key your tokens are verified with.",
                      textarea: true),
        ], submit: "Create JWT credential", error: jwtRefusal.map { $0.fields.isEmpty ? $0.message : "Please correct the fields marked below." })
        return try visit.render("credentials", title: "Credentials", CredentialsContent(
            keys: keys.items.map {
                // Seed 000 has no way to delete a key-auth credential.
                ListRow(id: $0.id, title: masked($0.key), detail: "Created \(memberSince($0.createdAt))")
            },
            jwts: jwts.items.map {
                ListRow(id: $0.id, title: $0.key, detail: $0.algorithm.rawValue, deleteAction: "/credentials/jwt/\($0.id)/delete")
            },
            keyForm: Form(id: "key-auth-form", action: "/credentials/key-auth", fields: [], submit: "Create an API key"),
            jwtForm: jwtForm), status: jwtRefusal?.status ?? 200)
    }

    /// A new API key, shown once on this reply; the list shows keys masked afterwards.
    static func createKey(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        _ = try visit.requireDeveloper()
        _ = try visit.checkedForm()
        switch try visit.callAPI(KeyAuthCredentials.create, method: "POST") {
        case .success(let reply):
            return try visit.render("secret", title: "New API key", SecretContent(
                heading: "Your new API key", facts: [], secretLabel: "API key", secret: reply.json?["key"]?.stringValue ?? "",
                backHref: "/credentials", backLabel: "Back to credentials"))
        case .failure(let refusal):
            return try credentialsPage(visit, jwtRefusal: refusal, jwtValues: [:])
        }
    }

    /// The algorithms whose tokens are verified with a public key (`RS256, RS384, RS512 and ES256`).
    static var publicKeyAlgorithms: String {
        let names = JWTCredential.Algorithm.allCases.filter(\.usesPublicKey).map(\.rawValue)
        return names.count > 1 ? names.dropLast().joined(separator: ", ") + " and " + (names.last ?? "") : names.joined()
    }

    /// Random bytes of a key and of a secret the page makes when the field is left empty (an HS512 key
    /// wants 64 bytes; 32 random bytes is what every other generated secret here has).
    static let generatedJWTKeyBytes = 16
    static let generatedJWTSecretBytes = 32

    /// The developer API needs `key`, `secret` and `algorithm`; the page fills in a random key and secret
    /// where the field was left empty (an RS/ES credential gets one too: the API requires it, the gateway
    /// ignores it). An HS credential's secret is then shown on this one reply, like a new API key.
    static func createJWT(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        _ = try visit.requireDeveloper()
        let form = try visit.checkedForm()
        let algorithmName = form["algorithm"] ?? "HS256"
        let algorithm = JWTCredential.Algorithm(rawValue: algorithmName)
        func given(_ name: String) -> String? {
            guard let value = form[name], !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return nil }
            return value
        }
        let values = ["key": form["key"] ?? "", "algorithm": algorithmName, "rsa_public_key": form["rsa_public_key"] ?? ""]
        if let algorithm, algorithm.usesPublicKey, given("rsa_public_key") == nil {
            let refusal = PageVisit.Refusal(.invalid([
                ("rsa_public_key", .string("\(algorithm.rawValue) tokens are verified with your public key: paste it here (PEM)")),
            ]))
            return try credentialsPage(visit, jwtRefusal: refusal, jwtValues: values)
        }
        let key = given("key") ?? SecretToken.generate(byteCount: generatedJWTKeyBytes)
        let secret = given("secret") ?? SecretToken.generate(byteCount: generatedJWTSecretBytes)
        var fields: [(String, String)] = [("algorithm", algorithmName), ("key", key), ("secret", secret)]
        if let publicKey = given("rsa_public_key") { fields.append(("rsa_public_key", publicKey)) }
        switch try visit.callAPI(JWTCredentials.create, method: "POST", form: fields) {
        case .success(let reply):
            guard algorithm?.usesPublicKey == false else { return visit.redirect("/credentials?notice=jwt-created") }
            return try visit.render("secret", title: "New JWT credential", SecretContent(
                heading: "Your new JWT credential",
                facts: [
                    FormField("key", id: "jwt-key", label: "Key (the iss claim)", value: reply.json?["key"]?.stringValue ?? key),
                    FormField("algorithm", id: "jwt-algorithm", label: "Algorithm", value: reply.json?["algorithm"]?.stringValue ?? algorithmName),
                ],
                secretLabel: "Secret", secret: reply.json?["secret"]?.stringValue ?? secret,
                backHref: "/credentials", backLabel: "Back to credentials"))
        case .failure(let refusal):
            return try credentialsPage(visit, jwtRefusal: refusal, jwtValues: values)
        }
    }

    static func deleteJWT(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        _ = try visit.requireDeveloper()
        _ = try visit.checkedForm()
        _ = try visit.callAPI(JWTCredentials.delete, method: "DELETE", parameters: ["id": request.parameters["credentialId"] ?? ""])
        return visit.redirect("/credentials?notice=credential-deleted")
    }

    /// The first and last characters of a key, so the owner can tell keys apart.
    static func masked(_ key: String) -> String {
        guard key.count > 8 else { return String(repeating: "•", count: key.count) }
        return String(key.prefix(4)) + "••••••••" + String(key.suffix(4))
    }

    // MARK: Profile

    static func profile(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        return try profilePage(visit, developer, failed: nil, values: [:])
    }

    private enum ProfileForm { case meta, email, password, delete }

    private static func profilePage(_ visit: PageVisit, _ developer: Developer, failed: (ProfileForm, PageVisit.Refusal)?, values: [String: String]) throws -> Response {
        func errors(_ form: ProfileForm) -> [String: String] { failed?.0 == form ? failed?.1.fields ?? [:] : [:] }
        func formError(_ form: ProfileForm) -> String? {
            guard let (which, refusal) = failed, which == form else { return nil }
            return refusal.fields.isEmpty ? refusal.message : "Please correct the fields marked below."
        }
        var stored: [String: String] = [:]
        if case .object(let members)? = try? JSON.parse(developer.meta) {
            for (key, value) in members { stored[key] = value.stringValue ?? value.text }
        }
        let metaErrors = errors(.meta)
        let metaFields = MetaField.of(visit.portal).map { field in
            let name = "meta.\(field.title)"
            return FormField(name, label: field.label, value: values[name] ?? stored[field.title] ?? "",
                             error: metaErrors[name] ?? (field.required ? metaErrors["meta"] : nil), required: field.required)
        }
        let forms = [
            Form(id: "meta-form", heading: "Your details", action: "/profile/meta", fields: metaFields, submit: "Save profile", error: formError(.meta)),
            Form(id: "email-form", heading: "Email address", action: "/profile/email", fields: [
                FormField("email", label: "New email address", value: values["email"] ?? developer.email, error: errors(.email)["email"], autocomplete: "email"),
                FormField("password", id: "email-password", label: "Current password", type: "password", error: errors(.email)["password"],
                          autocomplete: "current-password"),
            ], submit: "Change email", error: formError(.email)),
            Form(id: "password-form", heading: "Password", action: "/profile/password", fields: [
                FormField("old_password", label: "Current password", type: "password", error: errors(.password)["old_password"], autocomplete: "current-password"),
                FormField("new_password", label: "New password", type: "password", error: errors(.password)["password"],
                          hint: "At least \(PasswordPolicy.minimumLength) characters.", autocomplete: "new-password"),
            ], submit: "Change password", error: formError(.password)),
            Form(id: "delete-form", heading: "Delete your account", action: "/profile/delete", fields: [
                FormField("password", id: "delete-password", label: "Current password", type: "password", error: errors(.delete)["password"],
                          autocomplete: "current-password"),
            ], submit: "Delete my account", error: formError(.delete), danger: true),
        ]
        return try visit.render("forms", title: "Profile", FormsPage(
            heading: "Profile", intro: "Logged in as \(developer.email).", forms: forms), status: failed?.1.status ?? 200)
    }

    static func updateMeta(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        let form = try visit.checkedForm()
        var meta: [(String, JSON)] = []
        var values: [String: String] = [:]
        for field in MetaField.of(context.portal) {
            let value = form["meta.\(field.title)"] ?? ""
            values["meta.\(field.title)"] = value
            meta.append((field.title, value.isEmpty ? .null : .string(value)))
        }
        switch try visit.callAPI(DeveloperResource.updateMeta, method: "PATCH", form: [("meta", JSON.object(meta.filter { $0.1 != .null }).text)]) {
        case .success: return visit.redirect("/profile?notice=saved")
        case .failure(let refusal): return try profilePage(visit, developer, failed: (.meta, refusal), values: values)
        }
    }

    static func updateEmail(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        let form = try visit.checkedForm()
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        switch try visit.callAPI(DeveloperResource.updateEmail, method: "PATCH", form: [("email", email), ("password", form["password"] ?? "")]) {
        case .success:
            return visit.redirect(context.portal.emailVerification ? "/profile?notice=email-change" : "/profile?notice=saved")
        case .failure(var refusal):
            if refusal.message == "Password is invalid" { refusal.fields["password"] = "The password is not right." }
            return try profilePage(visit, developer, failed: (.email, refusal), values: ["email": email])
        }
    }

    /// Changing the password ends every other session; this browser gets the fresh one.
    static func updatePassword(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        let form = try visit.checkedForm()
        switch try visit.callAPI(DeveloperResource.updatePassword, method: "PATCH",
                                 form: [("old_password", form["old_password"] ?? ""), ("password", form["new_password"] ?? "")]) {
        case .success(let reply): return visit.redirect("/profile?notice=password-changed", cookies: reply.response.headers.values("set-cookie"))
        case .failure(var refusal):
            if refusal.fields.isEmpty, refusal.status == 400 || refusal.status == 401 { refusal.fields["old_password"] = refusal.message }
            return try profilePage(visit, developer, failed: (.password, refusal), values: [:])
        }
    }

    /// Deleting the account needs the current password (under the failed-attempt throttle).
    static func deleteAccount(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let developer = try visit.requireDeveloper()
        let form = try visit.checkedForm()
        let verified: Bool
        do {
            verified = try PasswordAttempts.verify(form["password"] ?? "", email: developer.email, developer: developer, context: context)
        } catch let error as DeveloperAPIError {
            return try profilePage(visit, developer, failed: (.delete, PageVisit.Refusal(error)), values: [:])
        }
        guard verified else {
            return try profilePage(visit, developer, failed: (.delete, PageVisit.Refusal(.invalid([("password", .string("the password is not right"))]))), values: [:])
        }
        switch try visit.callAPI(DeveloperResource.delete, method: "DELETE") {
        case .success(let reply): return visit.redirect("/?notice=account-deleted", cookies: reply.response.headers.values("set-cookie"))
        case .failure(let refusal): return try profilePage(visit, developer, failed: (.delete, refusal), values: [:])
        }
    }

    // MARK: Helpers

    static func fullName(_ developer: Developer) -> String {
        (try? JSON.parse(developer.meta))?["full_name"]?.stringValue ?? ""
    }

    static func memberSince(_ date: Date) -> String {
        RFC3339.format(date).prefix(10).description
    }
}
