import Storage

/// `/applications/{id}/application_instances` (seed 000, tag `application-instances`): the
/// application's registrations to application services. Only the owner's applications are found.
enum ApplicationInstances {
    static let serviceField = "service.id"

    static func register(on router: inout Router) {
        let base = DeveloperAPI.prefix + "/applications/{id}/application_instances"
        router.add("GET", base, list)
        router.add("POST", base, create)
        router.add("GET", base + "/{instance}", show)
        router.add("DELETE", base + "/{instance}", delete)
    }

    /// `GET …/application_instances`: `{data, next, total}` of instances shaped like the POST
    /// response (the spec's schema here is a copy of the services list; the items are instances).
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, application) = try Applications.owned(request, context)
        let (page, pageRequest) = try DeveloperAPIList.fetch(request) { page in
            try context.services.applications.registrations(applicationID: application.id, portalID: context.portal.id, page)
        }
        return DeveloperAPIList.response(page, size: pageRequest.size, path: request.path) { $0.developerAPIJSON }
    }

    /// `POST …/application_instances` (operation `create-application-instance`) with `service.id`:
    /// 201 with the instance, pending unless the service auto-approves.
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let (developer, application) = try Applications.owned(request, context)
        let form = try FormFields(request)
        guard let serviceID = serviceID(in: form) else {
            throw DeveloperAPIError.invalid([(serviceField, .string("required field missing"))])
        }
        let registration: ApplicationRegistration?
        do {
            registration = try context.services.applications.register(
                applicationID: application.id, portalID: context.portal.id, serviceID: serviceID,
                consumer: context.portal.rbacEnabled ? developer.id : nil, now: context.services.now())
        } catch {
            if error.kind == .uniqueViolation {
                throw DeveloperAPIError.alreadyExists(serviceField, serviceID)
            }
            // The application was deleted since it was found.
            if error.kind == .foreignKeyViolation { throw DeveloperAPIError.notFound }
            throw error
        }
        // A body field, not a path: an id that names no open service is a field error, and
        // unknown, unpublished and closed versions look alike.
        guard let registration else {
            throw DeveloperAPIError.invalid([(serviceField, .string("no application service with this id"))])
        }
        context.logger.info("application registered to a service", metadata: [
            "application.id": "\(application.id)", "developer.id": "\(developer.id)",
            "registration.id": "\(registration.id)", "registration.status": "\(registration.status.rawValue)",
        ])
        return .json(registration.developerAPIJSON, status: 201)
    }

    /// `GET …/application_instances/{instance}` (operation `get-application-instance`).
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, application) = try Applications.owned(request, context)
        guard let id = request.parameters["instance"],
              let registration = try context.services.applications.findRegistration(
                  id: id, applicationID: application.id, portalID: context.portal.id)
        else { throw DeveloperAPIError.notFound }
        return .json(registration.developerAPIJSON)
    }

    /// `DELETE …/application_instances/{instance}` (operation `delete-application-instance`): 204.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let (_, application) = try Applications.owned(request, context)
        guard let id = request.parameters["instance"],
              try context.services.applications.deleteRegistration(id: id, applicationID: application.id, portalID: context.portal.id)
        else { throw DeveloperAPIError.notFound }
        return .noContent
    }

    /// The service id: the form's literal `service.id` key, or `{"service": {"id": …}}` in JSON.
    static func serviceID(in form: FormFields) -> String? {
        if let id = form[serviceField] { return id }
        guard let nested = form["service"], let object = try? JSON.parse(nested),
              let id = object["id"]?.stringValue, !id.isEmpty
        else { return nil }
        return id
    }
}

extension ApplicationRegistration {
    /// Kong's numeric registration status: 0 approved, 1 pending, 2 rejected, 3 revoked.
    var kongStatus: Int64 {
        switch status {
        case .approved: 0
        case .pending: 1
        case .rejected: 2
        case .revoked: 3
        }
    }

    /// `{created_at, suspended, status, id, composite_id, updated_at, application: {id}, service: {id}}`
    /// in the order of the seed's example; `composite_id` is `<application id>_<service id>`.
    var developerAPIJSON: JSON {
        .object([
            ("created_at", .epochSeconds(createdAt)),
            ("suspended", .bool(suspended)),
            ("status", .int(kongStatus)),
            ("id", .string(id)),
            ("composite_id", .string("\(applicationID)_\(productVersionID)")),
            ("updated_at", .epochSeconds(updatedAt)),
            ("application", .object([("id", .string(applicationID))])),
            ("service", .object([("id", .string(productVersionID))])),
        ])
    }
}
