/// The developer-facing portal API (seed 000, Kong Dev Portal), mounted at `/api/v1`.
enum DeveloperAPI {
    static let prefix = "/api/v1"

    static func register(on router: inout Router) {
        router.add("GET", prefix + "/auth", Authentication.login)
        router.add("DELETE", prefix + "/auth", Authentication.logout)
        router.add("POST", prefix + "/register", Registration.register)
        router.add("GET", prefix + "/developer", DeveloperResource.show)
    }
}
