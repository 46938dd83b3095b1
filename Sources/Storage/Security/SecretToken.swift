import Crypto
import Foundation

/// Random secrets handed to clients (session ids, later API tokens) and the hashes stored for them.
public enum SecretToken {
    /// A new secret of `byteCount` random bytes (default 256 bits), base64url without padding.
    public static func generate(byteCount: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return base64URL(bytes)
    }

    /// Hex SHA-256 of a secret: what the database keeps. Secrets are long and random, so a fast
    /// hash is enough (no dictionary to attack), and lookups stay an index probe.
    public static func hash(_ secret: String) -> String {
        sha256Hex(Array(secret.utf8))
    }

    /// Hex SHA-256 of arbitrary bytes (secrets, images).
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        // Hex-encoded into one byte buffer: this runs on every authenticated request.
        let digest = SHA256.hash(data: bytes)
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in digest {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// RFC 4648 §5 base64url without padding.
    public static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

}
