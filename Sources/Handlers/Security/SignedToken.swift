import Crypto
import Foundation
import Storage

/// The JWTs emailed for account verification and password reset (seed 000 examples): HS256,
/// header `{"alg":"HS256","typ":"JWT"}`, claims `{"exp": <epoch seconds>, "id": "<token id>"}`.
/// The signature proves we issued it; single use is enforced by the token's row in the database.
struct SignedToken: Sendable {
    /// Raw key bytes (SymmetricKey is not Sendable; it is rebuilt per use, which is cheap).
    private let secret: [UInt8]

    init(secret: String) {
        self.secret = Array(secret.utf8)
    }

    private var key: SymmetricKey { SymmetricKey(data: secret) }

    /// base64url HMAC-SHA256 of `message` under this installation's key (the pages' CSRF tokens).
    func mac(_ message: String) -> String {
        Self.base64URL(Array(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key)))
    }

    func sign(id: String, expiresAt: Date) -> String {
        let header = Self.base64URL(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let claims = JSON.object([("exp", .epochSeconds(expiresAt)), ("id", .string(id))])
        let signingInput = header + "." + Self.base64URL(claims.bytes)
        let signature = HMAC<SHA256>.authenticationCode(for: Array(signingInput.utf8), using: key)
        return signingInput + "." + Self.base64URL(Array(signature))
    }

    /// The `id` claim of a token we signed that has not expired; nil otherwise.
    func verify(_ token: String, now: Date) -> String? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, token.utf8.count < 2048,
              let headerBytes = Self.decodeBase64URL(parts[0]),
              let header = try? JSON.parse(headerBytes), header["alg"] == .string("HS256"),
              let claimBytes = Self.decodeBase64URL(parts[1]),
              let signature = Self.decodeBase64URL(parts[2])
        else { return nil }
        let signingInput = Array((parts[0] + "." + parts[1]).utf8)
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key),
              let claims = try? JSON.parse(claimBytes),
              case .int(let expiry)? = claims["exp"], Date(timeIntervalSince1970: TimeInterval(expiry)) > now,
              case .string(let id)? = claims["id"]
        else { return nil }
        return id
    }

    static func base64URL(_ bytes: [UInt8]) -> String { SecretToken.base64URL(bytes) }

    static func decodeBase64URL<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64).map { Array($0) }
    }
}
