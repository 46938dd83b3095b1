import Foundation
@testable import Handlers
import PortalTesting
import Storage
import Testing

/// Management API part 2 in process: auth settings drive the developer API, pages are served at their
/// paths, appearance and customization are checked, audit destinations need a root token.
@Suite(.serialized) struct ManagementPart2Tests {
    struct Admin {
        let portal: TestPortal
        let token: String
        var base: String { "/api/v2/portals/\(portal.defaultPortal.id)" }

        init() throws {
            portal = try TestPortal()
            token = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
        }

        func send(_ method: String, _ path: String, _ body: String? = nil) -> TestResponse {
            portal.send(method, path, headers: [("Authorization", token), ("Content-Type", "application/json")], body: Array((body ?? "").utf8))
        }
    }

    @Test func basicAuthOffRefusesPasswordLoginAndSignUp() throws {
        let admin = try Admin()
        #expect(admin.send("GET", admin.base + "/authentication-settings").json?["basic_auth_enabled"] == .bool(true))
        let signUp = admin.portal.sendForm("POST", "/api/v1/register", [("email", "a@example.com"), ("password", "correct horse battery"), ("meta", #"{"full_name":"A"}"#)])
        #expect(signUp.status == 200)
        let off = admin.send("PATCH", admin.base + "/authentication-settings", #"{"basic_auth_enabled":false,"oidc_client_secret":"s3cret"}"#)
        #expect(off.status == 200 && off.json?["basic_auth_enabled"] == .bool(false))
        #expect(!off.text.contains("s3cret"))
        let basic = "Basic " + Data("a@example.com:correct horse battery".utf8).base64EncodedString()
        let login = admin.portal.send("GET", "/api/v1/auth", headers: [("Authorization", basic)])
        #expect(login.status == 403 && login.json?["message"] != nil)
        #expect(admin.portal.sendForm("POST", "/api/v1/register", [("email", "b@example.com"), ("password", "correct horse battery"), ("meta", #"{"full_name":"B"}"#)]).status == 403)
        #expect(admin.send("PATCH", admin.base + "/authentication-settings", #"{"basic_auth_enabled":true}"#).status == 200)
        #expect(admin.portal.send("GET", "/api/v1/auth", headers: [("Authorization", basic)]).status == 204)
    }

    @Test func authSettingsCheckTypesAndDependencies() throws {
        let admin = try Admin()
        let path = admin.base + "/authentication-settings"
        #expect(admin.send("PATCH", path, #"{"basic_auth_enabled":"yes"}"#).json?.firstInvalidField == ("basic_auth_enabled"))
        #expect(admin.send("PATCH", path, #"{"oidc_auth_enabled":true}"#).json?.firstInvalidField == ("oidc_auth_enabled"))
        #expect(admin.send("PATCH", path, #"{"oidc_issuer":"not a url"}"#).status == 400)
        let on = admin.send("PATCH", path, #"{"oidc_auth_enabled":true,"oidc_issuer":"https://id.example.com","oidc_client_id":"abc","oidc_claim_mappings":{"groups":"roles"}}"#)
        #expect(on.status == 200)
        #expect(on.json?["oidc_config"]?["claim_mappings"]?["groups"] == .string("roles"))
        #expect(on.json?["oidc_config"]?["scopes"] == .array(["email", "openid", "profile"].map { .string($0) }))
        // The secret is sealed at rest: the stored column never holds it in clear.
        _ = admin.send("PATCH", path, #"{"oidc_client_secret":"top-secret-value"}"#)
        #expect(try admin.portal.application.services.portalSettings.authenticationSettings(portalID: admin.portal.defaultPortal.id).oidcClientSecret == "top-secret-value")
    }

    @Test func publishedPagesAreServedAsSafeHTML() throws {
        let admin = try Admin()
        let created = admin.send("POST", admin.base + "/pages", ##"{"path":"/docs","title":"Docs","content":"# Hello\n\n<script>alert(1)</script>[x](javascript:alert(1))","public":true,"published":true}"##)
        #expect(created.status == 201)
        let page = admin.portal.send("GET", "/docs")
        #expect(page.status == 200)
        let html = page.text
        #expect(html.contains("<h1>Hello</h1>") && !html.contains("<script") && !html.contains("javascript:"))
        #expect(admin.portal.send("GET", "/docs/").status == 404)
        #expect(admin.send("POST", admin.base + "/pages", #"{"path":"/docs","title":"Again","content":""}"#).json?.firstInvalidField == ("path"))
        #expect(admin.send("POST", admin.base + "/pages", #"{"path":"docs","title":"x","content":""}"#).status == 400)
        #expect(admin.send("POST", admin.base + "/pages", #"{"path":"/api/x","title":"x","content":""}"#).status == 400)
        #expect(admin.send("POST", admin.base + "/pages", #"{"path":"/a/../b","title":"x","content":""}"#).status == 400)
        // Members only: 401 without a session.
        let id = try #require(admin.send("POST", admin.base + "/pages", #"{"path":"/private","title":"P","content":"secret","published":true}"#).json?["id"]?.stringValue)
        #expect(admin.portal.send("GET", "/private").status == 401)
        #expect(admin.send("PATCH", admin.base + "/pages/\(id)", #"{"published":false}"#).status == 200)
        #expect(admin.portal.send("GET", "/private").status == 404)
    }

    @Test func appearanceChecksColoursAndImages() throws {
        let admin = try Admin()
        let path = admin.base + "/appearance"
        #expect(admin.send("GET", path).json?["theme_name"] == .string("mint_rocket"))
        #expect(admin.send("PATCH", path, #"{"theme_name":"custom"}"#).json?.firstInvalidField == ("theme_name"))
        let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0]).base64EncodedString()
        let text = Data("hello".utf8).base64EncodedString()
        let bad = admin.send("PATCH", path, #"{"images":{"logo":{"data":"data:image/png;base64,\#(text)"}}}"#)
        #expect(bad.json?.firstInvalidField == ("images.logo.data"))
        #expect(admin.send("PATCH", path, #"{"images":{"logo":{"data":"data:image/png;base64,\#(png)","filename":"l.png"}}}"#).status == 200)
        let logo = admin.send("GET", path + "/logo")
        #expect(logo.status == 200 && logo.response.body.starts(with: [0x89, 0x50]) && logo.headers["content-type"] == "image/png")
        #expect(admin.send("GET", path + "/catalog-cover").status == 404)
        #expect(admin.portal.send("GET", "/assets/logo").status == 200)
        let css = admin.portal.send("GET", "/assets/theme.css").text
        #expect(css.contains("--section-header:#F8F8F8"))
    }

    @Test func colourAndImageChecks() {
        for good in ["#fff", "#FFFFFF", "#ffffff80", "rgb(1, 2, 3)", "rgba(0,0,0,0.1)", "hsl(120deg 50% 50%)"] { #expect(CSSColor.isValid(good), "\(good)") }
        for bad in ["red", "#12345", "url(x)", "#fff;}body{", "rgb(1,2,3);x", "expression(1)", "rgb()"] { #expect(!CSSColor.isValid(bad), "\(bad)") }
        let gif = "data:image/gif;base64," + Data("GIF89a....".utf8).base64EncodedString()
        guard case .success(let (type, _)) = ImageDataURL.decode(gif, maximumBytes: 100) else { Issue.record("gif refused"); return }
        #expect(type == "image/gif")
        guard case .failure = ImageDataURL.decode(gif, maximumBytes: 4) else { Issue.record("oversized gif accepted"); return }
        guard case .failure = ImageDataURL.decode("data:text/html;base64,PGI+", maximumBytes: 100) else { Issue.record("html accepted"); return }
    }

    @Test func mergePatchFollowsRFC7396() throws {
        let merged = Customization.mergePatch(try JSON.parse(#"{"a":"b","c":{"d":"e","f":"g"}}"#), try JSON.parse(#"{"a":"z","c":{"f":null}}"#))
        #expect(merged.text == #"{"a":"z","c":{"d":"e"}}"#)
        #expect(Customization.mergePatch(try JSON.parse(#"{"a":[1]}"#), try JSON.parse(#"{"a":{"b":null}}"#)).text == #"{"a":{}}"#)
    }

    @Test func samlMetadataMustBeAnEntityDescriptor() {
        #expect(SAMLMetadata.isWellFormed(#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"/>"#))
        #expect(!SAMLMetadata.isWellFormed("<EntityDescriptor>"))
        #expect(!SAMLMetadata.isWellFormed("<Other/>"))
        #expect(SAMLMetadata.isWellFormed(#"<?xml version="1.0"?><EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"><EntityDescriptor entityID="x"/></EntitiesDescriptor>"#))
        #expect(!SAMLMetadata.isWellFormed("<EntityDescriptor/><EntityDescriptor/>"), "two root elements")
        #expect(!SAMLMetadata.isWellFormed("<EntityDescriptor><a></EntityDescriptor>"), "mismatched tags")
        #expect(!SAMLMetadata.isWellFormed(""))
        // An external entity is neither fetched nor substituted: the document stays well-formed and the
        // check never reads the file.
        #expect(SAMLMetadata.isWellFormed(#"<!DOCTYPE e [<!ENTITY x SYSTEM "file:///nonexistent/secret">]><EntityDescriptor>&x;</EntityDescriptor>"#))
    }

    @Test func outboundPostsReportWhyNoReplyCame() {
        // Nothing listens on port 1; a file: URL is not the web; a header cannot smuggle a second line.
        guard case .failure(let refused) = OutboundHTTP.post(url: "http://127.0.0.1:1/", headers: [], body: [], timeoutSeconds: 5) else {
            Issue.record("a closed port answered"); return
        }
        #expect(!refused.message.isEmpty)
        guard case .failure(let file) = OutboundHTTP.post(url: "file:///etc/hostname", headers: [], body: [], timeoutSeconds: 5) else {
            Issue.record("file: URL fetched"); return
        }
        #expect(file.message.lowercased().contains("protocol"))
        guard case .failure(let smuggled) = OutboundHTTP.post(url: "http://127.0.0.1:1/", headers: ["Authorization: a\r\nX-Evil: 1"], body: [], timeoutSeconds: 5) else {
            Issue.record("a header with a line break was sent"); return
        }
        #expect(smuggled.message == "a header value holds a line break")
    }

    @Test func themeDefaultsParse() {
        #expect(ThemeDefaults.json["fonts"]?["code"] == .string("Roboto Mono"))
        #expect(ThemeDefaults.colorVariables(themeName: "dark_mode", customTheme: nil).first?.value == "#0A161E")
        #expect(ThemeDefaults.colorVariables(themeName: "mint_rocket", customTheme: nil).count == 17)
    }

    @Test func destinationsNeedARootToken() throws {
        let admin = try Admin()
        let editor = try ProjectTokensTests.make(ProjectTokenRepository(admin.portal.database), portalID: admin.portal.defaultPortal.id, role: .admin)
        let body = Array(#"{"name":"siem","endpoint":"https://siem.example.com/hook","authorization":"Bearer x"}"#.utf8)
        #expect(admin.portal.send("POST", "/api/v2/audit-log-destinations", headers: [("Authorization", editor), ("Content-Type", "application/json")], body: body).status == 403)
        let created = admin.send("POST", "/api/v2/audit-log-destinations", String(decoding: body, as: UTF8.self))
        #expect(created.status == 201 && created.json?["authorization"] == nil)
        #expect(admin.send("POST", "/api/v2/audit-log-destinations", #"{"name":"x","endpoint":"ftp://x"}"#).status == 400)
        let id = try #require(created.json?["id"]?.stringValue)
        #expect(admin.send("PATCH", admin.base + "/audit-log-webhook", #"{"enabled":true}"#).status == 400)
        #expect(admin.send("PATCH", admin.base + "/audit-log-webhook", #"{"enabled":true,"audit_log_destination_id":"\#(id)"}"#).status == 200)
        #expect(admin.send("DELETE", "/api/v2/audit-log-destinations/\(id)").status == 409)
        #expect(admin.send("GET", admin.base + "/audit-log-webhook/status").json?["webhook_status"] == .string("active"))
    }
}

extension JSON {
    /// `invalid_parameters[0].field` of a problem+json body.
    var firstInvalidField: String? {
        guard case .array(let items)? = self["invalid_parameters"] else { return nil }
        return items.first?["field"]?.stringValue
    }
}
