/// The built-in themes, fonts and catalog text (the v2 file's `GetAppearanceDefaults` example values):
/// what `/portals/appearance-defaults` answers and what a portal without a custom theme looks like.
enum ThemeDefaults {
    static let text = #"""
        {"themes":{"mint_rocket":{"colors":{"section":{"header":{"value":"#F8F8F8","description":"Background for header"},"body":{"value":"#FFFFFF","description":"Background for main content"},"hero":{"value":"#F8F8F8","description":"Background for hero section"},"accent":{"value":"#F8F8F8","description":"Subtle background"},"tertiary":{"value":"#FFFFFF","description":"Tertiary background"},"stroke":{"value":"rgba(0,0,0,0.1)","description":"Border color"},"footer":{"value":"#07A88D","description":"Background for footer"}},"text":{"header":{"value":"rgba(0,0,0,0.8)","description":"Header text"},"hero":{"value":"#FFFFFF","description":"Hero text"},"headings":{"value":"rgba(0,0,0,0.8)","description":"Headings text"},"primary":{"value":"rgba(0,0,0,0.8)","description":"Main content text"},"secondary":{"value":"rgba(0,0,0,0.8)","description":"Supporting text"},"accent":{"value":"#07A88D","description":"Subtle text"},"link":{"value":"#07A88D","description":"Link text"},"footer":{"value":"#FFFFFF","description":"Footer text"}},"button":{"primary_fill":{"value":"#1155CB","description":"Background for Primary Button"},"primary_text":{"value":"#FFFFFF","description":"Text for Primary Button"}}}},"dark_mode":{"colors":{"section":{"header":{"value":"#0A161E","description":"Background for header"},"body":{"value":"#0C0C0C","description":"Background for main content"},"hero":{"value":"#1A1D21","description":"Background for hero section"},"accent":{"value":"#1F1F1F","description":"Subtle background"},"tertiary":{"value":"#222529","description":"Tertiary background"},"stroke":{"value":"#34393F","description":"Border color"},"footer":{"value":"#212429","description":"Background for footer"}},"text":{"header":{"value":"#FFFFFF","description":"Header text"},"hero":{"value":"rgba(255,255,255,0.8)","description":"Hero text"},"headings":{"value":"#FFFFFF","description":"Headings text"},"primary":{"value":"#C8C8C9","description":"Main content text"},"secondary":{"value":"#919294","description":"Supporting text"},"accent":{"value":"#FFFFFF","description":"Subtle text"},"link":{"value":"#2977FF","description":"Link text"},"footer":{"value":"#FFFFFF","description":"Footer text"}},"button":{"primary_fill":{"value":"#1155CB","description":"Background for Primary Button"},"primary_text":{"value":"#FFFFFF","description":"Text for Primary Button"}}}}},"fonts":{"base":"Roboto","code":"Roboto Mono","headings":"Lato"},"text":{"catalog":{"welcome_message":"Welcome to our service catalog","primary_header":"Find All of Our Services in a Single Place"}}}
        """#

    /// Parsed once; a parse failure is a programming error caught by the unit tests (the value is then empty).
    static let json: JSON = (try? JSON.parse(text)) ?? .object([])

    /// The colour variables in force for `appearance`: the named theme's, or the custom ones, as
    /// (`--section-header`, `#F8F8F8`) pairs in a fixed order.
    static func colorVariables(themeName: String, customTheme: String?) -> [(name: String, value: String)] {
        var colors = json["themes"]?["mint_rocket"]?["colors"]
        if themeName == "dark_mode" { colors = json["themes"]?["dark_mode"]?["colors"] }
        if themeName == "custom", let custom = customTheme.flatMap({ try? JSON.parse($0) })?["colors"] { colors = custom }
        return AppearanceEndpoints.colorGroups.flatMap { group, names in
            names.compactMap { name in
                colors?[group]?[name]?["value"]?.stringValue.map { ("--\(group)-\(name)".replacingOccurrences(of: "_", with: "-"), $0) }
            }
        }
    }
}
