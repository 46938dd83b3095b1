import Crypto
import Foundation
import Storage
import _CryptoExtras

/// `GET/POST /credentials/jwt` and `GET/PATCH/DELETE /credentials/jwt/{id}` (seed 000, operations
/// `get-credentials-jwt`, `create-credential-jwt`, `get-credential-jwt`, `patch-credential-jwt`,
/// `delete-credential-jwt`): the logged-in developer's JWT credentials.
enum JWTCredentials {
    /// The collection's path.
    static let path = DeveloperAPI.prefix + "/credentials/jwt"

    /// Adds the routes of this resource.
    static func register(on router: inout Router) {
        router.add("GET", path, list)
        router.add("POST", path, create)
        router.add("GET", path + "/{id}", show)
        router.add("PATCH", path + "/{id}", update)
        router.add("DELETE", path + "/{id}", delete)
    }

    /// `{data, next, total}` of the developer's JWT credentials, in creation order.
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let (page, pageRequest) = try DeveloperAPIList.fetch(request) { page in
            try context.services.credentials.jwtPage(developerID: developer.id, portalID: context.portal.id, page)
        }
        return DeveloperAPIList.response(page, size: pageRequest.size, path: request.path) {
            $0.developerAPIJSON(consumerID: developer.consumerID)
        }
    }

    /// Creates a credential from `key`, `secret`, `algorithm` (all required) and `rsa_public_key`
    /// (required for RS*/ES256). The seed answers 200 (not 201).
    static func create(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let form = try FormFields(request)
        let input = JWTInput(key: form["key"], secret: form["secret"], algorithm: form["algorithm"], rsaPublicKey: form["rsa_public_key"])
        let valid = try input.validated()
        let services = context.services
        let credential = JWTCredential(
            portalID: context.portal.id, developerID: developer.id, key: valid.key, secret: valid.secret,
            algorithm: valid.algorithm, rsaPublicKey: valid.rsaPublicKey, createdAt: services.now())
        do {
            try services.credentials.createJWT(credential)
        } catch {
            throw error.kind == .uniqueViolation ? DeveloperAPIError.alreadyExists("key", credential.key) : error
        }
        context.logger.info("jwt credential created", metadata: ["developer.id": "\(developer.id)", "credential.id": "\(credential.id)"])
        return .json(credential.developerAPIJSON(consumerID: developer.consumerID))
    }

    /// One credential of the developer; another developer's (or an unknown) id is 404.
    static func show(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let credential = try find(request, context, developer)
        return .json(credential.developerAPIJSON(consumerID: developer.consumerID))
    }

    /// Partial update: the fields sent replace the stored ones, then the result is validated as a
    /// whole (switching to RS256 needs a key; switching to HS* drops the stored public key).
    static func update(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        var credential = try find(request, context, developer)
        let form = try FormFields(request)
        let input = JWTInput(
            key: form["key"] ?? credential.key,
            secret: form["secret"] ?? credential.secret,
            algorithm: form["algorithm"] ?? credential.algorithm.rawValue,
            rsaPublicKey: form["rsa_public_key"] ?? credential.rsaPublicKey)
        let valid = try input.validated()
        credential.key = valid.key
        credential.secret = valid.secret
        credential.algorithm = valid.algorithm
        credential.rsaPublicKey = valid.rsaPublicKey
        let saved: Bool
        do {
            saved = try context.services.credentials.updateJWT(credential)
        } catch {
            throw error.kind == .uniqueViolation ? DeveloperAPIError.alreadyExists("key", credential.key) : error
        }
        guard saved else { throw DeveloperAPIError.notFound }  // deleted since the find above
        return .json(credential.developerAPIJSON(consumerID: developer.consumerID))
    }

    /// Deletes one credential of the developer: 204, or 404 for an id that is not theirs.
    static func delete(_ request: Request, _ context: RequestContext) throws -> Response {
        let developer = try context.requireDeveloper(request)
        let id = request.parameters["id"] ?? ""
        guard try context.services.credentials.deleteJWT(id: id, developerID: developer.id, portalID: context.portal.id) else {
            throw DeveloperAPIError.notFound
        }
        context.logger.info("jwt credential deleted", metadata: ["developer.id": "\(developer.id)", "credential.id": "\(id)"])
        return .noContent
    }

    private static func find(_ request: Request, _ context: RequestContext, _ developer: Developer) throws -> JWTCredential {
        guard let id = request.parameters["id"],
              let credential = try context.services.credentials.findJWT(id: id, developerID: developer.id, portalID: context.portal.id)
        else { throw DeveloperAPIError.notFound }
        return credential
    }
}

/// The fields of a JWT credential as sent (create) or merged with the stored ones (update).
struct JWTInput: Sendable {
    /// `key`: the JWT `iss` the gateway matches.
    var key: String?
    /// `secret`: the HMAC key of HS* tokens.
    var secret: String?
    /// `algorithm`, as sent (checked against `JWTCredential.Algorithm`).
    var algorithm: String?
    /// `rsa_public_key`: PEM text, used by RS*/ES256 only.
    var rsaPublicKey: String?

    /// Longest accepted secret, in bytes (an HS512 key needs 64).
    static let maximumSecretBytes = 1024
    /// Longest accepted PEM text, in bytes (an RSA-8192 public key PEM is about 1.5 KB).
    static let maximumPublicKeyBytes = 16384

    /// The checked values, or a 400 `{fields, code: 2}` naming every bad field.
    func validated() throws(DeveloperAPIError) -> (key: String, secret: String, algorithm: JWTCredential.Algorithm, rsaPublicKey: String?) {
        var errors: [(String, JSON)] = []
        if let key {
            if let problem = CredentialKey.problem(key) { errors.append(("key", .string(problem))) }
        } else {
            errors.append(("key", .string("required field missing")))
        }
        if let secret {
            if secret.utf8.count > Self.maximumSecretBytes {
                errors.append(("secret", .string("must be at most \(Self.maximumSecretBytes) bytes")))
            }
        } else {
            errors.append(("secret", .string("required field missing")))
        }
        var algorithmValue: JWTCredential.Algorithm?
        if let algorithm {
            algorithmValue = JWTCredential.Algorithm(rawValue: algorithm)
            if algorithmValue == nil {
                // Kong's wording for a value outside a `one_of` list.
                let names = JWTCredential.Algorithm.allCases.map(\.rawValue).joined(separator: ", ")
                errors.append(("algorithm", .string("expected one of: \(names)")))
            }
        } else {
            errors.append(("algorithm", .string("required field missing")))
        }
        var publicKey: String?
        if let algorithmValue, algorithmValue.usesPublicKey {
            if let rsaPublicKey {
                if let problem = PublicKeyPEM.problem(rsaPublicKey, for: algorithmValue) {
                    errors.append(("rsa_public_key", .string(problem)))
                } else {
                    publicKey = rsaPublicKey
                }
            } else {
                errors.append(("rsa_public_key", .string("required field missing")))
            }
        }
        // HS* verify with the secret alone: a public key sent with them is dropped, not stored.
        guard errors.isEmpty, let key, let secret, let algorithmValue else { throw .invalid(errors) }
        return (key, secret, algorithmValue, publicKey)
    }
}

/// Checks that an `rsa_public_key` is a public key the gateway can verify `algorithm` with, by
/// parsing it: RSA (≥ 2048 bits) for RS*, P-256 for ES256.
enum PublicKeyPEM {
    /// The message for text that is not a PEM public key of the right type.
    static let invalid = "invalid PEM public key"
    /// Smallest accepted RSA modulus (NIST SP 800-131A; swift-crypto's own floor).
    static let minimumRSABits = 2048

    /// Why `pem` is not usable for `algorithm`, or nil when it is.
    static func problem(_ pem: String, for algorithm: JWTCredential.Algorithm) -> String? {
        if pem.utf8.count > JWTInput.maximumPublicKeyBytes {
            return "must be at most \(JWTInput.maximumPublicKeyBytes) bytes"
        }
        switch algorithm {
        case .rs256, .rs384, .rs512:
            // `PUBLIC KEY` (SPKI) or `RSA PUBLIC KEY` (PKCS#1); another key type or junk throws.
            // The unsafe initializer skips only swift-crypto's own 2048-bit floor, so a short key
            // gets a message that says so.
            guard let key = try? _RSA.Signing.PublicKey(unsafePEMRepresentation: pem) else { return invalid }
            if key.keySizeInBits < minimumRSABits {
                return "RSA public key must be at least \(minimumRSABits) bits (this one has \(key.keySizeInBits))"
            }
            return nil
        case .es256:
            return (try? P256.Signing.PublicKey(pemRepresentation: pem)) != nil ? nil : invalid
        case .hs256, .hs384, .hs512:
            return nil
        }
    }
}

extension JWTCredential {
    /// The seed's JWTHS shape (`algorithm, id, created_at, secret, consumer, key`), plus
    /// `rsa_public_key` for RS*/ES256 (JWTRS), in the order of the seed's examples.
    func developerAPIJSON(consumerID: String) -> JSON {
        var members: [(String, JSON)] = [
            ("algorithm", .string(algorithm.rawValue)),
            ("id", .string(id)),
            ("created_at", .epochSeconds(createdAt)),
            ("secret", .string(secret)),
            ("consumer", .object([("id", .string(consumerID))])),
        ]
        if algorithm.usesPublicKey, let rsaPublicKey {
            members.append(("rsa_public_key", .string(rsaPublicKey)))
        }
        members.append(("key", .string(key)))
        return .object(members)
    }
}
