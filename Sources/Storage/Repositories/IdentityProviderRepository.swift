import Foundation
import GRDB

/// An OIDC or SAML identity provider of a portal (seed 001). `config` is the provider's JSON
/// configuration without its client secret, which is sealed at rest and never returned.
public struct IdentityProvider: Sendable, Equatable {
    public var id: String
    public var portalID: String
    public var type: String
    public var enabled: Bool
    public var loginPath: String
    public var config: String
    public var clientSecret: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), portalID: String, type: String, enabled: Bool, loginPath: String,
                config: String, clientSecret: String?, createdAt: Date) {
        self.id = id
        self.portalID = portalID
        self.type = type
        self.enabled = enabled
        self.loginPath = loginPath
        self.config = config
        self.clientSecret = clientSecret
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }
}

/// A team and the IdP groups whose members join it.
public struct TeamGroupMapping: Sendable, Equatable {
    public var teamID: String
    public var groups: [String]

    public init(teamID: String, groups: [String]) {
        self.teamID = teamID
        self.groups = groups
    }
}

public struct IdentityProviderRepository: Sendable {
    let database: PortalDatabase
    let seal: SettingsSeal

    public init(_ database: PortalDatabase) throws(StorageError) {
        self.database = database
        self.seal = try SettingsSeal(database)
    }

    /// Why a provider was not saved.
    public enum Conflict: Error, Sendable, Equatable {
        /// Another provider of the portal is enabled.
        case anotherEnabled
        /// Another provider of the portal has this login path.
        case loginPathTaken
    }

    /// The portal's providers, oldest first, optionally of one type.
    public func providers(portalID: String, type: String? = nil) throws(StorageError) -> [IdentityProvider] {
        try database.read { db in
            var sql = "SELECT * FROM identity_providers WHERE portal_id = ?"
            var arguments: StatementArguments = [portalID]
            if let type {
                sql += " AND type = ?"
                arguments += [type]
            }
            return try Row.fetchAll(db, sql: sql + " ORDER BY created_at, id", arguments: arguments).map(provider)
        }
    }

    public func provider(id: String, portalID: String) throws(StorageError) -> IdentityProvider? {
        try database.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM identity_providers WHERE id = ? AND portal_id = ?", arguments: [id, portalID]).map(provider)
        }
    }

    private func provider(_ row: Row) -> IdentityProvider {
        var provider = IdentityProvider(
            id: row["id"], portalID: row["portal_id"], type: row["type"], enabled: row["enabled"], loginPath: row["login_path"],
            config: row["config"], clientSecret: seal.open(row["client_secret_sealed"]), createdAt: row.storedDate("created_at"))
        provider.updatedAt = row.storedDate("updated_at")
        return provider
    }

    /// Inserts `provider`, refusing a second enabled provider or a taken login path.
    public func create(_ provider: IdentityProvider, audit: AuditEntry) throws(StorageError) -> Result<Void, Conflict> {
        let sealed = try provider.clientSecret.map { (secret) throws(StorageError) in try seal.seal(secret) }
        return try database.write { db in
            if let conflict = try Self.conflict(provider, in: db) { return .failure(conflict) }
            try db.execute(sql: """
                INSERT INTO identity_providers (id, portal_id, type, enabled, login_path, config, client_secret_sealed, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [provider.id, provider.portalID, provider.type, provider.enabled, provider.loginPath, provider.config,
                                 sealed, provider.createdAt.stored, provider.updatedAt.stored])
            try audit.record(in: db)
            return .success(())
        }
    }

    public enum Update: Sendable, Equatable {
        case updated(IdentityProvider)
        /// No such provider (or it was deleted meanwhile): nothing is written, nothing comes back to life.
        case notFound
        case refused(Conflict)
    }

    /// Applies `change` to the stored provider and saves it, read and written in one transaction, so a
    /// concurrent PATCH is not lost and a concurrent DELETE is not undone. `type` and `portalID` stay.
    public func update(id: String, portalID: String, audit: AuditEntry, _ change: (inout IdentityProvider) -> Void) throws(StorageError) -> Update {
        try database.write { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM identity_providers WHERE id = ? AND portal_id = ?", arguments: [id, portalID]) else {
                return .notFound
            }
            var provider = self.provider(row)
            change(&provider)
            if let conflict = try Self.conflict(provider, in: db) { return .refused(conflict) }
            let sealed = try provider.clientSecret.map { (secret) throws(StorageError) in try seal.seal(secret) }
            try db.execute(sql: """
                UPDATE identity_providers SET enabled = ?, login_path = ?, config = ?, client_secret_sealed = ?, updated_at = ?
                WHERE id = ? AND portal_id = ?
                """, arguments: [provider.enabled, provider.loginPath, provider.config, sealed, provider.updatedAt.stored, id, portalID])
            try audit.record(in: db)
            return .updated(provider)
        }
    }

    /// Another enabled provider of the portal (when `provider` is enabled), or another with its login path.
    private static func conflict(_ provider: IdentityProvider, in db: Database) throws -> Conflict? {
        if provider.enabled, try Bool.fetchOne(db, sql: """
            SELECT 1 FROM identity_providers WHERE portal_id = ? AND enabled = 1 AND id != ?
            """, arguments: [provider.portalID, provider.id]) == true {
            return .anotherEnabled
        }
        if try Bool.fetchOne(db, sql: "SELECT 1 FROM identity_providers WHERE portal_id = ? AND login_path = ? AND id != ?",
                             arguments: [provider.portalID, provider.loginPath, provider.id]) == true {
            return .loginPathTaken
        }
        return nil
    }

    public func delete(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM identity_providers WHERE id = ? AND portal_id = ?", [id, portalID], audit: audit)
    }

    /// Whether the portal has an identity provider: one created here, or the OIDC issuer of its auth settings.
    public func hasIdentityProvider(portalID: String) throws(StorageError) -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: """
                SELECT EXISTS (SELECT 1 FROM identity_providers WHERE portal_id = ?1)
                    OR EXISTS (SELECT 1 FROM portal_auth_settings WHERE portal_id = ?1 AND oidc_issuer IS NOT NULL)
                """, arguments: [portalID]) ?? false
        }
    }

    // MARK: Team group mappings

    /// One page of the teams that have groups, in team creation order, and how many there are.
    public func groupMappings(portalID: String, pageSize: Int, pageNumber: Int) throws(StorageError) -> ListSlice<TeamGroupMapping> {
        try database.read { db in
            let total = try Int.fetchOne(db, sql: """
                SELECT count(DISTINCT m.team_id) FROM team_group_mappings m JOIN teams t ON t.id = m.team_id WHERE t.portal_id = ?
                """, arguments: [portalID]) ?? 0
            let teams = try String.fetchAll(db, sql: """
                SELECT t.id FROM teams t WHERE t.portal_id = ? AND EXISTS (SELECT 1 FROM team_group_mappings m WHERE m.team_id = t.id)
                ORDER BY t.created_at, t.id LIMIT ? OFFSET ?
                """, arguments: [portalID, pageSize, (pageNumber - 1) * pageSize])
            let items = try teams.map { teamID in
                TeamGroupMapping(teamID: teamID, groups: try String.fetchAll(db, sql: """
                    SELECT group_name FROM team_group_mappings WHERE team_id = ? ORDER BY group_name
                    """, arguments: [teamID]))
            }
            return ListSlice(items: items, total: total)
        }
    }

    /// Replaces the groups of each given team (an empty list removes them). Returns the team ids that
    /// are not teams of the portal, writing nothing, if there are any.
    public func replaceGroups(_ mappings: [TeamGroupMapping], portalID: String, audit: AuditEntry) throws(StorageError) -> [String] {
        try database.write { db in
            let unknown = try mappings.map(\.teamID).filter { teamID in
                try Bool.fetchOne(db, sql: "SELECT 1 FROM teams WHERE id = ? AND portal_id = ?", arguments: [teamID, portalID]) != true
            }
            guard unknown.isEmpty else { return unknown }
            for mapping in mappings {
                try db.execute(sql: "DELETE FROM team_group_mappings WHERE team_id = ?", arguments: [mapping.teamID])
                for group in Set(mapping.groups) {
                    try db.execute(sql: "INSERT INTO team_group_mappings (team_id, group_name) VALUES (?, ?)", arguments: [mapping.teamID, group])
                }
            }
            try audit.record(in: db)
            return []
        }
    }
}
