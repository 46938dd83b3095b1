import Foundation
import Storage

/// A portal's look (seed 001 Portal Appearance): a built-in theme or custom colours, fonts, catalog
/// text and images. The pages read it through `/assets/theme.css` and `/assets/logo`.
enum AppearanceEndpoints {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/appearance-defaults", defaults)
        router.add("GET", "/api/v2/portals/{portalId}/appearance", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/appearance", update)
        router.add("GET", "/api/v2/portals/{portalId}/appearance/logo", logo)
        router.add("GET", "/api/v2/portals/{portalId}/appearance/catalog-cover", catalogCover)
    }

    static let themeNames = ["mint_rocket", "dark_mode", "custom"]
    static let fonts = [
        "Roboto", "Inter", "Open Sans", "Lato", "Slabo 27px", "Slabo 13px", "Oswald", "Source Sans Pro", "Montserrat", "Raleway",
        "PT Sans", "Lora", "Roboto Mono", "Inconsolata", "Source Code Pro", "PT Mono", "Ubuntu Mono", "IBM Plex Mono",
    ]
    /// The colour variables of a theme, by group (the v2 file's AppearanceThemeColorVariables).
    static let colorGroups: [(String, [String])] = [
        ("section", ["header", "body", "hero", "accent", "tertiary", "stroke", "footer"]),
        ("text", ["header", "hero", "headings", "primary", "secondary", "accent", "link", "footer"]),
        ("button", ["primary_fill", "primary_text"]),
    ]
    /// Largest image accepted, decoded.
    static let maximumImageBytes = 512 * 1024

    static func defaults(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try AdminAuthentication.requireToken(request, services: context.services)
        return .json(ThemeDefaults.json)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let settings = context.services.portalSettings
        return .json(json(try settings.appearance(portalID: access.portal.id), images: try settings.images(portalID: access.portal.id)))
    }

    /// The members given replace the stored ones inside the write transaction
    /// (`PortalSettingsRepository.updateAppearance`), where `theme_name: custom` is checked against the
    /// custom theme it will have.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: ["theme_name", "custom_theme", "custom_fonts", "use_custom_fonts", "text", "images"])
        let themeName = body.choice("theme_name", themeNames)
        let useCustomFonts = body.bool("use_custom_fonts")
        // Outer nil: absent (keep); inner nil: null or refused (clear; a refusal fails the request anyway).
        let theme = body.value("custom_theme").map { customTheme($0, &body)?.text }
        let fonts = body.value("custom_fonts").map { customFonts($0, &body)?.text }
        let text = body.value("text").map { self.text($0, &body)?.text }
        let images = body.value("images").map { self.images($0, &body) } ?? [:]
        try body.finish()
        let outcome = try context.services.portalSettings.updateAppearance(
            portalID: access.portal.id, images: images, now: context.services.now(),
            audit: access.audit("portal.appearance.update", "portal", access.portal.id)
        ) { appearance in
            if let themeName { appearance.themeName = themeName }
            if let useCustomFonts { appearance.useCustomFonts = useCustomFonts }
            if let theme { appearance.customTheme = theme }
            if let fonts { appearance.customFonts = fonts }
            if let text { appearance.text = text }
            return appearance.themeName != "custom" || appearance.customTheme != nil
        }
        switch outcome {
        case .updated(let (appearance, stored)): return .json(json(appearance, images: stored))
        case .noPortal: throw ManagementAPIError.notFound("Portal")
        case .refused: throw ManagementAPIError.dependent("theme_name", on: ["custom_theme"])
        }
    }

    static func logo(_ request: Request, _ context: RequestContext) throws -> Response {
        try image(.logo, request, context)
    }

    static func catalogCover(_ request: Request, _ context: RequestContext) throws -> Response {
        try image(.catalogCover, request, context)
    }

    private static func image(_ kind: PortalImage.Kind, _ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        guard let image = try context.services.portalSettings.image(kind, portalID: access.portal.id) else {
            throw ManagementAPIError.notFound("Image")
        }
        return Response(status: 200, headers: HTTPHeaders([("Content-Type", image.contentType)]), body: image.bytes)
    }

    // MARK: Checking the members

    /// `{colors: {section: {…}, text: {…}, button: {…}}}` with every variable `{value, description?}`;
    /// null clears. Values must be CSS colours (they are written into the theme's stylesheet).
    private static func customTheme(_ value: JSON, _ body: inout ManagementBody) -> JSON? {
        if value == .null { return nil }
        guard let colors = object(value, "custom_theme", ["colors"], &body)?["colors"] else {
            if value["colors"] == nil, case .object = value { body.reject("custom_theme.colors", "is a required field", rule: "required") }
            return nil
        }
        guard object(colors, "custom_theme.colors", colorGroups.map(\.0), &body) != nil else { return nil }
        var groups: [(String, JSON)] = []
        for (group, names) in colorGroups {
            let field = "custom_theme.colors.\(group)"
            guard let members = colors[group] else { body.require(field); continue }
            guard object(members, field, names, &body) != nil else { continue }
            var variables: [(String, JSON)] = []
            for name in names {
                let variable = "\(field).\(name)"
                guard let given = members[name] else { body.require(variable); continue }
                guard object(given, variable, ["value", "description"], &body) != nil else { continue }
                guard let color = given["value"]?.stringValue, color.count <= 255, CSSColor.isValid(color) else {
                    body.reject("\(variable).value", "must be a CSS colour: #rgb, #rrggbb, #rrggbbaa, rgb(), rgba(), hsl() or hsla()", rule: "matches_regex")
                    continue
                }
                var entry: [(String, JSON)] = [("value", .string(color))]
                if let description = given["description"] {
                    guard let text = description.stringValue, text.count <= 512 else {
                        body.reject("\(variable).description", "must be a string of at most 512 characters", rule: "invalid")
                        continue
                    }
                    entry.append(("description", .string(text)))
                }
                variables.append((name, .object(entry)))
            }
            groups.append((group, .object(variables)))
        }
        return .object([("colors", .object(groups))])
    }

    /// `{base, code, headings}`, each one of the v2 file's fonts; null clears.
    private static func customFonts(_ value: JSON, _ body: inout ManagementBody) -> JSON? {
        if value == .null { return nil }
        guard object(value, "custom_fonts", ["base", "code", "headings"], &body) != nil else { return nil }
        var members: [(String, JSON)] = []
        for name in ["base", "code", "headings"] {
            guard let font = value[name]?.stringValue, fonts.contains(font) else {
                body.reject("custom_fonts.\(name)", "must be one of \(fonts.joined(separator: ", "))", rule: "enum",
                            extra: ("choices", .array(fonts.map { .string($0) })))
                continue
            }
            members.append((name, .string(font)))
        }
        return .object(members)
    }

    /// `{catalog: {welcome_message, primary_header}}` (each ≤ 512); null clears.
    private static func text(_ value: JSON, _ body: inout ManagementBody) -> JSON? {
        if value == .null { return nil }
        guard object(value, "text", ["catalog"], &body) != nil else { return nil }
        guard let catalog = value["catalog"] else { body.require("text.catalog"); return nil }
        guard object(catalog, "text.catalog", ["welcome_message", "primary_header"], &body) != nil else { return nil }
        var members: [(String, JSON)] = []
        for name in ["welcome_message", "primary_header"] {
            guard let text = catalog[name]?.stringValue, text.count <= 512 else {
                body.reject("text.catalog.\(name)", "is a required string of at most 512 characters", rule: "invalid")
                continue
            }
            members.append((name, .string(text)))
        }
        return .object([("catalog", .object(members))])
    }

    /// `{logo|favicon|catalog_cover: {data: data URL, filename?} | null}`: the images to store (nil removes).
    private static func images(_ value: JSON, _ body: inout ManagementBody) -> [PortalImage.Kind: PortalImage?] {
        if value == .null { return Dictionary(uniqueKeysWithValues: PortalImage.Kind.allCases.map { ($0, nil) }) }
        guard object(value, "images", PortalImage.Kind.allCases.map(\.rawValue), &body) != nil, case .object(let members) = value else { return [:] }
        var result: [PortalImage.Kind: PortalImage?] = [:]
        for (name, given) in members {
            guard let kind = PortalImage.Kind(rawValue: name) else { continue }
            let field = "images.\(name)"
            if given == .null { result[kind] = .some(nil); continue }
            guard object(given, field, ["data", "filename"], &body) != nil else { continue }
            var filename: String?
            if let named = given["filename"] {
                guard let text = named.stringValue, (1...512).contains(text.count) else {
                    body.reject("\(field).filename", "must be a string of 1 to 512 characters", rule: "invalid")
                    continue
                }
                filename = text
            }
            guard let data = given["data"]?.stringValue else { body.require("\(field).data"); continue }
            switch ImageDataURL.decode(data, maximumBytes: maximumImageBytes) {
            case .success(let (type, bytes)):
                result[kind] = PortalImage(kind: kind, contentType: type, filename: filename, bytes: bytes)
            case .failure(let problem):
                body.reject("\(field).data", problem.reason, rule: problem.rule)
            }
        }
        return result
    }

    /// `value` as an object whose members are all in `allowed`; nil with a problem otherwise.
    private static func object(_ value: JSON, _ field: String, _ allowed: [String], _ body: inout ManagementBody) -> JSON? {
        guard case .object(let members) = value else {
            body.reject(field, "must be an object", rule: "is_object")
            return nil
        }
        var valid = true
        for (key, _) in members where !allowed.contains(key) {
            body.reject("\(field).\(key)", "is not a property of \(field)", rule: "unknown_property")
            valid = false
        }
        return valid ? value : nil
    }

    static func json(_ appearance: Appearance, images: [PortalImage]) -> JSON {
        func parsed(_ text: String?) -> JSON { text.flatMap { try? JSON.parse($0) } ?? .null }
        return .object([
            ("theme_name", .string(appearance.themeName)), ("use_custom_fonts", .bool(appearance.useCustomFonts)),
            ("custom_theme", parsed(appearance.customTheme)), ("custom_fonts", parsed(appearance.customFonts)),
            ("text", parsed(appearance.text)),
            ("images", .object(PortalImage.Kind.allCases.map { kind in
                guard let image = images.first(where: { $0.kind == kind }) else { return (kind.rawValue, .null) }
                var members: [(String, JSON)] = [("data", .string(ImageDataURL.encode(image)))]
                if let filename = image.filename { members.append(("filename", .string(filename))) }
                return (kind.rawValue, .object(members))
            })),
        ])
    }
}

/// `data:image/…;base64,…` URLs (or `data:image/…,…`, the same base64 data: the v2 file's `ImageDataUri`)
/// of the appearance images, checked against the bytes they carry. Replies always say `;base64`.
enum ImageDataURL {
    struct Problem: Error {
        let reason: String
        let rule: String
    }

    /// The media types the v2 file's `ImageDataUri` pattern names, and the signature their bytes start with.
    static let signatures: [(type: String, magic: [[UInt8]])] = [
        ("image/png", [[0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]]),
        ("image/jpeg", [[0xFF, 0xD8, 0xFF]]),
        ("image/gif", [Array("GIF87a".utf8), Array("GIF89a".utf8)]),
        ("image/x-icon", [[0x00, 0x00, 0x01, 0x00]]),
        ("image/ico", [[0x00, 0x00, 0x01, 0x00]]),
        ("image/icon", [[0x00, 0x00, 0x01, 0x00]]),
        ("image/vnd.microsoft.icon", [[0x00, 0x00, 0x01, 0x00]]),
    ]

    static func decode(_ url: String, maximumBytes: Int) -> Result<(String, [UInt8]), Problem> {
        let malformed = Problem(reason: "must be a data URL with base64 image data, e.g., data:image/png;base64,<BASE64_IMAGE_DATA>", rule: "matches_regex")
        guard url.hasPrefix("data:"), let comma = url.firstIndex(of: ",") else { return .failure(malformed) }
        let header = url[url.index(url.startIndex, offsetBy: 5)..<comma]
        // The v2 file's pattern makes `;base64` optional but allows only base64 data after the comma either
        // way (its own example is `data:image/png,YW5f…`): the data is base64 with or without the marker.
        let type = (header.hasSuffix(";base64") ? header.dropLast(";base64".count) : header).lowercased()
        guard !type.contains(";") else { return .failure(malformed) }
        guard let signature = signatures.first(where: { $0.type == type }) else {
            return .failure(Problem(reason: "must be a PNG, JPEG, GIF or ICO image", rule: "invalid"))
        }
        let encoded = url[url.index(after: comma)...]
        guard encoded.utf8.count <= (maximumBytes / 3 + 1) * 4 else {
            return .failure(Problem(reason: "must be at most \(maximumBytes / 1024) KiB", rule: "invalid"))
        }
        guard let data = Data(base64Encoded: String(encoded)) else { return .failure(malformed) }
        let bytes = Array(data)
        guard bytes.count <= maximumBytes else { return .failure(Problem(reason: "must be at most \(maximumBytes / 1024) KiB", rule: "invalid")) }
        guard signature.magic.contains(where: { bytes.starts(with: $0) }) else {
            return .failure(Problem(reason: "is not a \(type) image", rule: "invalid"))
        }
        return .success((type, bytes))
    }

    static func encode(_ image: PortalImage) -> String {
        "data:\(image.contentType);base64," + Data(image.bytes).base64EncodedString()
    }
}

/// CSS colour values an admin may put in a theme. They end up in a stylesheet, so anything that could
/// close a declaration (`;`, `}`) or load something (`url(`) is refused by construction.
enum CSSColor {
    static func isValid(_ text: String) -> Bool {
        let value = text.lowercased()
        if value.hasPrefix("#") {
            let digits = value.dropFirst()
            return [3, 4, 6, 8].contains(digits.count) && digits.allSatisfy(\.isHexDigit)
        }
        for function in ["rgba", "rgb", "hsla", "hsl"] where value.hasPrefix(function + "(") && value.hasSuffix(")") {
            let inside = value.dropFirst(function.count + 1).dropLast()
            return !inside.isEmpty && inside.allSatisfy { ("0"..."9").contains($0) || " ,.%/-".contains($0) || "deg".contains($0) }
        }
        return false
    }
}
