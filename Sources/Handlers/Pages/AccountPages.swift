import Foundation
import Storage
import Templates

/// Sign up, email verification, log in and out, forgotten password, and the colour-scheme switch.
/// Every POST goes through `PageVisit.checkedForm` (CSRF token and origin) and then through the
/// developer API's own handler, then redirects (POST-redirect-GET) or shows the form again with errors.
enum AccountPages {
    static func register(on router: inout Router) {
        router.add("GET", "/login", loginForm)
        router.add("POST", "/login", login)
        router.add("POST", "/logout", logout)
        router.add("GET", "/register", signUpForm)
        router.add("POST", "/register", signUp)
        router.add("GET", "/account/verify", verifyForm)
        router.add("POST", "/account/verify", verify)
        router.add("GET", "/account/forgot-password", forgotForm)
        router.add("POST", "/account/forgot-password", forgot)
        router.add("GET", "/account/reset-password", resetForm)
        router.add("POST", "/account/reset-password", reset)
        router.add("POST", "/appearance-scheme", scheme)
    }

    // MARK: Log in and out

    static func loginForm(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        if visit.developer != nil { return visit.redirect(nextPath(request.query["next"])) }
        return try loginPage(visit, email: "", next: request.query["next"] ?? "", error: nil, status: 200)
    }

    static func login(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let form = try visit.checkedForm()
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        let password = form["password"] ?? ""
        let next = form["next"] ?? ""
        guard !email.isEmpty, !password.isEmpty else {
            return try loginPage(visit, email: email, next: next, error: "Enter your email address and password.", status: 400)
        }
        let basic = "Basic " + Data("\(email):\(password)".utf8).base64EncodedString()
        switch try visit.callAPI(Authentication.login, method: "GET", headers: [("Authorization", basic)]) {
        case .success(let reply):
            return visit.redirect(nextPath(next), cookies: reply.response.headers.values("set-cookie"))
        case .failure(let refusal):
            let message = refusal.message == DeveloperAPIError.invalidCredentialsMessage ? "The email address or password is not right." : refusal.message
            return try loginPage(visit, email: email, next: next, error: message, status: refusal.status)
        }
    }

    /// What the log-in and sign-up pages say instead of their forms when the portal's admins turned
    /// password sign-in off (`basic_auth_enabled: false`); there is no other way to sign in here yet.
    static let passwordSignInOff = "Password sign-in is turned off for this portal, so you cannot log in or create an account here "
        + "with an email address and password. Ask the portal's administrators how to get access."

    private static func signInOffPage(_ visit: PageVisit, heading: String, status: Int) throws -> Response {
        try visit.render("forms", title: heading, FormsPage(heading: heading, intro: passwordSignInOff, forms: [],
                                                            links: [Link("/catalog", "Browse the APIs")]), status: status)
    }

    private static func loginPage(_ visit: PageVisit, email: String, next: String, error: String?, status: Int) throws -> Response {
        guard visit.portal.basicAuthEnabled else { return try signInOffPage(visit, heading: "Log in", status: status) }
        let form = Form(
            id: "login-form", action: "/login",
            fields: [
                FormField("email", label: "Email address", value: email, autocomplete: "username"),
                FormField("password", label: "Password", type: "password", autocomplete: "current-password"),
            ],
            hidden: [("next", Redirect.isLocalPath(next) ? next : "")], submit: "Log in", error: error)
        return try visit.render("forms", title: "Log in", FormsPage(
            heading: "Log in", forms: [form],
            links: [Link("/account/forgot-password", "Forgot your password?"), Link("/register", "No account yet? Sign up")]), status: status)
    }

    /// Where to go after logging in: `next` when it is a path of this portal, else the dashboard.
    static func nextPath(_ next: String?) -> String {
        guard let next, Redirect.isLocalPath(next) else { return "/dashboard" }
        return next
    }

    static func logout(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        _ = try visit.checkedForm()
        let cookies: [String]
        switch try visit.callAPI(Authentication.logout, method: "DELETE") {
        case .success(let reply): cookies = reply.response.headers.values("set-cookie")
        case .failure: cookies = [SessionCookie.clear]
        }
        return visit.redirect("/?notice=logged-out", cookies: cookies)
    }

    // MARK: Sign up

    static func signUpForm(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        return try signUpPage(visit, values: [:], refusal: nil)
    }

    static func signUp(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let form = try visit.checkedForm()
        let fields = MetaField.of(context.portal)
        var meta: [(String, JSON)] = []
        for field in fields {
            if let value = form["meta.\(field.title)"], !value.trimmingCharacters(in: .whitespaces).isEmpty { meta.append((field.title, .string(value))) }
        }
        let call = [("email", form["email"] ?? ""), ("password", form["password"] ?? ""), ("meta", JSON.object(meta).text)]
        switch try visit.callAPI(Registration.register, method: "POST", form: call) {
        case .success(let reply):
            let status = reply.json?["developer"]?["status"]
            let notice = status == .int(5) ? "verify-email" : (status == .int(0) ? "registered" : "pending")
            return visit.redirect("/login?notice=\(notice)")
        case .failure(let refusal):
            var values: [String: String] = ["email": form["email"] ?? ""]
            for field in fields { values["meta.\(field.title)"] = form["meta.\(field.title)"] ?? "" }
            return try signUpPage(visit, values: values, refusal: refusal)
        }
    }

    private static func signUpPage(_ visit: PageVisit, values: [String: String], refusal: PageVisit.Refusal?) throws -> Response {
        guard visit.portal.basicAuthEnabled else { return try signInOffPage(visit, heading: "Create your account", status: refusal?.status ?? 200) }
        let errors = refusal?.fields ?? [:]
        var fields = [
            FormField("email", label: "Email address", value: values["email"] ?? "", error: errors["email"], required: true, autocomplete: "email"),
            FormField("password", label: "Password", type: "password", error: errors["password"],
                      hint: "At least \(PasswordPolicy.minimumLength) characters. A few unrelated words make a good one.", required: true,
                      autocomplete: "new-password"),
        ]
        for field in MetaField.of(visit.portal) {
            let name = "meta.\(field.title)"
            fields.append(FormField(name, label: field.label, value: values[name] ?? "", error: errors[name] ?? (errors["meta"] != nil && field.required ? errors["meta"] : nil),
                                    required: field.required, autocomplete: field.isEmail ? "email" : (field.title == "full_name" ? "name" : nil)))
        }
        let formError = refusal.map { $0.fields.isEmpty ? $0.message : "Please correct the fields marked below." }
        let form = Form(id: "register-form", action: "/register", fields: fields, submit: "Create my account", error: formError)
        return try visit.render("forms", title: "Sign up", FormsPage(
            heading: "Create your account", intro: "Get access to \(visit.portal.name)'s APIs.", forms: [form],
            links: [Link("/login", "Already have an account? Log in")]), status: refusal?.status ?? 200)
    }

    // MARK: Verification and password reset (the links in the emails)

    /// The link in the verification mail opens a page with a button: a GET never spends the token, so
    /// a mail scanner that follows links cannot use it up.
    static func verifyForm(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        return try tokenPage(visit, id: "verify-form", action: "/account/verify", token: request.query["token"] ?? "", fields: [],
                             heading: "Verify your email address", intro: "Confirm that this address is yours.", submit: "Verify my email", error: nil)
    }

    static func verify(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let form = try visit.checkedForm()
        switch try visit.callAPI(AccountVerification.verify, method: "POST", form: [("token", form["token"] ?? "")]) {
        case .success: return visit.redirect("/login?notice=verified")
        case .failure:
            return try tokenPage(visit, id: "verify-form", action: "/account/verify", token: form["token"] ?? "", fields: [],
                                 heading: "Verify your email address", intro: nil, submit: "Verify my email",
                                 error: "This link has expired or was already used. Log in to get a new one.", status: 400)
        }
    }

    static func forgotForm(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        return try forgotPage(visit, email: "", error: nil)
    }

    /// The same answer whether or not the address has an account.
    static func forgot(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let form = try visit.checkedForm()
        let email = (form["email"] ?? "").trimmingCharacters(in: .whitespaces)
        guard EmailAddress.isValid(email) else { return try forgotPage(visit, email: email, error: "Enter a valid email address.", status: 400) }
        switch try visit.callAPI(PasswordReset.forgot, method: "POST", form: [("email", email)]) {
        case .success: return visit.redirect("/account/forgot-password?notice=sent")
        case .failure(let refusal): return try forgotPage(visit, email: email, error: refusal.message, status: refusal.status)
        }
    }

    private static func forgotPage(_ visit: PageVisit, email: String, error: String?, status: Int = 200) throws -> Response {
        let form = Form(id: "forgot-form", action: "/account/forgot-password",
                        fields: [FormField("email", label: "Email address", value: email, error: error, autocomplete: "email")],
                        submit: "Send me a reset link")
        return try visit.render("forms", title: "Forgot your password?", FormsPage(
            heading: "Forgot your password?", intro: "Enter your account's email address and we will send you a link to choose a new password.",
            forms: [form], links: [Link("/login", "Back to log in")]), status: status)
    }

    static func resetForm(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        return try tokenPage(visit, id: "reset-form", action: "/account/reset-password", token: request.query["token"] ?? "",
                             fields: [FormField("password", label: "New password", type: "password",
                                                hint: "At least \(PasswordPolicy.minimumLength) characters.", autocomplete: "new-password")],
                             heading: "Choose a new password", intro: nil, submit: "Change my password", error: nil)
    }

    static func reset(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let form = try visit.checkedForm()
        let token = form["token"] ?? ""
        switch try visit.callAPI(PasswordReset.reset, method: "POST", form: [("token", token), ("password", form["password"] ?? "")]) {
        case .success: return visit.redirect("/login?notice=password-reset")
        case .failure(let refusal):
            let fieldError = refusal.fields["password"]
            return try tokenPage(visit, id: "reset-form", action: "/account/reset-password", token: token,
                                 fields: [FormField("password", label: "New password", type: "password", error: fieldError, autocomplete: "new-password")],
                                 heading: "Choose a new password", intro: nil, submit: "Change my password",
                                 error: fieldError == nil ? "This link has expired or was already used. Ask for a new one." : nil, status: refusal.status)
        }
    }

    private static func tokenPage(
        _ visit: PageVisit, id: String, action: String, token: String, fields: [FormField], heading: String, intro: String?,
        submit: String, error: String?, status: Int = 200
    ) throws -> Response {
        let form = Form(id: id, action: action, fields: fields, hidden: [("token", token)], submit: submit, error: error)
        var response = try visit.render("forms", title: heading, FormsPage(heading: heading, intro: intro, forms: [form]), status: status)
        // The token is in this page's URL: never send it on to another site.
        response.headers.add("Referrer-Policy", "no-referrer")
        return response
    }

    // MARK: Colour scheme

    /// Light, dark or the system's (`auto`), kept in a cookie so it works without JavaScript.
    static func scheme(_ request: Request, _ context: RequestContext) throws -> Response {
        let visit = try PageVisit(request, context)
        let form = try visit.checkedForm()
        let next = form["next"].flatMap { Redirect.isLocalPath($0) ? $0 : nil } ?? "/"
        let cookie: String
        switch form["scheme"] {
        case "light", "dark": cookie = "\(PageVisit.schemeCookie)=\(form["scheme"] ?? ""); Path=/; Max-Age=31536000; SameSite=Lax; Secure"
        default: cookie = "\(PageVisit.schemeCookie)=; Path=/; Max-Age=0; SameSite=Lax; Secure"
        }
        return visit.redirect(next, cookies: [cookie])
    }
}

extension DeveloperAPIError {
    static var invalidCredentialsMessage: String {
        if case .message(_, let text) = invalidCredentials { return text }
        return ""
    }
}
