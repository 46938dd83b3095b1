import Foundation
import Storage

/// How a portal's developers authenticate (seed 001 Portal Auth Settings) and the IdP groups that
/// map onto its teams. `basic_auth_enabled=false` turns password login off in the developer API.
enum AuthenticationSettingsEndpoints {
    static func register(on router: inout Router) {
        router.add("GET", "/api/v2/portals/{portalId}/authentication-settings", show)
        router.add("PATCH", "/api/v2/portals/{portalId}/authentication-settings", update)
        router.add("GET", "/api/v2/portals/{portalId}/identity-provider/team-group-mappings", groupMappings)
        router.add("PATCH", "/api/v2/portals/{portalId}/identity-provider/team-group-mappings", updateGroupMappings)
    }

    static let claimNames = ["name", "email", "groups"]

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        return .json(json(try context.services.portalSettings.authenticationSettings(portalID: access.portal.id)))
    }

    /// The members given replace the stored ones inside the write transaction
    /// (`PortalSettingsRepository.updateAuthenticationSettings`), where the OIDC dependency is checked too.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: [
            "basic_auth_enabled", "oidc_auth_enabled", "saml_auth_enabled", "oidc_team_mapping_enabled", "idp_mapping_enabled",
            "konnect_mapping_enabled", "oidc_issuer", "oidc_client_id", "oidc_client_secret", "oidc_scopes", "oidc_claim_mappings",
        ])
        let switches: [(String, WritableKeyPath<AuthenticationSettings, Bool>)] = [
            ("basic_auth_enabled", \.basicAuthEnabled), ("oidc_auth_enabled", \.oidcAuthEnabled), ("saml_auth_enabled", \.samlAuthEnabled),
            ("oidc_team_mapping_enabled", \.oidcTeamMappingEnabled), ("idp_mapping_enabled", \.idpMappingEnabled),
            ("konnect_mapping_enabled", \.konnectMappingEnabled),
        ]
        let given = switches.compactMap { name, key in body.bool(name).map { (key, $0) } }
        let issuer = body.url("oidc_issuer", nullable: true)
        let clientID = body.string("oidc_client_id", maxLength: 255, nullable: true)
        let clientSecret = body.string("oidc_client_secret", maxLength: 1024, nullable: true)
        let scopes = body.strings("oidc_scopes").map { JSON.array($0.map { .string($0) }).text }
        let mappings = claimMappings(body.value("oidc_claim_mappings"), field: "oidc_claim_mappings", &body)?.text
        try body.finish()
        let outcome = try context.services.portalSettings.updateAuthenticationSettings(
            portalID: access.portal.id, now: context.services.now(),
            audit: access.audit("portal.authentication_settings.update", "portal", access.portal.id)
        ) { settings in
            for (key, value) in given { settings[keyPath: key] = value }
            settings.oidcIssuer = issuer.apply(to: settings.oidcIssuer)
            settings.oidcClientID = clientID.apply(to: settings.oidcClientID)
            settings.oidcClientSecret = clientSecret.apply(to: settings.oidcClientSecret)
            if let scopes { settings.oidcScopes = scopes }
            if let mappings { settings.oidcClaimMappings = mappings }
            return !settings.oidcAuthEnabled || (settings.oidcIssuer != nil && settings.oidcClientID != nil)
        }
        switch outcome {
        case .updated(let settings): return .json(json(settings))
        case .noPortal: throw ManagementAPIError.notFound("Portal")
        case .refused: throw ManagementAPIError.dependent("oidc_auth_enabled", on: ["oidc_issuer", "oidc_client_id"])
        }
    }

    /// `{name, email, groups}` claim names (each optional, 1–255 characters), over the defaults;
    /// nil (with a problem recorded if it was present but wrong) when absent or invalid.
    static func claimMappings(_ value: JSON?, field: String, _ body: inout ManagementBody) -> JSON? {
        guard let value else { return nil }
        guard case .object(let members) = value else {
            body.reject(field, "must be an object of claim names", rule: "is_object")
            return nil
        }
        var mappings = claimNames.map { ($0, JSON.string($0)) }
        for (key, claim) in members {
            guard let index = claimNames.firstIndex(of: key) else {
                body.reject("\(field).\(key)", "is not a property of claim mappings (name, email, groups)", rule: "unknown_property")
                return nil
            }
            guard let text = claim.stringValue, (1...255).contains(text.count) else {
                body.reject("\(field).\(key)", "must be a claim name of 1 to 255 characters", rule: "is_string")
                return nil
            }
            mappings[index].1 = .string(text)
        }
        return .object(mappings)
    }

    static func json(_ settings: AuthenticationSettings) -> JSON {
        var members: [(String, JSON)] = [
            ("basic_auth_enabled", .bool(settings.basicAuthEnabled)), ("oidc_auth_enabled", .bool(settings.oidcAuthEnabled)),
            ("saml_auth_enabled", .bool(settings.samlAuthEnabled)), ("oidc_team_mapping_enabled", .bool(settings.oidcTeamMappingEnabled)),
            ("idp_mapping_enabled", .bool(settings.idpMappingEnabled)), ("konnect_mapping_enabled", .bool(settings.konnectMappingEnabled)),
        ]
        if let issuer = settings.oidcIssuer, let clientID = settings.oidcClientID {
            members.append(("oidc_config", .object([
                ("issuer", .string(issuer)), ("client_id", .string(clientID)),
                ("scopes", (try? JSON.parse(settings.oidcScopes)) ?? .array([])),
                ("claim_mappings", (try? JSON.parse(settings.oidcClaimMappings)) ?? .object([])),
            ])))
        }
        return .object(members)
    }

    // MARK: Team group mappings

    /// 400 while the portal has no identity provider (the seed says so).
    private static func requireIdentityProvider(_ access: ManagementAccess) throws {
        guard try access.context.services.identityProviders.hasIdentityProvider(portalID: access.portal.id) else {
            throw ManagementAPIError.invalid("identity_provider", "no identity provider is configured for this portal", rule: "missing_reference", source: "path")
        }
    }

    static func groupMappings(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.viewer, portalID: try request.uuidParameter("portalId"), request, context)
        let criteria = try ListQuery.criteria(request, Listing(base: "", fields: [:]))
        try requireIdentityProvider(access)
        return mappingsPage(try context.services.identityProviders.groupMappings(
            portalID: access.portal.id, pageSize: criteria.pageSize, pageNumber: criteria.pageNumber), criteria)
    }

    /// `{"data": [{team_id, groups}]}`: each team's groups are replaced; `[]` removes them.
    static func updateGroupMappings(_ request: Request, _ context: RequestContext) throws -> Response {
        let access = try ManagementAccess.require(.editor, portalID: try request.uuidParameter("portalId"), request, context)
        var body = try ManagementBody(request, allowed: ["data"])
        var mappings: [TeamGroupMapping] = []
        switch body.value("data") {
        case .array(let items)?:
            for (index, item) in items.enumerated() {
                guard let teamID = item["team_id"]?.stringValue, UUID(uuidString: teamID) != nil else {
                    body.reject("data[\(index)].team_id", "must be a team's UUID", rule: "is_uuid")
                    continue
                }
                guard case .array(let groups)? = item["groups"], groups.allSatisfy({ ($0.stringValue.map { (1...255).contains($0.count) }) ?? false }),
                      groups.count <= 100
                else {
                    body.reject("data[\(index)].groups", "must be an array of at most 100 group names of 1 to 255 characters", rule: "is_array")
                    continue
                }
                mappings.append(TeamGroupMapping(teamID: teamID.lowercased(), groups: groups.compactMap(\.stringValue)))
            }
        case nil: body.require("data")
        default: body.reject("data", "must be an array", rule: "is_array")
        }
        try body.finish()
        try requireIdentityProvider(access)
        let unknown = try context.services.identityProviders.replaceGroups(
            mappings, portalID: access.portal.id, audit: access.audit("portal.team_group_mappings.update", "portal", access.portal.id))
        guard unknown.isEmpty else {
            throw ManagementAPIError.invalid(unknown.map {
                .init(field: "data.team_id", reason: "\($0) is not a team of this portal", rule: "missing_reference", source: "body")
            })
        }
        let criteria = ListCriteria(pageSize: ListQuery.defaultPageSize, pageNumber: 1)
        return mappingsPage(try context.services.identityProviders.groupMappings(portalID: access.portal.id, pageSize: criteria.pageSize, pageNumber: 1), criteria)
    }

    private static func mappingsPage(_ slice: ListSlice<TeamGroupMapping>, _ criteria: ListCriteria) -> Response {
        ListQuery.page(slice, criteria) { mapping in
            .object([("team_id", .string(mapping.teamID)), ("groups", .array(mapping.groups.map { .string($0) }))])
        }
    }
}
