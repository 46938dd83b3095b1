/// `GET /developer`: the logged-in developer (seed 000, operation `get-developer`).
enum DeveloperResource {
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        return .json(developer.developerAPIJSON)
    }
}
