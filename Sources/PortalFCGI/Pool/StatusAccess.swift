import Foundation
import Handlers
import Storage

/// Who may read `/status` and `/metrics`: clients on loopback (nginx's REMOTE_ADDR), or anyone
/// presenting a root project token (`Authorization: Bearer <secret>`). The loopback check is pure
/// and runs first, so a local scraper never costs a database lookup.
enum StatusAccess {
    /// Whether `address` (REMOTE_ADDR as nginx writes it) is 127.0.0.0/8, ::1 or an IPv4-mapped 127.x.
    static func isLoopback(_ address: String?) -> Bool {
        guard let address, !address.isEmpty else { return false }
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, address, &v6) == 1 else { return false }
        let bytes = withUnsafeBytes(of: &v6) { Array($0) }
        if bytes[0..<15].allSatisfy({ $0 == 0 }) && bytes[15] == 1 { return true }  // ::1
        // ::ffff:127.x.y.z (a dual-stack listener reports IPv4 clients this way).
        return bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
    }

    /// The secret of `Authorization: Bearer <secret>`; nil for any other form or an oversized one.
    static func bearerSecret(_ header: String?) -> String? {
        guard let secret = header.flatMap(BearerToken.secret(in:)), !secret.isEmpty, secret.utf8.count <= 512 else { return nil }
        return secret
    }

    /// The reply to a refused request: JSON when the client asked for JSON (`?json`), else text.
    static func refusal(json: Bool) -> (String, String, String) {
        let message = "status and metrics answer loopback clients and root project tokens only (Authorization: Bearer <root token>)"
        if json {
            return ("403 Forbidden", "application/json", String(decoding: JSON.object([("message", .string(message))]).bytes, as: UTF8.self) + "\n")
        }
        return ("403 Forbidden", "text/plain; charset=utf-8", message + "\n")
    }
}

/// Checks a secret against the root project tokens through Storage (by the secret's SHA-256, as the
/// admin APIs do). Opened on the first token request only; used by the status thread alone.
final class RootTokenCheck: @unchecked Sendable {
    private let path: String
    private var tokens: ProjectTokenRepository?

    init(databasePath: String) {
        self.path = databasePath
    }

    /// True when `secret` is a live root token (no portal).
    func isRootToken(_ secret: String, now: Date = Date()) throws(StorageError) -> Bool {
        let repository: ProjectTokenRepository
        if let tokens {
            repository = tokens
        } else {
            // A short busy timeout: the lookup may record the token's use (once a minute).
            repository = ProjectTokenRepository(try PortalDatabase(DatabaseSettings(path: path, busyTimeout: 2, maximumReaderCount: 1)))
            tokens = repository
        }
        guard let token = try repository.authenticate(secret: secret, now: now) else { return false }
        return token.role == .root && token.portalID == nil
    }
}
