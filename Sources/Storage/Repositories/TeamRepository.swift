import Foundation
import GRDB

/// A developer team of a portal (seed 001 teams).
public struct Team: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "teams"
    public var id: String
    public var portalID: String
    public var name: String
    public var description: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), portalID: String, name: String, description: String?, createdAt: Date) {
        self.id = id
        self.portalID = portalID
        self.name = name
        self.description = description
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description
        case portalID = "portal_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

/// A role a team holds on an entity (seed 001 assigned roles).
public struct TeamRole: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "team_roles"
    public var id: String
    public var teamID: String
    public var roleName: String
    public var entityID: String
    public var entityTypeName: String
    public var entityRegion: String
    public var createdAt: Date

    public init(id: String = UUID().uuidString.lowercased(), teamID: String, roleName: String, entityID: String, entityTypeName: String, entityRegion: String, createdAt: Date) {
        self.id = id
        self.teamID = teamID
        self.roleName = roleName
        self.entityID = entityID
        self.entityTypeName = entityTypeName
        self.entityRegion = entityRegion
        self.createdAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id
        case teamID = "team_id"
        case roleName = "role_name"
        case entityID = "entity_id"
        case entityTypeName = "entity_type_name"
        case entityRegion = "entity_region"
        case createdAt = "created_at"
    }
}

/// A team member as the management API lists them.
public struct TeamMember: Sendable, Equatable, FetchableRecord {
    public var id: String
    public var email: String
    public var fullName: String
    public var active: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(row: Row) throws {
        id = row["id"]
        email = row["email"]
        fullName = row["full_name"]
        active = row["active"]
        createdAt = row.storedDate("created_at")
        updatedAt = row.storedDate("updated_at")
    }
}

/// Teams, their members and their roles. Every write is audited in its transaction.
public struct TeamRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// The portal roles a team may hold (seed 001 `/portal-roles`): on "Services" (API products),
    /// viewers see a product's versions, consumers may also register applications to them.
    public static let viewerRole = "API Viewer"
    public static let consumerRole = "API Consumer"

    /// The v2 file's list-portal-teams: filter on `name`, no `sort` parameter (creation order).
    public static let teams = Listing(
        base: "SELECT * FROM teams WHERE portal_id = ?1",
        fields: ["name": .init(.string, column: "name", sortable: false)])

    /// ?1 portal, ?2 developer. The v2 file's list-developer-teams pages only: no filter, no sort.
    public static let developerTeams = Listing(
        base: "SELECT t.* FROM teams t JOIN team_members m ON m.team_id = t.id WHERE t.portal_id = ?1 AND m.developer_id = ?2",
        fields: [:])

    /// ?1 team. The v2 file's list-portal-team-developers filters on email, full_name, attributes and
    /// active, and has no `sort`. Developers here keep no custom attributes: `attributes` is the
    /// empty object's text, so `contains` finds nobody and `eq` "{}" everybody (docs/decisions.md).
    public static let members = Listing(
        base: """
            SELECT d.id, d.email, d.created_at, d.updated_at, d.status = 'approved' AS active,
              \(developerFullNameSQL("d")) AS full_name, '{}' AS attributes
            FROM team_members m JOIN developers d ON d.id = m.developer_id WHERE m.team_id = ?1
            """,
        fields: [
            "email": .init(.string, column: "email", sortable: false), "full_name": .init(.string, column: "full_name", sortable: false),
            "attributes": .init(.string, column: "attributes", sortable: false), "active": .init(.boolean, column: "active", sortable: false),
        ])

    /// ?1 team.
    public static let roles = Listing(base: "SELECT * FROM team_roles WHERE team_id = ?1", fields: [:])

    public func teams(portalID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<Team> {
        try database.list(Self.teams, scope: [portalID], criteria, as: Team.self)
    }

    public func teams(ofDeveloper developerID: String, portalID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<Team> {
        try database.list(Self.developerTeams, scope: [portalID, developerID], criteria, as: Team.self)
    }

    public func team(id: String, portalID: String) throws(StorageError) -> Team? {
        try database.read { db in try Team.filter(Column("id") == id && Column("portal_id") == portalID).fetchOne(db) }
    }

    /// Inserts or saves `team`; a name another team of the portal has throws `.uniqueViolation`.
    public func save(_ team: Team, audit: AuditEntry) throws(StorageError) {
        try database.write { db in
            try team.save(db)
            try audit.record(in: db)
        }
    }

    public func delete(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM teams WHERE id = ? AND portal_id = ?", [id, portalID], audit: audit)
    }

    public func members(teamID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<TeamMember> {
        try database.list(Self.members, scope: [teamID], criteria, as: TeamMember.self)
    }

    /// Why a developer cannot join.
    public enum MembershipRefusal: Error, Sendable, Equatable { case unknownDeveloper, alreadyMember }

    /// Adds the portal's developer `developerID` to the team.
    public func addMember(teamID: String, developerID: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Result<Void, MembershipRefusal> {
        try database.write { db in
            guard try Developer.filter(Column("id") == developerID && Column("portal_id") == portalID).fetchCount(db) == 1 else {
                return .failure(.unknownDeveloper)
            }
            guard try Int.fetchOne(db, sql: "SELECT count(*) FROM team_members WHERE team_id = ? AND developer_id = ?",
                                   arguments: [teamID, developerID]) == 0
            else { return .failure(.alreadyMember) }
            try db.execute(sql: "INSERT INTO team_members (team_id, developer_id, created_at) VALUES (?, ?, ?)",
                           arguments: [teamID, developerID, audit.at.stored])
            try audit.record(in: db)
            return .success(())
        }
    }

    public func removeMember(teamID: String, developerID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM team_members WHERE team_id = ? AND developer_id = ?", [teamID, developerID], audit: audit)
    }

    public func roles(teamID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<TeamRole> {
        try database.list(Self.roles, scope: [teamID], criteria, as: TeamRole.self)
    }

    /// Assigns `role`; the same role on the same entity twice throws `.uniqueViolation`.
    public func assign(_ role: TeamRole, audit: AuditEntry) throws(StorageError) {
        try database.write { db in
            try role.insert(db)
            try audit.record(in: db)
        }
    }

    public func removeRole(id: String, teamID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM team_roles WHERE id = ? AND team_id = ?", [id, teamID], audit: audit)
    }

    /// SQL condition on a product id column: one of `developer`'s teams holds one of `roleNames` on it.
    static func productGrantedSQL(roleNames: [String]) -> String {
        let names = roleNames.map { "'\($0.replacingOccurrences(of: "'", with: "''"))'" }.joined(separator: ", ")
        return """
            product_id IN (SELECT r.entity_id FROM team_roles r JOIN team_members m ON m.team_id = r.team_id
                           WHERE m.developer_id = ? AND r.role_name IN (\(names)))
            """
    }
}
