import Foundation

/// `GET /health`: whether this worker can reach the database, and which worker answered.
enum HealthEndpoint {
    static func register(on router: inout Router) {
        router.addSystem("GET", "/health", health)
    }

    static func health(_ request: Request, _ services: Services) -> Response {
        let reachable = services.database.ping()
        return .json(.object([
            ("status", .string(reachable ? "ok" : "unavailable")),
            ("database", .string(reachable ? "reachable" : "unreachable")),
            ("pid", .int(Int64(ProcessInfo.processInfo.processIdentifier))),
        ]), status: reachable ? 200 : 503)
    }
}
