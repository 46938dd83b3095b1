import Foundation
import Storage

/// Developer teams, their members and the roles they hold (seed 001, v2 tags Portal Teams, Portal Team
/// Membership, Portal Team Roles) and the portal roles. With the portal's `rbac_enabled`, a developer
/// sees and registers only for products one of their teams holds a role on (the developer API enforces it).
enum Teams {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/teams", list)
        router.add("POST", "/api/v2/portals/{portalId}/teams", AuditedWrite.handler("team.create", "team", target: AuditedWrite.new, create))
        router.add("GET", "/api/v2/portals/{portalId}/teams/{teamId}", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/teams/{teamId}", AuditedWrite.handler("team.update", "team", target: AuditedWrite.path("teamId"), update))
        router.add("DELETE", "/api/v2/portals/{portalId}/teams/{teamId}", AuditedWrite.handler("team.delete", "team", target: AuditedWrite.path("teamId"), delete))
        router.add("GET", "/api/v2/portals/{portalId}/teams/{teamId}/developers", members)
        router.add("POST", "/api/v2/portals/{portalId}/teams/{teamId}/developers", AuditedWrite.handler(
            "team.developer.add", "team_developer", target: AuditedWrite.path("teamId", body: "id"), addMember))
        router.add("DELETE", "/api/v2/portals/{portalId}/teams/{teamId}/developers/{developerId}", AuditedWrite.handler(
            "team.developer.remove", "team_developer", target: AuditedWrite.path("teamId", "developerId"), removeMember))
        router.add("GET", "/api/v2/portals/{portalId}/teams/{teamId}/assigned-roles", roles)
        router.add("POST", "/api/v2/portals/{portalId}/teams/{teamId}/assigned-roles", AuditedWrite.handler(
            "team.role.assign", "team_role", target: AuditedWrite.path("teamId"), assignRole))
        router.add("DELETE", "/api/v2/portals/{portalId}/teams/{teamId}/assigned-roles/{roleId}", AuditedWrite.handler(
            "team.role.remove", "team_role", target: AuditedWrite.path("teamId", "roleId"), removeRole))
        router.add("GET", "/api/v2/portals/{portalId}/developers/{developerId}/teams", developerTeams)
        router.add("GET", "/api/v2/portal-roles", portalRoles)
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, TeamRepository.teams)
        return ListQuery.page(try context.services.teams.teams(portalID: access.portal.id, criteria), criteria, \.json)
    }

    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: ["name", "description"])
        let name = body.string("name", required: true, maxLength: 250)
        let description = body.string("description", minLength: 0, maxLength: 250, nullable: true)
        try body.finish()
        guard case .value(let teamName) = name else { throw ManagementAPIError.invalid("name", "is a required field", rule: "required") }
        let team = Team(portalID: access.portal.id, name: teamName, description: description.apply(to: nil), createdAt: context.services.now())
        try save(team, access.audit("team.create", "team", team.id), context)
        return .json(team.json, status: 201)
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, team) = try target(.viewer, request, context)
        return .json(team.json)
    }

    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, current) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["name", "description"])
        var team = current
        if case .value(let name) = body.string("name", maxLength: 250) { team.name = name }
        team.description = body.string("description", minLength: 0, maxLength: 250, nullable: true).apply(to: team.description)
        try body.finish()
        team.updatedAt = context.services.now()
        try save(team, access.audit("team.update", "team", team.id), context)
        return .json(team.json)
    }

    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, team) = try target(.admin, request, context)
        guard try context.services.teams.delete(id: team.id, portalID: access.portal.id, audit: access.audit("team.delete", "team", team.id)) else {
            throw ManagementAPIError.notFound("Team")
        }
        return .noContent
    }

    static func members(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, team) = try target(.viewer, request, context)
        let criteria = try ListQuery.criteria(request, TeamRepository.members)
        return ListQuery.page(try context.services.teams.members(teamID: team.id, criteria), criteria, \.json)
    }

    /// `{"id": developer id}` → 201; already a member → 409.
    static func addMember(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, team) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["id"])
        let id = body.uuid("id", nullable: false)
        try body.finish()
        guard case .value(let developerID) = id else { throw ManagementAPIError.invalid("id", "is a required field", rule: "required") }
        switch try context.services.teams.addMember(
            teamID: team.id, developerID: developerID, portalID: access.portal.id, audit: access.audit("team.developer.add", "team_developer", "\(team.id)/\(developerID)")) {
        case .success: return Response(status: 201)
        case .failure(.unknownDeveloper): throw ManagementAPIError.notFound("Developer")
        case .failure(.alreadyMember): throw ManagementAPIError.conflict("The developer is already a member of this team")
        }
    }

    static func removeMember(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, team) = try target(.editor, request, context)
        let developerID = try request.uuidParameter("developerId")
        guard try context.services.teams.removeMember(teamID: team.id, developerID: developerID, audit: access.audit("team.developer.remove", "team_developer", "\(team.id)/\(developerID)")) else {
            throw ManagementAPIError.notFound("Team member")
        }
        return .noContent
    }

    static func roles(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, team) = try target(.viewer, request, context)
        let criteria = try ListQuery.criteria(request, TeamRepository.roles)
        return ListQuery.page(try context.services.teams.roles(teamID: team.id, criteria), criteria, \.json)
    }

    static let regions = ["us", "eu", "au", "me", "in", "sg", "*"]

    /// `{role_name, entity_id, entity_type_name, entity_region}`: a portal role on one of the portal's
    /// API products ("Services").
    static func assignRole(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, team) = try target(.editor, request, context)
        var body = try ManagementBody(request, allowed: ["role_name", "entity_id", "entity_type_name", "entity_region"])
        let roleName = body.choice("role_name", [TeamRepository.viewerRole, TeamRepository.consumerRole], required: true)
        let entity = body.uuid("entity_id", nullable: false)
        let typeName = body.choice("entity_type_name", ["Services"], required: true)
        let region = body.choice("entity_region", regions) ?? "*"
        try body.finish()
        guard let roleName, let typeName, case .value(let entityID) = entity else {
            throw ManagementAPIError.invalid("entity_id", "is a required field", rule: "required")
        }
        guard try context.services.catalog.findProduct(id: entityID, portalID: access.portal.id) != nil else {
            throw ManagementAPIError.invalid("entity_id", "names no API product of this portal", rule: "missing_reference")
        }
        let role = TeamRole(teamID: team.id, roleName: roleName, entityID: entityID, entityTypeName: typeName, entityRegion: region, createdAt: context.services.now())
        do {
            try context.services.teams.assign(role, audit: access.audit("team.role.assign", "team_role", "\(team.id)/\(role.id)"))
        } catch {
            throw error.kind == .uniqueViolation ? ManagementAPIError.conflict("The team already holds this role on this entity") : error
        }
        return .json(role.json, status: 201)
    }

    static func removeRole(_ request: Request, _ context: RequestContext) throws -> Response {
        let (access, team) = try target(.editor, request, context)
        let roleID = try request.uuidParameter("roleId")
        guard try context.services.teams.removeRole(id: roleID, teamID: team.id, audit: access.audit("team.role.remove", "team_role", "\(team.id)/\(roleID)")) else {
            throw ManagementAPIError.notFound("Assigned role")
        }
        return .noContent
    }

    static func developerTeams(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let developerID = try request.uuidParameter("developerId")
        guard try context.services.management.developer(id: developerID, portalID: access.portal.id) != nil else {
            throw ManagementAPIError.notFound("Developer")
        }
        let criteria = try ListQuery.criteria(request, TeamRepository.developerTeams)
        return ListQuery.page(try context.services.teams.teams(ofDeveloper: developerID, portalID: access.portal.id, criteria), criteria, \.json)
    }

    /// The roles a team can hold, in the v2 file's fixed shape.
    static func portalRoles(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try AdminAuthentication.requireToken(request, services: context.services)
        return .json(.object([("services", .object([
            ("name", .string("Services")),
            ("roles", .object([
                ("apiviewer", .object([
                    ("name", .string(TeamRepository.viewerRole)),
                    ("description", .string("API Viewers have read-only access to the documentation of a service in a portal")),
                ])),
                ("apiconsumer", .object([
                    ("name", .string(TeamRepository.consumerRole)),
                    ("description", .string("API Consumers can make calls to the given service")),
                ])),
            ])),
        ]))]))
    }

    private static func target(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> (ManagementAccess, Team) {
        let access = try ManagementAccess.require(role, portalID: try request.uuidParameter("portalId"), request, context)
        guard let team = try context.services.teams.team(id: try request.uuidParameter("teamId"), portalID: access.portal.id) else {
            throw ManagementAPIError.notFound("Team")
        }
        return (access, team)
    }

    private static func save(_ team: Team, _ audit: AuditEntry, _ context: RequestContext) throws {
        do {
            try context.services.teams.save(team, audit: audit)
        } catch {
            throw error.kind == .uniqueViolation ? ManagementAPIError.conflict("A team with this name already exists in the portal") : error
        }
    }
}

extension Team {
    var json: JSON {
        .object([
            ("id", .string(id)), ("name", .string(name)), ("description", .string(description ?? "")),
            ("created_at", .timestamp(createdAt)), ("updated_at", .timestamp(updatedAt)),
        ])
    }
}

extension TeamMember {
    var json: JSON {
        .object([
            ("id", .string(id)), ("email", .string(email)), ("full_name", .string(fullName)), ("active", .bool(active)),
            ("created_at", .timestamp(createdAt)), ("updated_at", .timestamp(updatedAt)),
        ])
    }
}

extension TeamRole {
    var json: JSON {
        .object([
            ("id", .string(id)), ("role_name", .string(roleName)), ("entity_id", .string(entityID)),
            ("entity_type_name", .string(entityTypeName)), ("entity_region", .string(entityRegion)),
        ])
    }
}
