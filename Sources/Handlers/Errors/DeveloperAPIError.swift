/// Errors of the developer API (seed 000), in Kong Dev Portal's two shapes:
/// `{ "message": "…" }` and `{ "fields": { … }, "code": N }`.
public enum DeveloperAPIError: ResponseError, Sendable, Equatable {
    /// `{ "message": … }` with a status.
    case message(status: Int, String)
    /// `{ "fields": …, "code": … }` with a status: per-field validation or conflict errors.
    case fields(status: Int, JSON, code: Int)

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
    public static func invalid(_ fields: [(String, JSON)]) -> DeveloperAPIError {
        .fields(status: 400, .object(fields), code: schemaViolation)
    }

    public func response(family: APIFamily, path: String) -> Response {
        switch self {
        case let .message(status, message):
            return .json(.object([("message", .string(message))]), status: status)
        case let .fields(status, fields, code):
            return .json(.object([("fields", fields), ("code", .int(Int64(code)))]), status: status)
        }
    }
}
