import CLazyLibraries
import Foundation
import Storage

/// Outbound HTTP requests of the workers (audit webhooks), through libcurl loaded on first use.
enum OutboundHTTP {
    struct Failure: Error {
        var message: String
    }

    /// POSTs `body` with the given "Name: value" header lines; the reply's status, or why none came.
    /// Blocks the calling thread for at most `timeoutSeconds`.
    static func post(url: String, headers: [String], body: [UInt8], timeoutSeconds: Int) -> Result<Int, Failure> {
        var status = 0
        var error = [CChar](repeating: 0, count: 512)
        let outcome = withCStrings(headers) { lines in
            body.withUnsafeBytes { body in
                portal_http_post(url, lines.baseAddress, lines.count, body.baseAddress, body.count, timeoutSeconds, &status, &error, error.count)
            }
        }
        guard outcome == 0 else { return .failure(Failure(message: String(nulTerminated: error))) }
        return .success(status)
    }

    /// Calls `body` with the strings as a C array of NUL-terminated strings, valid during the call.
    private static func withCStrings<R>(_ strings: [String], _ body: (UnsafeBufferPointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return copies.map { UnsafePointer($0) }.withUnsafeBufferPointer(body)
    }
}
