import Foundation

/// Looks up CNAME records (RFC 1035) over UDP from one name server, or from a stub file that maps
/// names to their CNAME targets (`{"docs.example.com": "portal.example.net"}`), so tests and
/// air-gapped hosts can answer without a network.
public struct DNSResolver: Sendable, Equatable {
    /// `IPv4:port` of the name server.
    public var server: String
    public var stubFile: String?
    public var timeout: TimeInterval

    public init(server: String = DNSResolver.systemServer(), stubFile: String? = nil, timeout: TimeInterval = 2) {
        self.server = server
        self.stubFile = stubFile
        self.timeout = timeout
    }

    /// The first IPv4 `nameserver` of /etc/resolv.conf, else 127.0.0.1, on port 53.
    public static func systemServer() -> String {
        let text = (try? String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") {
            let words = line.split(whereSeparator: \.isWhitespace)
            if words.count >= 2, words[0] == "nameserver", words[1].contains("."), !words[1].contains(":") {
                return "\(words[1]):53"
            }
        }
        return "127.0.0.1:53"
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The CNAME target of `name` (lowercased, without the final dot), nil when it has none.
    func cname(of name: String) throws(Failure) -> String? {
        if let stubFile {
            guard let data = FileManager.default.contents(atPath: stubFile), case .object(let entries)? = try? JSON.parse(Array(data))
            else { throw Failure(description: "cannot read the DNS stub file \(stubFile)") }
            return entries.first { $0.0.lowercased() == name }?.1.stringValue?.lowercased()
        }
        let query = Self.query(for: name, id: UInt16.random(in: 0...UInt16.max))
        let reply = try exchange(query)
        return try Self.cnameAnswer(in: reply, id: UInt16(query[0]) << 8 | UInt16(query[1]))
    }

    /// A recursive query for `name`'s CNAME record.
    static func query(for name: String, id: UInt16) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            let utf8 = Array(label.utf8.prefix(63))
            bytes.append(UInt8(utf8.count))
            bytes.append(contentsOf: utf8)
        }
        bytes += [0, 0, 5, 0, 1]  // root, QTYPE CNAME, QCLASS IN
        return bytes
    }

    /// The first CNAME answer of a reply to query `id`.
    static func cnameAnswer(in reply: [UInt8], id: UInt16) throws(Failure) -> String? {
        guard reply.count >= 12, UInt16(reply[0]) << 8 | UInt16(reply[1]) == id, reply[2] & 0x80 != 0 else {
            throw Failure(description: "not a reply to our query")
        }
        let rcode = reply[3] & 0x0f
        if rcode == 3 { return nil }  // NXDOMAIN
        guard rcode == 0 else { throw Failure(description: "the name server answered with error \(rcode)") }
        let questions = Int(reply[4]) << 8 | Int(reply[5])
        let answers = Int(reply[6]) << 8 | Int(reply[7])
        var offset = 12
        for _ in 0..<questions {
            _ = try name(in: reply, at: &offset)
            offset += 4
        }
        for _ in 0..<answers {
            _ = try name(in: reply, at: &offset)
            guard offset + 10 <= reply.count else { throw Failure(description: "truncated answer") }
            let type = Int(reply[offset]) << 8 | Int(reply[offset + 1])
            let length = Int(reply[offset + 8]) << 8 | Int(reply[offset + 9])
            offset += 10
            guard offset + length <= reply.count else { throw Failure(description: "truncated answer") }
            if type == 5 {
                var target = offset
                return try name(in: reply, at: &target).lowercased()
            }
            offset += length
        }
        return nil
    }

    /// A possibly compressed domain name at `offset`, which moves past it.
    static func name(in message: [UInt8], at offset: inout Int) throws(Failure) -> String {
        var labels: [String] = []
        var position = offset
        var jumped = false
        for _ in 0..<128 {
            guard position < message.count else { throw Failure(description: "truncated name") }
            let length = Int(message[position])
            if length == 0 {
                if !jumped { offset = position + 1 }
                return labels.joined(separator: ".")
            }
            if length & 0xc0 == 0xc0 {
                guard position + 1 < message.count else { throw Failure(description: "truncated pointer") }
                if !jumped { offset = position + 2 }
                position = (length & 0x3f) << 8 | Int(message[position + 1])
                jumped = true
                continue
            }
            guard position + 1 + length <= message.count else { throw Failure(description: "truncated label") }
            labels.append(String(decoding: message[(position + 1)..<(position + 1 + length)], as: UTF8.self))
            position += 1 + length
        }
        throw Failure(description: "name compression loop")
    }

    /// Sends `query` over UDP and waits for the reply.
    private func exchange(_ query: [UInt8]) throws(Failure) -> [UInt8] {
        let parts = server.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw Failure(description: "bad name server address \(server)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, String(parts[0]), &address.sin_addr) == 1 else { throw Failure(description: "bad name server address \(server)") }
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "cannot open a UDP socket") }
        defer { close(fd) }
        var wait = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, query, query.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard sent == query.count else { throw Failure(description: "cannot send to the name server") }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let received = recv(fd, &buffer, buffer.count, 0)
        guard received > 0 else { throw Failure(description: "no answer from the name server \(server)") }
        return Array(buffer[0..<received])
    }
}
