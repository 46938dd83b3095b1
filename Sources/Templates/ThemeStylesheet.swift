import Foundation

/// The per-portal stylesheet `/assets/theme.css`: the appearance's colours and fonts as CSS custom
/// properties, which the default theme's `portal.css` uses, for a light and a dark scheme (the visitor's
/// system setting, or the `data-scheme` the colour switch sets). The values were checked when stored
/// (CSS colours only, fonts from a fixed list), so nothing here can break out of a declaration.
///
/// A portal's colours are its brand, but its developers must be able to read the pages: every text
/// colour is checked against the backgrounds it is drawn on and, where the contrast is below WCAG AA
/// (4.5:1), moved towards black or white until it passes.
public enum ThemeStylesheet {
    public typealias Variables = [(name: String, value: String)]

    /// Which colours a page starts with and which the visitor may switch to.
    public enum Schemes: Sendable {
        /// Light unless the visitor's system prefers dark or the switch chose it (mint_rocket).
        case lightFirst(light: Variables, dark: Variables)
        /// Dark unless the visitor chose light with the switch (the portal picked `dark_mode`).
        case darkFirst(dark: Variables, light: Variables)
        /// One set of colours for everyone (a custom theme is the portal's brand, whatever the scheme).
        case single(Variables)
    }

    public static func css(light: Variables, dark: Variables, fonts: (base: String, code: String, headings: String)?) -> String {
        css(.lightFirst(light: light, dark: dark), fonts: fonts)
    }

    public static func css(_ schemes: Schemes, fonts: (base: String, code: String, headings: String)?) -> String {
        var fontVariables: Variables = []
        if let fonts {
            fontVariables = [("--font-base", fonts.base), ("--font-code", fonts.code), ("--font-headings", fonts.headings)].map { ($0.0, "\"\($0.1)\"") }
        }
        switch schemes {
        case let .lightFirst(light, dark):
            let night = scheme(dark, dark: true)
            return ":root{" + declarations(scheme(light, dark: false) + fontVariables) + "}\n"
                + ":root[data-scheme=dark]{" + declarations(night) + "}\n"
                + "@media (prefers-color-scheme:dark){:root:not([data-scheme=light]){" + declarations(night) + "}}\n"
        case let .darkFirst(dark, light):
            return ":root{" + declarations(scheme(dark, dark: true) + fontVariables) + "}\n"
                + ":root[data-scheme=light]{" + declarations(scheme(light, dark: false)) + "}\n"
        case let .single(colours):
            let body = colours.first { $0.name == "--section-body" }.flatMap { RGBA(css: $0.value) }?.over(.white) ?? .white
            return ":root{" + declarations(scheme(colours, dark: body.luminance < 0.18) + fontVariables) + "}\n"
        }
    }

    /// `colours` made readable, with the danger colour and the `color-scheme` (native controls, scrollbars) that suit them.
    private static func scheme(_ colours: Variables, dark: Bool) -> Variables {
        readable(colours + [("--danger", dark ? "#ff8a80" : "#b42318")]) + [("color-scheme", dark ? "dark" : "light")]
    }

    private static func declarations(_ variables: Variables) -> String {
        variables.map { "\($0.name):\($0.value)" }.joined(separator: ";")
    }

    /// Which backgrounds each text colour is drawn on (the default theme's use of the variables).
    static let pairs: [(text: String, backgrounds: [String])] = [
        ("--text-primary", ["--section-body", "--section-accent", "--section-tertiary"]),
        ("--text-secondary", ["--section-body", "--section-tertiary"]),
        ("--text-headings", ["--section-body", "--section-tertiary"]),
        ("--text-link", ["--section-body", "--section-tertiary", "--section-accent"]),
        ("--text-header", ["--section-header"]),
        ("--text-hero", ["--section-hero"]),
        ("--text-footer", ["--section-footer"]),
        ("--button-primary-text", ["--button-primary-fill"]),
        ("--danger", ["--section-body"]),
    ]

    /// `variables` with each text colour adjusted to reach 4.5:1 against its backgrounds; where no
    /// text colour can (white on a mid-tone footer), the background itself is darkened or lightened.
    static func readable(_ variables: Variables) -> Variables {
        var values = Dictionary(variables.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        let page = values["--section-body"].flatMap(RGBA.init(css:))?.over(.white) ?? .white
        for (text, backgrounds) in pairs {
            guard let foreground = values[text].flatMap(RGBA.init(css:)) else { continue }
            let grounds = backgrounds.compactMap { values[$0].flatMap(RGBA.init(css:))?.over(page) }
            guard !grounds.isEmpty else { continue }
            // A colour that passes as given is kept as the admin wrote it.
            guard !grounds.allSatisfy({ RGBA.contrast(foreground.over($0), $0) >= RGBA.minimumContrast }) else { continue }
            if let fixed = RGBA.readable(foreground, on: grounds) {
                values[text] = fixed.hex
            } else if backgrounds.count == 1, let fixedGround = RGBA.readable(grounds[0], on: [foreground.over(grounds[0])]) {
                values[backgrounds[0]] = fixedGround.hex
            }
        }
        return variables.map { ($0.name, values[$0.name] ?? $0.value) }
    }
}

/// A colour with alpha, from the CSS forms the appearance accepts.
struct RGBA: Equatable {
    var red: Double, green: Double, blue: Double, alpha: Double

    static let white = RGBA(red: 1, green: 1, blue: 1, alpha: 1)
    static let black = RGBA(red: 0, green: 0, blue: 0, alpha: 1)

    init(red: Double, green: Double, blue: Double, alpha: Double) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    /// `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()`/`rgba()` and `hsl()`/`hsla()` (commas or spaces,
    /// `/` before alpha, percentages, `deg`).
    init?(css text: String) {
        let value = text.lowercased().trimmingCharacters(in: .whitespaces)
        if value.hasPrefix("#") {
            var digits = Array(value.dropFirst())
            if digits.count == 3 || digits.count == 4 { digits = digits.flatMap { [$0, $0] } }
            guard digits.count == 6 || digits.count == 8 else { return nil }
            var channels: [Double] = []
            for index in stride(from: 0, to: digits.count, by: 2) {
                guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { return nil }
                channels.append(Double(byte) / 255)
            }
            self.init(red: channels[0], green: channels[1], blue: channels[2], alpha: channels.count == 4 ? channels[3] : 1)
            return
        }
        guard let open = value.firstIndex(of: "("), value.hasSuffix(")") else { return nil }
        let function = value[..<open]
        let arguments = value[value.index(after: open)..<value.index(before: value.endIndex)]
            .split(whereSeparator: { $0 == "," || $0 == " " || $0 == "/" }).map(String.init)
        guard arguments.count == 3 || arguments.count == 4 else { return nil }
        func number(_ text: String, percentOf scale: Double) -> Double? {
            if text.hasSuffix("%") {
                guard let percent = Double(String(text.dropLast())) else { return nil }
                return percent / 100 * scale
            }
            if text.hasSuffix("deg") { return Double(String(text.dropLast(3))) }
            return Double(text)
        }
        func clamp(_ x: Double) -> Double { Swift.min(Swift.max(x, 0), 1) }
        let alpha: Double = arguments.count == 4 ? clamp(number(arguments[3], percentOf: 1) ?? 1) : 1
        switch function {
        case "rgb", "rgba":
            guard let r = number(arguments[0], percentOf: 255), let g = number(arguments[1], percentOf: 255),
                  let b = number(arguments[2], percentOf: 255) else { return nil }
            self.init(red: clamp(r / 255), green: clamp(g / 255), blue: clamp(b / 255), alpha: alpha)
        case "hsl", "hsla":
            guard let h = number(arguments[0], percentOf: 360), let s = number(arguments[1], percentOf: 1),
                  let l = number(arguments[2], percentOf: 1) else { return nil }
            let hue: Double = (h.truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360) / 360
            let saturation = clamp(s), lightness = clamp(l)
            let q: Double = lightness < 0.5 ? lightness * (1 + saturation) : lightness + saturation - lightness * saturation
            let p: Double = 2 * lightness - q
            func channel(_ value: Double) -> Double {
                var t = value
                if t < 0 { t += 1 }
                if t > 1 { t -= 1 }
                if t < 1.0 / 6 { return p + (q - p) * 6 * t }
                if t < 0.5 { return q }
                if t < 2.0 / 3 { return p + (q - p) * (2.0 / 3 - t) * 6 }
                return p
            }
            self.init(red: channel(hue + 1.0 / 3), green: channel(hue), blue: channel(hue - 1.0 / 3), alpha: alpha)
        default:
            return nil
        }
    }

    /// This colour drawn over an opaque `background`.
    func over(_ background: RGBA) -> RGBA {
        RGBA(red: red * alpha + background.red * (1 - alpha), green: green * alpha + background.green * (1 - alpha),
             blue: blue * alpha + background.blue * (1 - alpha), alpha: 1)
    }

    /// WCAG 2.1 relative luminance.
    var luminance: Double {
        func linear(_ c: Double) -> Double { c <= 0.03928 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4) }
        return 0.2126 * linear(red) + 0.7152 * linear(green) + 0.0722 * linear(blue)
    }

    static func contrast(_ a: RGBA, _ b: RGBA) -> Double {
        let (x, y) = (a.luminance, b.luminance)
        return (max(x, y) + 0.05) / (min(x, y) + 0.05)
    }

    /// WCAG AA for normal text is 4.5:1; a little margin absorbs rounding to 8-bit channels.
    static let minimumContrast = 4.6

    /// `foreground` (made opaque over the first background), moved towards black or white in small steps
    /// until it reaches `minimum` against every background: the nearest such colour, or nil.
    static func readable(_ foreground: RGBA, on backgrounds: [RGBA], minimum: Double = minimumContrast) -> RGBA? {
        let start = foreground.over(backgrounds[0])
        func passes(_ colour: RGBA) -> Bool { backgrounds.allSatisfy { contrast(colour, $0) >= minimum } }
        if passes(start) { return start }
        for step in 1...20 {
            let t = Double(step) / 20
            for target in [black, white] {
                let mixed = RGBA(red: start.red + (target.red - start.red) * t, green: start.green + (target.green - start.green) * t,
                                 blue: start.blue + (target.blue - start.blue) * t, alpha: 1)
                if passes(mixed) { return mixed }
            }
        }
        return nil
    }

    var hex: String {
        func byte(_ c: Double) -> String {
            let value = Int((Swift.min(Swift.max(c, 0), 1) * 255).rounded())
            let digits = Array("0123456789abcdef")
            return String([digits[value >> 4], digits[value & 15]])
        }
        return "#" + byte(red) + byte(green) + byte(blue)
    }
}
