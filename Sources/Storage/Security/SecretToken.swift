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
        // Encoded here rather than by Foundation plus three replacements: a page's CSRF token and
        // every session id go through this (measured: 130k instructions per token before).
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        return String(unsafeUninitializedCapacity: (bytes.count * 4 + 2) / 3) { output in
            let symbols = UnsafeBufferPointer(start: alphabet.utf8Start, count: 64)
            var written = 0
            var index = 0
            while index < bytes.count {
                let chunk = min(3, bytes.count - index)
                var group = UInt32(bytes[index]) << 16
                if chunk > 1 { group |= UInt32(bytes[index + 1]) << 8 }
                if chunk > 2 { group |= UInt32(bytes[index + 2]) }
                for position in 0...chunk {
                    output[written] = symbols[Int((group >> UInt32(18 - 6 * position)) & 0x3F)]
                    written += 1
                }
                index += 3
            }
            return written
        }
    }

}
