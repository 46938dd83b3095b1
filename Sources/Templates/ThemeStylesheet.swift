/// The per-portal stylesheet `/assets/theme.css`: the appearance's colours and fonts as CSS custom
/// properties, which the default theme's `portal.css` uses. The values were checked when stored
/// (CSS colours only, fonts from a fixed list), so nothing here can break out of a declaration.
public enum ThemeStylesheet {
    public static func css(colors: [(name: String, value: String)], fonts: (base: String, code: String, headings: String)?) -> String {
        var declarations = colors.map { "\($0.name):\($0.value)" }
        if let fonts {
            declarations += [("--font-base", fonts.base), ("--font-code", fonts.code), ("--font-headings", fonts.headings)]
                .map { "\($0.0):\"\($0.1)\"" }
        }
        return ":root{" + declarations.joined(separator: ";") + "}\n"
    }
}
