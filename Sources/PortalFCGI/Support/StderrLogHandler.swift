import Foundation
import Logging

/// What the thread is serving, for its log lines. Bound for the length of one request by the worker:
/// cheaper than a logger with per-request metadata (a copied handler and dictionary per request, most
/// of which never log), and it reaches every logger the request's code uses.
enum RequestLogContext {
    @TaskLocal static var requestID: String?
}

/// swift-log handler writing one line per event straight to fd 2 with a single `write`, so lines
/// from several processes do not interleave and nothing is lost in a buffer when a worker is killed.
struct StderrLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = Self.timestamp() + " " + event.level.rawValue + " " + label + "[" + String(getpid()) + "]: " + event.message.description
        var merged = metadata
        if let requestID = RequestLogContext.requestID { merged["request.id"] = .string(requestID) }
        merged.merge(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged.sorted(by: { $0.key < $1.key }) {
            line += " " + key + "=" + Self.quoted("\(value)")
        }
        line += "\n"
        FileDescriptor.writeAll(2, Array(line.utf8))
    }

    /// `value` as one token of the line: quoted when it has spaces, quotes or control characters,
    /// and every control character (CR, LF, ESC, NUL…) escaped, so no value can forge or split a line.
    static func quoted(_ value: String) -> String {
        let needsQuotes = value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "\\" || $0.value < 0x20 || $0.value == 0x7f }
        guard needsQuotes else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                out += "\\x" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
            parts.tm_hour, parts.tm_min, parts.tm_sec, now.tv_nsec / 1_000_000)
    }
}
