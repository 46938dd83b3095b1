/// The developer-facing portal API (seed 000, Kong Dev Portal), mounted at `/api/v1`.
enum DeveloperAPI {
    static let prefix = "/api/v1"

    static func register(on router: inout Router) {
        // authentication
        router.add("GET", prefix + "/auth", Authentication.login)
        router.add("DELETE", prefix + "/auth", Authentication.logout)
        // account
        router.add("POST", prefix + "/register", Registration.register)
        router.add("POST", prefix + "/verify-account", AccountVerification.verify)
        router.add("POST", prefix + "/resend-account-verification", AccountVerification.resend)
        router.add("POST", prefix + "/invalidate-account-verification", AccountVerification.invalidate)
        router.add("POST", prefix + "/forgot-password", PasswordReset.forgot)
        router.add("POST", prefix + "/validate-reset", PasswordReset.validate)
        router.add("POST", prefix + "/reset-password", PasswordReset.reset)
        // developer
        router.add("GET", prefix + "/developer", DeveloperResource.show)
        router.add("DELETE", prefix + "/developer", DeveloperResource.delete)
        router.add("GET", prefix + "/developer/meta_fields", DeveloperResource.metaFields)
        router.add("PATCH", prefix + "/developer/password", DeveloperResource.updatePassword)
        router.add("PATCH", prefix + "/developer/email", DeveloperResource.updateEmail)
        router.add("PATCH", prefix + "/developer/meta", DeveloperResource.updateMeta)
        // credentials
        KeyAuthCredentials.register(on: &router)
        JWTCredentials.register(on: &router)
        // applications
        Applications.register(on: &router)
        ApplicationServices.register(on: &router)
        ApplicationInstances.register(on: &router)
        ApplicationCredentials.register(on: &router)
        // files
        router.add("GET", prefix + "/files", Files.list)
    }
}
