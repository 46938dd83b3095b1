import Storage
import Templates

/// The portal's appearance as files the pages load: `/assets/theme.css` (its colours and fonts as CSS
/// variables), `/assets/logo`, `/assets/catalog-cover` and `/favicon.ico`. Each carries a strong ETag,
/// is revalidated on every use (`no-cache`: an admin's change shows on the next load) and answers
/// `If-None-Match` with 304.
enum ThemeAssets {
    static func register(on router: inout Router) {
        router.add("GET", "/assets/portal.css", portalStylesheet)
        router.add("GET", "/assets/theme.css", stylesheet)
        router.add("GET", "/assets/logo", logo)
        router.add("GET", "/assets/catalog-cover", catalogCover)
        router.add("GET", "/favicon.ico", favicon)
    }

    static func stylesheet(_ request: Request, _ context: RequestContext) throws -> Response {
        let appearance = try context.services.portalSettings.appearance(portalID: context.portal.id)
        var fonts: (String, String, String)?
        if appearance.useCustomFonts, let custom = appearance.customFonts.flatMap({ try? JSON.parse($0) }),
           let base = custom["base"]?.stringValue, let code = custom["code"]?.stringValue, let headings = custom["headings"]?.stringValue {
            fonts = (base, code, headings)
        }
        // mint_rocket is light with dark_mode for visitors who want dark; dark_mode is dark with mint_rocket
        // for those who switch to light; a custom theme keeps its own colours in every scheme.
        let mint = ThemeDefaults.colorVariables(themeName: "mint_rocket", customTheme: nil)
        let dark = ThemeDefaults.colorVariables(themeName: "dark_mode", customTheme: nil)
        let schemes: ThemeStylesheet.Schemes = switch appearance.themeName {
        case "dark_mode": .darkFirst(dark: dark, light: mint)
        case "custom": .single(ThemeDefaults.colorVariables(themeName: "custom", customTheme: appearance.customTheme))
        default: .lightFirst(light: mint, dark: dark)
        }
        let css = ThemeStylesheet.css(schemes, fonts: fonts)
        return file(Array(css.utf8), contentType: "text/css; charset=utf-8", request)
    }

    /// The theme's stylesheet: the portal's own `themes/default/assets/portal.css`, or the default theme's.
    static func portalStylesheet(_ request: Request, _ context: RequestContext) throws -> Response {
        if let own = try context.services.files.file(path: PageRenderer.assetsFolder + "portal.css", portalID: context.portal.id) {
            return file(own.bytes, contentType: "text/css; charset=utf-8", etag: own.checksum, request)
        }
        return file(defaultStylesheet, contentType: "text/css; charset=utf-8", etag: defaultStylesheetChecksum, request)
    }

    static let defaultStylesheet = Array(PageRenderer.stylesheet.utf8)
    static let defaultStylesheetChecksum = SecretToken.sha256Hex(defaultStylesheet)

    /// Any other `/assets/<path>`: the portal's `themes/default/assets/<path>`, else its `assets/<path>`.
    /// Paths are matched exactly against stored ones, after refusing anything that could name another
    /// place (`..`, encoded slashes or dots, backslashes, NUL): 404.
    static func portalFile(_ request: Request, _ context: RequestContext) throws -> Response? {
        guard request.path.hasPrefix("/assets/") else { return nil }
        let rest = String(request.path.dropFirst("/assets/".count))
        guard PortalFiles.pathProblem("assets/" + rest) == nil else { throw HTTPError(404, "Not found") }
        for path in [PageRenderer.assetsFolder + rest, "assets/" + rest] {
            if let stored = try context.services.files.file(path: path, portalID: context.portal.id) {
                return file(stored.bytes, contentType: AssetTypes.contentType(for: path), etag: stored.checksum, request)
            }
        }
        return nil
    }

    static func logo(_ request: Request, _ context: RequestContext) throws -> Response {
        try image(.logo, request, context)
    }

    static func catalogCover(_ request: Request, _ context: RequestContext) throws -> Response {
        try image(.catalogCover, request, context)
    }

    static func favicon(_ request: Request, _ context: RequestContext) throws -> Response {
        try image(.favicon, request, context)
    }

    private static func image(_ kind: PortalImage.Kind, _ request: Request, _ context: RequestContext) throws -> Response {
        guard let image = try context.services.portalSettings.image(kind, portalID: context.portal.id) else {
            throw HTTPError(404, "Not found")
        }
        return file(image.bytes, contentType: image.contentType, etag: image.sha256, request)
    }

    private static func file(_ bytes: [UInt8], contentType: String, etag: String? = nil, _ request: Request) -> Response {
        let tag = "\"" + (etag ?? SecretToken.sha256Hex(bytes)) + "\""
        var response = Response(status: 200, headers: HTTPHeaders([
            ("Content-Type", contentType), ("Cache-Control", "no-cache"), ("ETag", tag), ("X-Content-Type-Options", "nosniff"),
        ]))
        if request.headers["if-none-match"]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag }) == true {
            response.status = 304
        } else {
            response.body = bytes
        }
        return response
    }
}
