import Foundation
import Storage

extension KeyRequest {
    /// Tyk's key-request object (seed 002), filled from the registration, its developer, application,
    /// product and version. Fields Tyk has and we do not (JWT secrets, certificates, SSO) are empty.
    var keyRequestJSON: JSON {
        let entry = catalogueEntryJSON
        return .object([
            ("id", .string(registration.id)), ("org_id", .string(registration.portalID)), ("for_api", .string("")),
            ("for_plan", .string(version.id)), ("apply_policies", .array([.string(version.id)])),
            ("by_user", .string(developer.id)), ("fields", (try? JSON.parse(fields)) ?? .object([])),
            ("approved", .bool(registration.status == .approved)), ("date_created", .string(RFC3339.format(registration.createdAt))),
            ("version", .string("v2")), ("jwt_secret", .string("")), ("certificate", .string("")),
            ("oauth_info", .object([("redirect_uri", .string(application.redirectURI))])),
            ("portal_developer", portalDeveloperJSON), ("catalogue_entry", entry), ("catalogues", .array([entry])),
        ])
    }

    /// The developer as Tyk's portal shows one. `keys` and `oauth_clients` list issued credentials by
    /// id (never a key or a secret).
    private var portalDeveloperJSON: JSON {
        var keys: [(String, JSON)] = []
        var subscriptions: [(String, JSON)] = []
        for key in developerKeys {
            keys.append((key.credentialID, .array([.string(key.versionID)])))
            subscriptions.append((key.versionID, .string(key.credentialID)))
        }
        var clients: [(String, [JSON])] = []
        for client in developerClients {
            let json = JSON.object([
                ("client_id", .string(client.credential.clientID)), ("secret", .string("")),
                ("redirect_uri", .string(client.redirectURI)), ("app_description", .string(client.description)),
                ("use_case", .string("")), ("date_created", .string(RFC3339.format(client.credential.createdAt))),
            ])
            if let index = clients.firstIndex(where: { $0.0 == client.versionID }) { clients[index].1.append(json) } else { clients.append((client.versionID, [json])) }
        }
        return .object([
            ("id", .string(developer.id)), ("email", .string(developer.email)),
            ("date_created", .string(RFC3339.format(developer.createdAt))), ("inactive", .bool(developer.status != .approved)),
            ("org_id", .string(developer.portalID)), ("keys", .object(keys)), ("subscriptions", .object(subscriptions)),
            ("fields", (try? JSON.parse(developer.meta)) ?? .object([])), ("nonce", .string("")), ("sso_key", .string("")),
            ("oauth_clients", .object(clients.map { ($0.0, .array($0.1)) })), ("password_max_days", .int(0)),
            // Never set since sign-up: the sign-up time. Never logged in: Go's zero time, as Tyk writes it.
            ("password_updated", .string(RFC3339.format(developerActivity.passwordUpdatedAt ?? developer.createdAt))),
            ("PWHistory", .array([])),
            ("last_login_date", .string(developerActivity.lastLoginAt.map { RFC3339.format($0) } ?? "0001-01-01T00:00:00Z")),
        ])
    }

    /// The product version as a Tyk catalogue entry: its id is the policy, its auth strategy the auth type.
    private var catalogueEntryJSON: JSON {
        let emailCopy = JSON.object([
            ("enabled", .bool(false)), ("subject", .string("")), ("body", .string("")), ("sign_off", .string("")),
            ("hide_token_data", .bool(false)),
        ])
        let config = JSON.object([
            ("id", .string("")), ("org_id", .string(version.portalID)), ("signup_fields", .array([])), ("key_request_fields", .array([])),
            ("require_key_approval", .bool(!version.autoApproveRegistration)), ("redirect_on_key_request", .bool(false)),
            ("redirect_to", .string("")), ("enable_multi_selection", .bool(false)), ("disable_login", .bool(false)),
            ("disable_signup", .bool(false)), ("disable_auto_login", .bool(false)), ("catalogue_login_only", .bool(false)),
            ("oauth_usage_limit", .int(-1)), ("email", .string("")),
            ("mail_options", .object([
                ("mail_from_name", .string("")), ("mail_from_email", .string("")),
                ("email_copy", .object([("welcome_email", emailCopy), ("key_email", emailCopy), ("reset_password_email", emailCopy)])),
            ])),
            ("override", .bool(false)), ("HashKeys", .bool(false)),
        ])
        return .object([
            ("name", .string("\(product.name) \(version.name)")), ("short_description", .string(version.description)),
            ("long_description", .string(product.description)), ("show", .bool(version.publishStatus == .published)),
            ("api_id", .string("")), ("policy_id", .string(version.id)), ("documentation", .string("")), ("version", .string("v2")),
            ("is_keyless", .bool(false)), ("config", config), ("fields", .object([])), ("auth_type", .string(authType)),
        ])
    }

    /// Tyk's names for the auth strategies.
    private var authType: String {
        switch version.authStrategy {
        case .keyAuth: "authToken"
        case .basicAuth: "basic"
        case .oauth2: "oauth"
        }
    }
}

/// The mail a developer gets when a key request is approved.
enum KeyRequestEmails {
    static func approved(_ request: KeyRequest, credential: IssuedCredential, baseURL: String) -> OutgoingMail {
        let plan = "\(request.product.name) \(request.version.name)"
        let how: String
        switch credential {
        case .key:
            how = "Your API key is listed in the developer portal: \(baseURL)/api/v1/credentials/key-auth"
        case let .basicAuth(username, password):
            how = "Authenticate with HTTP Basic: username \(username), password \(password). Keep the password safe: it is not shown again."
        case .oauth2:
            how = "Your OAuth2 client credentials are listed with your application: \(baseURL)/api/v1/applications/\(request.application.id)/credentials"
        }
        return OutgoingMail(
            recipient: request.developer.email, subject: "Your access to \(plan) was approved",
            body: """
                Your request for access to \(plan) was approved.

                \(how)
                """)
    }
}
