/// Errors of the developer API (seed 000), in Kong Dev Portal's two shapes:
/// `{ "message": "…" }` and `{ "fields": { … }, "code": N }`.
public enum DeveloperAPIError: ResponseError, Sendable, Equatable {
    /// `{ "message": … }` with a status.
    case message(status: Int, String)
    /// `{ "fields": …, "code": … }` with a status: per-field validation or conflict errors; with a
    /// `message` beside them where the spec requires one (`PATCH /developer/password`).
    case fields(status: Int, JSON, code: Int, message: String? = nil)
    /// 429 `{ "message": … }` with `Retry-After`: too many failed password checks for one account.
    case tooManyAttempts(retryAfter: Int)

    /// Kong's error codes: 2 is a schema violation, 5 a unique-constraint violation.
    public static let schemaViolation = 2
    public static let uniqueViolation = 5

    /// 401 `{ "message": "Unauthorized" }`: no valid session or credentials.
    public static let unauthorized = DeveloperAPIError.message(status: 401, "Unauthorized")
    /// 401 for credentials that do not match an account.
    public static let invalidCredentials = DeveloperAPIError.message(status: 401, "Invalid authentication credentials")

    /// 404 `{ "message": "Not found" }`: an unknown id, or one that belongs to someone else.
    public static let notFound = DeveloperAPIError.message(status: 404, "Not found")

    /// 409 `{"fields": {field: "already exists with value '…'"}, "code": 5}`, as Kong reports a
    /// unique violation.
    public static func alreadyExists(_ field: String, _ value: String) -> DeveloperAPIError {
        .fields(status: 409, .object([(field, .string("already exists with value '\(value)'"))]), code: uniqueViolation)
    }

    /// A 400 schema violation for the given field errors.
    public static func invalid(_ fields: [(String, JSON)], message: String? = nil) -> DeveloperAPIError {
        .fields(status: 400, .object(fields), code: schemaViolation, message: message)
    }

    public func response(family: APIFamily, path: String) -> Response {
        switch self {
        case let .message(status, message):
            return .json(.object([("message", .string(message))]), status: status)
        case let .fields(status, fields, code, message):
            var members: [(String, JSON)] = [("fields", fields), ("code", .int(Int64(code)))]
            if let message { members.insert(("message", .string(message)), at: 0) }
            return .json(.object(members), status: status)
        case let .tooManyAttempts(retryAfter):
            var response = Response.json(
                .object([("message", .string("Too many failed attempts for this account; try again in \(retryAfter) seconds"))]),
                status: 429)
            response.headers.add("Retry-After", String(retryAfter))
            return response
        }
    }
}
