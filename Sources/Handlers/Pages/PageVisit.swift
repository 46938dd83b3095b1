import Crypto
import Foundation
import Storage
import Templates

/// One request to an HTML page, with what every page handler needs: the developer logged in (if any),
/// the form token, rendering in the layout, redirects, and in-process calls to the developer API.
///
/// The pages are a thin layer over the developer API: reads go to the repositories, and every write
/// calls the developer API's own handler in process, so validation, throttling, mail and audit rules
/// are the same for a browser and for an API client.
struct PageVisit {
    let request: Request
    let context: RequestContext
    let developer: Developer?
    /// The value of the visitor's `portal_csrf` cookie, and whether this response must set it.
    private let csrfSeed: String
    private let newCSRFSeed: Bool

    static let csrfCookie = "portal_csrf"
    static let schemeCookie = "portal_scheme"

    init(_ request: Request, _ context: RequestContext) throws {
        self.request = request
        self.context = context
        if let token = SessionCookie.token(in: request) {
            developer = try context.services.sessions.authenticate(token: token, portalID: context.portal.id, now: context.services.now())?.developer
        } else {
            developer = nil
        }
        if let seed = request.cookie(named: Self.csrfCookie), (32...64).contains(seed.utf8.count) {
            csrfSeed = seed
            newCSRFSeed = false
        } else {
            csrfSeed = SecretToken.generate()
            newCSRFSeed = true
        }
    }

    var services: Services { context.services }
    var portal: Portal { context.portal }

    // MARK: CSRF

    /// The token of this visitor's forms: an HMAC of the `portal_csrf` cookie (random, HttpOnly,
    /// SameSite=Strict) under the installation's key, so only a page of this portal can know it.
    var csrfToken: String { services.signedTokens.mac("csrf:\(portal.id):\(csrfSeed)") }

    /// The fields of a POSTed form, after checking its token and where it came from: a missing or wrong
    /// token, or an `Origin`/`Referer` of another site, is 403 and nothing is done.
    func checkedForm() throws -> URLEncodedForm {
        let base = services.baseURL(for: portal)
        if let origin = request.headers["origin"], origin.lowercased() != base.lowercased() {
            throw HTTPError(403, "This form was sent from another site.")
        }
        if request.headers["origin"] == nil, let referer = request.headers["referer"], !referer.lowercased().hasPrefix(base.lowercased() + "/") {
            throw HTTPError(403, "This form was sent from another site.")
        }
        let form = try URLEncodedForm(parsing: request.body)
        guard !newCSRFSeed, let token = form["csrf_token"], constantTimeEqual(token, csrfToken) else {
            throw HTTPError(403, "This form has expired. Go back, reload the page and try again.")
        }
        return form
    }

    private func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    // MARK: Rendering

    /// The developer, or a redirect to the login page that comes back here.
    func requireDeveloper() throws -> Developer {
        guard let developer else { throw Redirect.to("/login?next=" + URLEncodedForm.escape(request.path)) }
        return developer
    }

    func chrome(_ title: String, notice: String? = nil) -> Chrome {
        let scheme = request.cookie(named: Self.schemeCookie).flatMap { ["light", "dark"].contains($0) ? $0 : nil }
        // One indexed probe, no image bytes; a failed read just shows the name.
        let hasLogo = (try? services.portalSettings.hasImage(.logo, portalID: portal.id)) ?? false
        return Chrome(portalName: portal.name, title: title, developer: developer?.email, csrfToken: csrfToken, path: request.path,
                      scheme: scheme, notice: notice ?? request.query["notice"].flatMap(Notices.text), hasLogo: hasLogo)
    }

    /// `template` in the layout. Pages that show personal data or forms are never stored by caches.
    func render<Content: TemplateObject>(_ template: String, title: String, _ content: Content, status: Int = 200, notice: String? = nil) throws -> Response {
        let html = try renderer().html(SitePage(template, chrome: chrome(title, notice: notice), content: content))
        var response = Response.html(utf8: html, status: status)
        response.headers.add("Cache-Control", "no-store")
        return withCookies(response)
    }

    /// The portal's templates: its own theme files over the default theme, re-read only after a file changed.
    func renderer() throws -> PageRenderer {
        let files = services.files
        let portalID = portal.id
        return try services.themes.renderer(portalID: portalID, generation: try files.generation()) {
            try files.files(portalID: portalID, under: "themes/default/").map {
                ThemeLibrary.File(path: $0.path, checksum: $0.checksum, contents: $0.contents)
            }
        }
    }

    /// 303 See Other to a path of this portal (never another site).
    func redirect(_ location: String, cookies: [String] = []) -> Response {
        var response = Redirect.to(location).response(family: .site, path: request.path)
        for cookie in cookies { response.headers.add("Set-Cookie", cookie) }
        return withCookies(response)
    }

    private func withCookies(_ response: Response) -> Response {
        guard newCSRFSeed else { return response }
        var response = response
        response.headers.add("Set-Cookie", "\(Self.csrfCookie)=\(csrfSeed); Path=/; SameSite=Strict; HttpOnly; Secure")
        return response
    }

    // MARK: The developer API, in process

    /// What a developer-API handler refused: its status, message and per-field errors.
    struct Refusal: Error {
        var status: Int
        var message: String
        /// `email`, `password`, `meta.full_name`, … → the API's message for it.
        var fields: [String: String]

        init(_ error: DeveloperAPIError) {
            switch error {
            case let .message(status, message):
                self.status = status
                self.message = message
                fields = [:]
            case let .fields(status, json, _, message):
                self.status = status
                var flat: [String: String] = [:]
                func flatten(_ value: JSON, _ prefix: String) {
                    switch value {
                    case .object(let members): for (key, inner) in members { flatten(inner, prefix.isEmpty ? key : prefix + "." + key) }
                    case .string(let text): flat[prefix] = Self.sentence(text)
                    case .array(let items): flat[prefix] = items.compactMap(\.stringValue).map(Self.sentence).joined(separator: " ")
                    default: break
                    }
                }
                flatten(json, "")
                fields = flat
                self.message = message ?? "Please correct the fields below."
            case let .tooManyAttempts(retryAfter):
                status = 429
                message = "Too many failed attempts. Try again in \(retryAfter) seconds."
                fields = [:]
            }
        }

        /// The API's `required field missing` as `Required field missing.`
        static func sentence(_ text: String) -> String {
            guard let first = text.first else { return text }
            return first.uppercased() + text.dropFirst() + (text.hasSuffix(".") ? "" : ".")
        }
    }

    /// Calls a developer-API handler as this visitor (same cookies, host and address) with a form body;
    /// its JSON reply, or what it refused.
    func callAPI(
        _ handler: PortalHandler, method: String, parameters: [String: String] = [:], form: [(String, String)] = [],
        headers: [(String, String)] = []
    ) throws -> Result<(response: Response, json: JSON?), Refusal> {
        var call = request
        call.method = method
        call.parameters = parameters
        call.query = URLEncodedForm()
        call.body = Array(URLEncodedForm(pairs: form).encoded.utf8)
        call.headers.set("Content-Type", "application/x-www-form-urlencoded")
        for (name, value) in headers { call.headers.set(name, value) }
        do {
            let response = try handler(call, context)
            return .success((response, response.body.isEmpty ? nil : try? JSON.parse(response.body)))
        } catch let error as DeveloperAPIError {
            return .failure(Refusal(error))
        }
    }
}

/// A redirect thrown from deep in a page handler (e.g. "log in first").
struct Redirect: ResponseError {
    let location: String

    /// Only paths of this portal: anything else (another site, `//host`, a backslash trick) goes home.
    static func to(_ location: String) -> Redirect {
        Redirect(location: isLocalPath(location) ? location : "/")
    }

    static func isLocalPath(_ location: String) -> Bool {
        location.hasPrefix("/") && !location.hasPrefix("//") && !location.contains("\\")
            && !location.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }
    }

    func response(family: APIFamily, path: String) -> Response {
        Response(status: 303, headers: HTTPHeaders([("Location", location), ("Cache-Control", "no-store")]))
    }
}

/// The fixed messages a redirect can ask the next page to show (`?notice=`): never text from the URL.
enum Notices {
    static func text(_ code: String) -> String? {
        switch code {
        case "registered": "Your account is ready. Log in to continue."
        case "verify-email": "Almost there: we sent you an email with a link to verify your address."
        case "pending": "Thanks for signing up. An administrator will review your account; you will get an email once it is approved."
        case "verified": "Your email address is verified. You can log in now."
        case "sent": "If an account exists for that address, we sent it a link to reset the password."
        case "password-reset": "Your password was changed. Log in with the new one."
        case "password-changed": "Your password was changed."
        case "logged-out": "You are logged out."
        case "saved": "Your changes were saved."
        case "email-change": "Check the inbox of your new address: the change takes effect once you follow the link we sent."
        case "deleted": "The application was deleted."
        case "registration-requested": "Registration requested."
        case "credential-deleted": "The credential was deleted."
        case "jwt-created": "The JWT credential was created."
        case "account-deleted": "Your account was deleted."
        case "scheme": "Colour scheme saved."
        default: nil
        }
    }
}

extension URLEncodedForm {
    /// `application/x-www-form-urlencoded` text of the pairs.
    var encoded: String {
        pairs.map { Self.escape($0.name) + "=" + Self.escape($0.value) }.joined(separator: "&")
    }

    /// Percent-encodes everything but unreserved characters (RFC 3986 §2.3).
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded
            }
        }
        return out
    }
}

private extension String {
    var leftPadded: String { count == 1 ? "0" + self : self }
}
