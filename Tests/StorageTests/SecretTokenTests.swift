import Foundation
import Storage
import Testing

/// `SecretToken`: session ids and the hashes stored for them.
@Suite struct SecretTokenTests {
    static let base64URLAlphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")

    @Test func generateIs43Base64URLCharacters() {
        let token = SecretToken.generate()
        #expect(token.count == 43)  // 32 bytes = 256 bits, unpadded
        #expect(token.allSatisfy { Self.base64URLAlphabet.contains($0) })
    }

    @Test func generateHonoursByteCount() {
        #expect(SecretToken.generate(byteCount: 16).count == 22)
        #expect(SecretToken.generate(byteCount: 3).count == 4)
    }

    @Test func generateIsUniqueOverManyCalls() {
        let tokens = (0..<10_000).map { _ in SecretToken.generate() }
        #expect(Set(tokens).count == tokens.count)
        // Every character of the alphabet shows up: the bytes are not stuck on a subset.
        #expect(Set(tokens.joined()) == Self.base64URLAlphabet)
    }

    @Test func hashIs64LowercaseHexOfSHA256() {
        // FIPS 180-2 test vector.
        #expect(SecretToken.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let hash = SecretToken.hash(SecretToken.generate())
        #expect(hash.count == 64)
        #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
    }

    @Test func hashIsDeterministicAndDistinguishesSecrets() {
        let token = SecretToken.generate()
        #expect(SecretToken.hash(token) == SecretToken.hash(token))
        #expect(SecretToken.hash(token) != SecretToken.hash(token + "x"))
    }

    /// RFC 4648 §5 test vectors, and Foundation's base64 (with `-_` and no padding) for every length.
    @Test func base64URLMatchesRFC4648() {
        let vectors = ["": "", "f": "Zg", "fo": "Zm8", "foo": "Zm9v", "foob": "Zm9vYg", "fooba": "Zm9vYmE", "foobar": "Zm9vYmFy"]
        for (text, encoded) in vectors { #expect(SecretToken.base64URL(Array(text.utf8)) == encoded) }
        var generator = SystemRandomNumberGenerator()
        for length in 0..<100 {
            let bytes = (0..<length).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let expected = Data(bytes).base64EncodedString().map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 }.filter { $0 != "=" }
            #expect(SecretToken.base64URL(bytes) == String(expected), "\(bytes)")
        }
    }
}
