import Crypto
import Foundation

/// Encrypts the secrets an admin hands to the portal for talking to others (OIDC client secrets, an
/// audit-log destination's Authorization value) before they reach the database: AES-256-GCM under a
/// key that is itself an installation secret, so a copy of a settings row alone reveals nothing.
/// Stored as `v1:` + base64(nonce ‖ ciphertext ‖ tag).
struct SettingsSeal: Sendable {
    private let key: SymmetricKey

    init(_ database: PortalDatabase) throws(StorageError) {
        let secret = try InstallationSecrets(database).secret(named: "settings-encryption")
        key = SymmetricKey(data: SHA256.hash(data: Array(secret.utf8)))
    }

    func seal(_ plaintext: String) throws(StorageError) -> String {
        do {
            let box = try AES.GCM.seal(Array(plaintext.utf8), using: key)
            guard let combined = box.combined else { throw StorageError(kind: .other, message: "sealing produced no output") }
            return "v1:" + combined.base64EncodedString()
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(kind: .other, message: "sealing a setting failed: \(error)")
        }
    }

    /// Nil when `stored` was sealed under another key (a database copied without its secrets table)
    /// or is damaged: the setting then reads as unset rather than failing the request.
    func open(_ stored: String?) -> String? {
        guard let stored, stored.hasPrefix("v1:"), let data = Data(base64Encoded: String(stored.dropFirst(3))),
              let box = try? AES.GCM.SealedBox(combined: data),
              let plain = try? AES.GCM.open(box, using: key)
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
