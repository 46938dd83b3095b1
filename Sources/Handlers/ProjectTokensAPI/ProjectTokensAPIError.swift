/// A seed-003 error with details: `{message, code, status, info}`, where `info` names the fields at fault.
struct ProjectTokensAPIError: ResponseError, Sendable {
    let status: Int
    let message: String
    let info: JSON

    /// 400 naming each field and why.
    static func invalid(_ fields: [(String, JSON)]) -> ProjectTokensAPIError {
        let names = fields.map(\.0).joined(separator: ", ")
        return ProjectTokensAPIError(status: 400, message: "Invalid value for \(names)", info: .object([("fields", .object(fields))]))
    }

    func response(family: APIFamily, path: String) -> Response {
        let title = Response.reasonPhrases[status] ?? "Error"
        return .json(.object([
            ("message", .string(message)), ("code", .string(title.uppercased().replacingSpaces())),
            ("status", .int(Int64(status))), ("info", info),
        ]), status: status)
    }
}
