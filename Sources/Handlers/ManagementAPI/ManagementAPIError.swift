/// A seed-001 error: `application/problem+json` in the v2 file's `BaseError` shape (`status`, `title`,
/// `instance`, `detail`), plus `invalid_parameters` for 400s (`BadRequestError`).
struct ManagementAPIError: ResponseError, Sendable {
    /// One entry of `invalid_parameters`: `field`, `reason`, the `rule` when one of the v2 file's rules
    /// applies, and that rule's companion (`choices`, `minimum` or `maximum`).
    struct InvalidParameter: Sendable {
        let field: String
        let reason: String
        var rule: String?
        var source: String?
        var extra: (String, JSON)?

        var json: JSON {
            var members: [(String, JSON)] = [("field", .string(field))]
            if let rule { members.append(("rule", .string(rule))) }
            if let source { members.append(("source", .string(source))) }
            members.append(("reason", .string(reason)))
            if let extra { members.append(extra) }
            return .object(members)
        }
    }

    let status: Int
    let detail: String
    var invalidParameters: [InvalidParameter] = []
    /// Already in the audit log (a role refusal `ManagementAccess.require` recorded): `AuditedWrite`
    /// does not record it again.
    var audited = false

    static func notFound(_ what: String) -> ManagementAPIError { ManagementAPIError(status: 404, detail: "\(what) not found") }
    static func conflict(_ detail: String) -> ManagementAPIError { ManagementAPIError(status: 409, detail: detail) }

    /// 400 naming the parameters at fault.
    static func invalid(_ parameters: [InvalidParameter]) -> ManagementAPIError {
        ManagementAPIError(status: 400, detail: "Invalid request: " + parameters.map { "\($0.field) \($0.reason)" }.joined(separator: "; "),
                           invalidParameters: parameters)
    }

    static func invalid(_ field: String, _ reason: String, rule: String? = nil, source: String = "body", extra: (String, JSON)? = nil) -> ManagementAPIError {
        invalid([InvalidParameter(field: field, reason: reason, rule: rule, source: source, extra: extra)])
    }

    /// 400: `field` needs `dependencies` to be set too (the v2 file's `dependent_fields` rule), for checks
    /// made against stored values after the body was read (`ManagementBody.dependent` says the same).
    static func dependent(_ field: String, on dependencies: [String]) -> ManagementAPIError {
        invalid(field, "needs \(dependencies.joined(separator: ", ")) to be set", rule: "dependent_fields",
                extra: ("dependents", .array(dependencies.map { .string($0) })))
    }

    func response(family: APIFamily, path: String) -> Response {
        var response = APIFamily.management.errorResponse(status: status, message: detail, path: path)
        if status == 400, !invalidParameters.isEmpty, case .object(var members)? = try? JSON.parse(response.body) {
            members.removeAll { $0.0 == "invalid_parameters" }
            members.append(("invalid_parameters", .array(invalidParameters.map(\.json))))
            response.body = JSON.object(members).bytes
        }
        return response
    }
}
