import Testing
@testable import Templates

/// Which colours `/assets/theme.css` starts a page with, and which the visitor may switch to.
struct ThemeSchemesTests {
    let light: ThemeStylesheet.Variables = [("--section-body", "#FFFFFF"), ("--text-primary", "#222222")]
    let dark: ThemeStylesheet.Variables = [("--section-body", "#0C0C0C"), ("--text-primary", "#C8C8C9")]

    @Test func darkFirstStartsDarkAndOffersLightOnlyOnTheSwitch() {
        let css = ThemeStylesheet.css(.darkFirst(dark: dark, light: light), fonts: ("Inter", "Fira Code", "Lato"))
        #expect(css.hasPrefix(":root{--section-body:#0C0C0C;--text-primary:#C8C8C9;--danger:#ff8a80;color-scheme:dark;--font-base:\"Inter\""))
        #expect(css.contains(":root[data-scheme=light]{--section-body:#FFFFFF;--text-primary:#222222;--danger:#b42318;color-scheme:light}"))
        #expect(!css.contains("prefers-color-scheme") && !css.contains("data-scheme=dark"))
    }

    @Test func lightFirstFollowsTheSystemAndTheSwitch() {
        let css = ThemeStylesheet.css(.lightFirst(light: light, dark: dark), fonts: nil)
        #expect(css.hasPrefix(":root{--section-body:#FFFFFF;--text-primary:#222222;--danger:#b42318;color-scheme:light}"))
        #expect(css.contains(":root[data-scheme=dark]{--section-body:#0C0C0C;"))
        #expect(css.contains("@media (prefers-color-scheme:dark){:root:not([data-scheme=light]){--section-body:#0C0C0C;"))
    }

    @Test func aSingleSchemeKeepsItsColoursAndNamesItsOwnColourScheme() {
        let cream = ThemeStylesheet.css(.single([("--section-body", "#fefcf0"), ("--text-primary", "#333333")]), fonts: nil)
        #expect(cream == ":root{--section-body:#fefcf0;--text-primary:#333333;--danger:#b42318;color-scheme:light}\n")
        let night = ThemeStylesheet.css(.single([("--section-body", "#101820"), ("--text-primary", "#eeeeee")]), fonts: nil)
        #expect(night == ":root{--section-body:#101820;--text-primary:#eeeeee;--danger:#ff8a80;color-scheme:dark}\n")
    }
}
