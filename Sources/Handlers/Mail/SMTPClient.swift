import Foundation
import Storage

/// Where and how mail is delivered: an SMTP server (RFC 5321), usually a local relay (postfix,
/// nullmailer) that handles TLS and retries towards the outside.
public struct MailSettings: Sendable, Equatable {
    /// SMTP host; nil means delivery is not configured (mail waits in the outbox).
    public var host: String?
    public var port: Int
    /// Envelope and `From:` address.
    public var from: String
    public var username: String?
    public var password: String?
    /// Per-connection timeout, seconds.
    public var timeout: Int

    public init(host: String? = nil, port: Int = 25, from: String = "noreply@localhost", username: String? = nil, password: String? = nil, timeout: Int = 10) {
        self.host = host
        self.port = port
        self.from = from
        self.username = username
        self.password = password
        self.timeout = timeout
    }
}

/// Why a message was not accepted by the SMTP server.
public struct SMTPError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A blocking SMTP client for one message per connection: EHLO, optional AUTH PLAIN, MAIL FROM,
/// RCPT TO, DATA (dot-stuffed, CRLF), QUIT.
struct SMTPClient {
    let settings: MailSettings

    func send(to recipient: String, subject: String, body: String, date: Date = Date()) throws(SMTPError) {
        guard let host = settings.host else { throw SMTPError(description: "email delivery is not configured") }
        let connection = try SMTPConnection(host: host, port: settings.port, timeout: settings.timeout)
        defer { connection.close() }
        try connection.expect(220)
        try connection.command("EHLO \(Self.heloName)", expect: 250)
        if let username = settings.username, let password = settings.password {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            try connection.command("AUTH PLAIN \(token)", expect: 235, redact: true)
        }
        try connection.command("MAIL FROM:<\(Self.clean(settings.from))>", expect: 250)
        try connection.command("RCPT TO:<\(Self.clean(recipient))>", expect: 250, 251)
        try connection.command("DATA", expect: 354)
        try connection.write(Self.message(from: settings.from, to: recipient, subject: subject, body: body, date: date))
        try connection.expect(250)
        try? connection.command("QUIT", expect: 221)
    }

    static var heloName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let name = String(nulTerminated: buffer)
        return name.isEmpty ? "localhost" : name
    }

    /// The RFC 5322 message with dot-stuffing and the terminating `.` line.
    static func message(from: String, to: String, subject: String, body: String, date: Date) -> String {
        let domain = from.split(separator: "@").last.map(String.init) ?? "localhost"
        var lines = [
            "From: \(clean(from))", "To: \(clean(to))", "Subject: \(encodedHeader(clean(subject)))",
            "Date: \(dateHeader(date))", "Message-ID: <\(UUID().uuidString.lowercased())@\(domain)>",
            "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "",
        ]
        for line in body.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(line.hasPrefix(".") ? "." + line : String(line))
        }
        return lines.joined(separator: "\r\n") + "\r\n.\r\n"
    }

    /// RFC 5322's `Wed, 02 Dec 2026 20:45:00 +0000`, written here: a `DateFormatter` with a locale and a
    /// time zone loads ICU's data into the worker (~4 MiB) for one header.
    static func dateHeader(_ date: Date) -> String {
        // Rounded to the millisecond first, then the seconds taken, as Foundation's formatters do.
        let (days, inDay) = StoredDate.daysAndMilliseconds(Int64(date.storedMilliseconds))
        let (year, month, day) = StoredDate.civil(daysSince1970: days)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let time = "\(two(inDay / 3_600_000)):\(two(inDay / 60_000 % 60)):\(two(inDay / 1000 % 60))"
        return "\(weekdays[Int((days % 7 + 7) % 7)]), \(two(day)) \(months[Int(month - 1)]) \(year) \(time) +0000"
    }

    /// Header values never carry CR or LF (no header injection).
    static func clean(_ text: String) -> String {
        HTTPHeaders.singleLine(text)
    }

    /// RFC 2047 encoded-word for non-ASCII subjects.
    static func encodedHeader(_ text: String) -> String {
        text.utf8.allSatisfy({ $0 < 0x80 }) ? text : "=?utf-8?B?\(Data(text.utf8).base64EncodedString())?="
    }
}

/// One TCP connection to the SMTP server, line-oriented, with send/receive timeouts.
final class SMTPConnection {
    private let fd: Int32
    private var buffer: [UInt8] = []

    init(host: String, port: Int, timeout: Int) throws(SMTPError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let first = result else {
            throw SMTPError(description: "cannot resolve SMTP host \(host)")
        }
        defer { freeaddrinfo(result) }
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        var connected: Int32 = -1
        while let info = cursor, connected < 0 {
            let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.pointee.ai_protocol)
            if fd >= 0 {
                var limit = timeval(tv_sec: timeout, tv_usec: 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
                if connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 {
                    connected = fd
                } else {
                    Glibc.close(fd)
                }
            }
            cursor = info.pointee.ai_next
        }
        guard connected >= 0 else { throw SMTPError(description: "cannot connect to SMTP server \(host):\(port)") }
        fd = connected
    }

    func close() { Glibc.close(fd) }

    func write(_ text: String) throws(SMTPError) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw SMTPError(description: "SMTP connection lost while sending") }
            offset += sent
        }
    }

    /// Sends a command line and checks the reply code. `redact` keeps credentials out of errors.
    func command(_ line: String, expect codes: Int..., redact: Bool = false) throws(SMTPError) {
        try write(line + "\r\n")
        let (code, text) = try readReply()
        guard codes.contains(code) else {
            let sent = redact ? String(line.prefix(10)) + "…" : line
            throw SMTPError(description: "SMTP server answered \(code) \(text) to \(sent)")
        }
    }

    func expect(_ code: Int) throws(SMTPError) {
        let (received, text) = try readReply()
        guard received == code else { throw SMTPError(description: "SMTP server answered \(received) \(text), expected \(code)") }
    }

    /// Reads a possibly multi-line reply (`250-…` continuation lines, `250 …` last line).
    private func readReply() throws(SMTPError) -> (Int, String) {
        while true {
            let line = try readLine()
            guard line.count >= 3, let code = Int(line.prefix(3)) else { throw SMTPError(description: "malformed SMTP reply") }
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                return (code, String(line.dropFirst(4)))
            }
        }
    }

    private func readLine() throws(SMTPError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[..<newline]
                buffer.removeSubrange(...newline)
                return String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
            }
            var chunk = [UInt8](repeating: 0, count: 1024)
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw SMTPError(description: "SMTP connection closed or timed out") }
            buffer.append(contentsOf: chunk[0..<count])
            if buffer.count > 65_536 { throw SMTPError(description: "SMTP reply too long") }
        }
    }
}
