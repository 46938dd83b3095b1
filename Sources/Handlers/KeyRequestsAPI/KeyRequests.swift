import Foundation
import Storage

/// `/api/portal/requests` (seed 002, Tyk's portal key requests): a developer's request for access to
/// a product version. One row with the developer API's application instance and the management API's
/// application registration: approving here approves it there too.
///
/// Authorized by project tokens (`Authorization: <token>` or `Bearer <token>`): viewers read, editors
/// create, update and approve, admins also delete. The org is the token's portal; a root token works
/// on the portal of the request's host.
enum KeyRequests {
    static func register(on router: inout Router) {
        router.add("GET", "/api/portal/requests", list)
        router.add("POST", "/api/portal/requests", create)
        router.add("GET", "/api/portal/requests/{id}", show)
        // The seed writes the method as `UPDATE`, which is not HTTP; PUT is what clients send.
        router.add("PUT", "/api/portal/requests/{id}", update)
        router.add("DELETE", "/api/portal/requests/{id}", delete)
        router.add("PUT", "/api/portal/requests/approve/{id}", approve)
    }

    /// Tyk's page size for the key-request list.
    static let pageSize = 10

    /// `{"Data": [...], "Pages": N}`; `p` is the page (from 1; -1 for all), `approved=true|false` filters.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let org = try organisation(.viewer, request, context)
        var page: Int? = 1
        if let text = request.query["p"] {
            guard let number = Int(text), number >= -1, number <= 1_000_000 else {
                throw HTTPError(400, "p must be a page number (1 to 1000000) or -1 for all")
            }
            page = number == -1 ? nil : max(1, number)
        }
        var approved: Bool?
        if let text = request.query["approved"] {
            guard text == "true" || text == "false" else { throw HTTPError(400, "approved must be true or false") }
            approved = text == "true"
        }
        let (items, pages) = try context.services.keyRequests.list(portalID: org.id, approved: approved, page: page, pageSize: pageSize)
        return .json(.object([("Data", .array(items.map(\.keyRequestJSON))), ("Pages", .int(Int64(pages)))]))
    }

    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let org = try organisation(.viewer, request, context)
        guard let found = try context.services.keyRequests.find(id: request.parameters["id"] ?? "", portalID: org.id) else {
            throw HTTPError(404, "Key request not found")
        }
        return .json(found.keyRequestJSON)
    }

    /// Creates a pending request of `by_user` for `for_plan` (a product version id; `apply_policies[0]`
    /// is accepted too). Our extension: `application_id` names the developer's application to register;
    /// without it the request gets an application of its own.
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let org = try organisation(.editor, request, context)
        let body = try KeyRequestBody(request.body)
        guard let developerID = body.string("by_user") ?? body.document["portal_developer"]?["id"]?.stringValue else {
            throw HTTPError(400, "by_user (the developer's id) is required")
        }
        guard let versionID = body.string("for_plan") ?? body.firstPolicy else {
            throw HTTPError(400, "for_plan (the product version's id) is required")
        }
        let fields = try body.fields() ?? "{}"
        let services = context.services
        let name = body.document["fields"]?["oauth_app_description"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "Key request"
        let result: Result<String, KeyRequestRepository.CreationRefusal>
        do {
            result = try services.keyRequests.create(.init(
                portalID: org.id, developerID: developerID, versionID: versionID, applicationID: body.string("application_id"),
                applicationName: String(name.prefix(255)), fields: fields, now: services.now()))
        } catch {
            throw error.kind == .uniqueViolation ? HTTPError(409, "This application already requested this plan") : error
        }
        switch result {
        case .success(let id):
            context.logger.info("key request created", metadata: ["registration.id": "\(id)"])
            return ok(id)
        case .failure(.unknownDeveloper): throw HTTPError(404, "No developer \(developerID) in this organisation")
        case .failure(.unknownApplication): throw HTTPError(404, "The developer has no application \(body.string("application_id") ?? "")")
        case .failure(.versionClosed): throw HTTPError(400, "Plan \(versionID) does not take key requests (unknown, unpublished or closed)")
        }
    }

    /// Replaces `fields`; `"approved": false` on an approved request withdraws the approval. Approving
    /// goes through `/approve/{id}` (it issues the credential), so `"approved": true` here is refused
    /// unless the request already is approved.
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let org = try organisation(.editor, request, context)
        let id = request.parameters["id"] ?? ""
        let body = try KeyRequestBody(request.body)
        let services = context.services
        guard let existing = try services.keyRequests.find(id: id, portalID: org.id) else { throw HTTPError(404, "Key request not found") }
        var revoke = false
        switch body.document["approved"] {
        case nil, .null?: break
        case .bool(let approved)?:
            let isApproved = existing.registration.status == .approved
            if approved, !isApproved { throw HTTPError(400, "Approve a key request with PUT /api/portal/requests/approve/\(id)") }
            revoke = isApproved && !approved
        default: throw HTTPError(400, "approved must be true or false")
        }
        guard try services.keyRequests.update(id: id, portalID: org.id, fields: try body.fields(), revoke: revoke, now: services.now()) else {
            throw HTTPError(404, "Key request not found")
        }
        return ok(id)
    }

    /// Deleting needs the admin role (DESIGN.md: admins do the destructive operations).
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let org = try organisation(.admin, request, context)
        guard try context.services.keyRequests.delete(id: request.parameters["id"] ?? "", portalID: org.id) else {
            throw HTTPError(404, "Key request not found")
        }
        return .json(.object([("Status", .string("OK")), ("Message", .string("Data deleted")), ("Meta", .null)]))
    }

    /// Approves and issues the version's credential, returned once: `{"RawKey", "Password"}` for an API
    /// key (Password empty) or basic auth (RawKey is the username), `{client_id, secret, policy_id,
    /// redirect_uri}` for OAuth2. The developer is told by mail; the key shows in their developer API.
    static func approve(_ request: Request, _ context: RequestContext) throws -> Response {
        let org = try organisation(.editor, request, context)
        let services = context.services
        // Links go to the org's portal, not to whichever host the admin called.
        let baseURL = services.baseURL(for: org)
        let outcome = try services.keyRequests.approve(
            id: request.parameters["id"] ?? "", portalID: org.id, now: services.now(),
            issue: { strategy in
                switch strategy {
                case .keyAuth: .key(SecretToken.generate())
                case .basicAuth: .basicAuth(username: SecretToken.generate(byteCount: 9), password: SecretToken.generate(byteCount: 18))
                case .oauth2: .oauth2(clientID: SecretToken.generate(byteCount: 16), secret: SecretToken.generate())
                }
            },
            mail: { KeyRequestEmails.approved($0, credential: $1, baseURL: baseURL) })
        switch outcome {
        case .success(let (approved, credential)):
            services.background.wakeUp()
            context.logger.info("key request approved", metadata: ["registration.id": "\(approved.registration.id)"])
            switch credential {
            case .key(let key):
                return .json(.object([("RawKey", .string(key)), ("Password", .string(""))]))
            case let .basicAuth(username, password):
                return .json(.object([("RawKey", .string(username)), ("Password", .string(password))]))
            case let .oauth2(clientID, secret):
                return .json(.object([
                    ("client_id", .string(clientID)), ("secret", .string(secret)), ("policy_id", .string(approved.version.id)),
                    ("redirect_uri", .string(approved.application.redirectURI)),
                ]))
            }
        case .failure(.notFound): throw HTTPError(404, "Key request not found")
        case .failure(.alreadyApproved): throw HTTPError(409, "Key request is already approved")
        case .failure(.versionClosed): throw HTTPError(409, "The plan no longer takes key requests")
        case .failure(.developerInactive): throw HTTPError(409, "The developer's account is not active")
        }
    }

    /// `{"Status": "OK", "Message": "<id>", "Meta": null}`.
    static func ok(_ id: String) -> Response {
        .json(.object([("Status", .string("OK")), ("Message", .string(id)), ("Meta", .null)]))
    }

    /// The org (portal) the request acts on, after checking the token's role there: the token's own
    /// portal, whatever host was called, or for a root token the host's.
    private static func organisation(_ role: ProjectToken.Role, _ request: Request, _ context: RequestContext) throws -> Portal {
        let token = try AdminAuthentication.requireToken(request, services: context.services)
        let orgID = token.portalID ?? context.portal.id
        guard token.allows(role, on: orgID) else {
            throw HTTPError(403, "This token's role (\(token.role.rawValue)) may not do this; it needs \(role.rawValue)")
        }
        if orgID == context.portal.id { return context.portal }
        guard let org = try context.services.portals.find(id: orgID) else { throw HTTPError(401, "Invalid, expired or revoked project token") }
        return org
    }
}

/// A key request's JSON body.
struct KeyRequestBody {
    let document: JSON

    init(_ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { document = .object([]); return }
        do {
            document = try JSON.parse(bytes)
        } catch {
            throw HTTPError(400, "The body is not valid JSON: \(error.message)")
        }
        guard case .object = document else { throw HTTPError(400, "The body must be a JSON object") }
    }

    func string(_ name: String) -> String? {
        document[name]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    var firstPolicy: String? {
        guard case .array(let items)? = document["apply_policies"] else { return nil }
        return items.first?.stringValue
    }

    /// `fields` as JSON text (an object of strings), nil when absent.
    func fields() throws -> String? {
        switch document["fields"] {
        case nil, .null?: return nil
        case .object(let members)? where members.count <= 50 && members.allSatisfy({ $0.1.stringValue.map { $0.count <= 4096 } ?? false }):
            return JSON.object(members).text
        default: throw HTTPError(400, "fields must be an object of at most 50 strings")
        }
    }
}
