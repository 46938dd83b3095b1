import Foundation
import GRDB

/// How developers of a portal authenticate (seed 001 auth settings). `basicAuthEnabled` lives on the
/// portal row; the rest in `portal_auth_settings`. JSON members are kept as JSON text.
public struct AuthenticationSettings: Sendable, Equatable {
    public var basicAuthEnabled = true
    public var oidcAuthEnabled = false
    public var samlAuthEnabled = false
    public var oidcTeamMappingEnabled = false
    public var idpMappingEnabled = false
    public var konnectMappingEnabled = true
    public var oidcIssuer: String?
    public var oidcClientID: String?
    /// Plain text in memory only: sealed at rest and never returned by the API.
    public var oidcClientSecret: String?
    /// A JSON array of strings.
    public var oidcScopes = #"["email","openid","profile"]"#
    /// A JSON object `{name, email, groups}` of claim names.
    public var oidcClaimMappings = #"{"name":"name","email":"email","groups":"groups"}"#

    public init() {}
}

/// The look of a portal (seed 001 appearance); the JSON members as JSON text, nil when unset.
public struct Appearance: Sendable, Equatable {
    public var themeName = "mint_rocket"
    public var useCustomFonts = false
    public var customTheme: String?
    public var customFonts: String?
    public var text: String?

    public init() {}
}

/// A logo, favicon or catalog cover.
public struct PortalImage: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case logo, favicon
        case catalogCover = "catalog_cover"
    }

    public var kind: Kind
    public var contentType: String
    public var filename: String?
    public var bytes: [UInt8]
    /// Hex SHA-256 of the bytes (the strong ETag of the served file).
    public var sha256: String

    public init(kind: Kind, contentType: String, filename: String?, bytes: [UInt8]) {
        self.kind = kind
        self.contentType = contentType
        self.filename = filename
        self.bytes = bytes
        self.sha256 = SecretToken.sha256Hex(bytes)
    }
}

/// The outcome of a read-modify-write of a portal's settings.
public enum SettingsUpdate<Value> {
    case updated(Value)
    /// The change refused the stored values (e.g. a dependency they do not meet): nothing was written.
    case refused
    /// The portal is gone (deleted meanwhile).
    case noPortal
}

/// Reads and audited writes of a portal's auth settings, appearance, images and customization.
public struct PortalSettingsRepository: Sendable {
    let database: PortalDatabase
    let seal: SettingsSeal

    public init(_ database: PortalDatabase) throws(StorageError) {
        self.database = database
        self.seal = try SettingsSeal(database)
    }

    // MARK: Authentication settings

    public func authenticationSettings(portalID: String) throws(StorageError) -> AuthenticationSettings {
        try database.read { db in try authenticationSettings(portalID: portalID, in: db) }
    }

    private func authenticationSettings(portalID: String, in db: Database) throws -> AuthenticationSettings {
        var settings = AuthenticationSettings()
        settings.basicAuthEnabled = try Bool.fetchOne(db, sql: "SELECT basic_auth_enabled FROM portals WHERE id = ?", arguments: [portalID]) ?? true
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM portal_auth_settings WHERE portal_id = ?", arguments: [portalID]) else {
            return settings
        }
        settings.oidcAuthEnabled = row["oidc_auth_enabled"]
        settings.samlAuthEnabled = row["saml_auth_enabled"]
        settings.oidcTeamMappingEnabled = row["oidc_team_mapping_enabled"]
        settings.idpMappingEnabled = row["idp_mapping_enabled"]
        settings.konnectMappingEnabled = row["konnect_mapping_enabled"]
        settings.oidcIssuer = row["oidc_issuer"]
        settings.oidcClientID = row["oidc_client_id"]
        settings.oidcClientSecret = seal.open(row["oidc_client_secret_sealed"])
        settings.oidcScopes = row["oidc_scopes"]
        settings.oidcClaimMappings = row["oidc_claim_mappings"]
        return settings
    }

    /// Applies `change` to the stored settings and saves them, read and written in one transaction (so a
    /// concurrent PATCH is not lost). `change` returns false to refuse: nothing is written.
    public func updateAuthenticationSettings(
        portalID: String, now: Date, audit: AuditEntry, _ change: (inout AuthenticationSettings) -> Bool
    ) throws(StorageError) -> SettingsUpdate<AuthenticationSettings> {
        try database.write { db in
            guard try Self.portalExists(portalID, in: db) else { return .noPortal }
            var settings = try authenticationSettings(portalID: portalID, in: db)
            guard change(&settings) else { return .refused }
            let sealedSecret = try settings.oidcClientSecret.map { (secret) throws(StorageError) in try seal.seal(secret) }
            try db.execute(sql: "UPDATE portals SET basic_auth_enabled = ?, updated_at = ? WHERE id = ?",
                           arguments: [settings.basicAuthEnabled, now.stored, portalID])
            try db.execute(sql: """
                INSERT OR REPLACE INTO portal_auth_settings (portal_id, oidc_auth_enabled, saml_auth_enabled,
                    oidc_team_mapping_enabled, idp_mapping_enabled, konnect_mapping_enabled, oidc_issuer, oidc_client_id,
                    oidc_client_secret_sealed, oidc_scopes, oidc_claim_mappings, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [
                    portalID, settings.oidcAuthEnabled, settings.samlAuthEnabled, settings.oidcTeamMappingEnabled,
                    settings.idpMappingEnabled, settings.konnectMappingEnabled, settings.oidcIssuer, settings.oidcClientID,
                    sealedSecret, settings.oidcScopes, settings.oidcClaimMappings, now.stored,
                ])
            try audit.record(in: db)
            return .updated(settings)
        }
    }

    private static func portalExists(_ portalID: String, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM portals WHERE id = ?", arguments: [portalID]) == true
    }

    // MARK: Appearance and images

    /// Read by every page (the theme stylesheet, the catalog text): one cached statement, no transaction.
    public func appearance(portalID: String) throws(StorageError) -> Appearance {
        try database.readStatement { db in try Self.appearance(portalID: portalID, in: db) }
    }

    private static func appearance(portalID: String, in db: Database) throws -> Appearance {
        var appearance = Appearance()
        if let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM portal_appearance WHERE portal_id = ?"), arguments: [portalID]) {
            appearance.themeName = row["theme_name"]
            appearance.useCustomFonts = row["use_custom_fonts"]
            appearance.customTheme = row["custom_theme"]
            appearance.customFonts = row["custom_fonts"]
            appearance.text = row["text"]
        }
        return appearance
    }

    /// The portal's images (all kinds present).
    public func images(portalID: String) throws(StorageError) -> [PortalImage] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM portal_images WHERE portal_id = ? ORDER BY kind", arguments: [portalID])
                .compactMap(Self.image)
        }
    }

    public func image(_ kind: PortalImage.Kind, portalID: String) throws(StorageError) -> PortalImage? {
        try database.readStatement { db in
            try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM portal_images WHERE portal_id = ? AND kind = ?"), arguments: [portalID, kind.rawValue])
                .flatMap(Self.image)
        }
    }

    /// Whether the portal has an image of `kind`, without reading its bytes.
    public func hasImage(_ kind: PortalImage.Kind, portalID: String) throws(StorageError) -> Bool {
        try database.readStatement { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM portal_images WHERE portal_id = ? AND kind = ?"), arguments: [portalID, kind.rawValue]) ?? false
        }
    }

    private static func image(_ row: Row) -> PortalImage? {
        guard let kind = PortalImage.Kind(rawValue: row["kind"]) else { return nil }
        let data: Data = row["bytes"]
        return PortalImage(kind: kind, contentType: row["content_type"], filename: row["filename"], bytes: Array(data))
    }

    /// Applies `change` to the stored appearance and saves it with, for each kind in `images`, the image
    /// (or its removal for nil), read and written in one transaction (so a concurrent PATCH is not lost).
    /// `change` returns false to refuse: nothing is written. The result carries the images stored after.
    public func updateAppearance(
        portalID: String, images: [PortalImage.Kind: PortalImage?], now: Date, audit: AuditEntry, _ change: (inout Appearance) -> Bool
    ) throws(StorageError) -> SettingsUpdate<(Appearance, [PortalImage])> {
        try database.write { db in
            guard try Self.portalExists(portalID, in: db) else { return .noPortal }
            var appearance = try Self.appearance(portalID: portalID, in: db)
            guard change(&appearance) else { return .refused }
            try db.execute(sql: """
                INSERT OR REPLACE INTO portal_appearance (portal_id, theme_name, use_custom_fonts, custom_theme, custom_fonts, text, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [portalID, appearance.themeName, appearance.useCustomFonts, appearance.customTheme,
                                 appearance.customFonts, appearance.text, now.stored])
            for (kind, image) in images {
                if let image {
                    try db.execute(sql: """
                        INSERT OR REPLACE INTO portal_images (portal_id, kind, content_type, filename, bytes, sha256, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [portalID, kind.rawValue, image.contentType, image.filename, Data(image.bytes), image.sha256, now.stored])
                } else {
                    try db.execute(sql: "DELETE FROM portal_images WHERE portal_id = ? AND kind = ?", arguments: [portalID, kind.rawValue])
                }
            }
            try audit.record(in: db)
            let stored = try Row.fetchAll(db, sql: "SELECT * FROM portal_images WHERE portal_id = ? ORDER BY kind", arguments: [portalID])
                .compactMap(Self.image)
            return .updated((appearance, stored))
        }
    }

    // MARK: Customization

    /// The customization object's JSON text (`{}` when never set).
    public func customization(portalID: String) throws(StorageError) -> String {
        try database.read { db in
            try String.fetchOne(db, sql: "SELECT body FROM portal_customizations WHERE portal_id = ?", arguments: [portalID]) ?? "{}"
        }
    }

    /// Replaces the customization with what `change` makes of the stored text, in one transaction
    /// (so two concurrent merges cannot lose each other's members). `change` returns nil to refuse:
    /// nothing is written and nil is returned.
    public func updateCustomization(
        portalID: String, now: Date, audit: AuditEntry, _ change: (String) -> String?
    ) throws(StorageError) -> String? {
        try database.write { db in
            let current = try String.fetchOne(db, sql: "SELECT body FROM portal_customizations WHERE portal_id = ?", arguments: [portalID]) ?? "{}"
            guard let next = change(current) else { return nil }
            try db.execute(sql: "INSERT OR REPLACE INTO portal_customizations (portal_id, body, updated_at) VALUES (?, ?, ?)",
                           arguments: [portalID, next, now.stored])
            try audit.record(in: db)
            return next
        }
    }
}
