import Foundation

/// A minimal FastCGI client (FastCGI spec 1.0, responder role) over a unix socket, so tests can
/// talk to a real worker pool without nginx.
public struct FastCGIClient: Sendable {
    public let socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    public struct ClientError: Error, CustomStringConvertible {
        public let description: String
    }

    /// A parsed CGI response.
    public struct Reply: Sendable {
        public let status: Int
        public let headers: [(String, String)]
        public let body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        public func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    /// An open connection on which a request is being sent, for tests that hold a request in flight.
    public final class Connection: @unchecked Sendable {
        let fd: Int32
        init(fd: Int32) { self.fd = fd }
        deinit { close(fd) }

        /// Sends the rest of the body and the end-of-stdin record, then reads the reply.
        public func finish(body: [UInt8]) throws -> Reply {
            try FastCGIClient.sendAll(fd, FastCGIClient.streamRecords(type: 5, body))
            try FastCGIClient.sendAll(fd, FastCGIClient.record(type: 5, content: []))
            return try FastCGIClient.readReply(fd)
        }
    }

    /// Sends a whole request and reads the reply.
    public func send(method: String, uri: String, headers: [(String, String)] = [], body: [UInt8] = []) throws -> Reply {
        let connection = try start(method: method, uri: uri, headers: headers, contentLength: body.count)
        return try connection.finish(body: body)
    }

    /// Sends the begin record and params only: the worker has accepted the request and waits for its body.
    public func start(method: String, uri: String, headers: [(String, String)] = [], contentLength: Int) throws -> Connection {
        let fd = try connect()
        let connection = Connection(fd: fd)
        var params: [(String, String)] = [
            ("REQUEST_METHOD", method), ("REQUEST_URI", uri), ("SERVER_PROTOCOL", "HTTP/1.1"),
            ("DOCUMENT_URI", String(uri.prefix { $0 != "?" })),
            ("QUERY_STRING", uri.contains("?") ? String(uri.drop { $0 != "?" }.dropFirst()) : ""),
            ("CONTENT_LENGTH", String(contentLength)), ("REMOTE_ADDR", "127.0.0.1"),
        ]
        // nginx always passes the Host (the portal is chosen by it); tests may name another.
        if !headers.contains(where: { $0.0.lowercased() == "host" }) { params.append(("HTTP_HOST", "localhost")) }
        for (name, value) in headers {
            let upper = name.uppercased().replacingOccurrences(of: "-", with: "_")
            params.append(upper == "CONTENT_TYPE" ? (upper, value) : ("HTTP_" + upper, value))
        }
        // FCGI_BEGIN_REQUEST: role responder (1), flags 0 (close the connection after the reply).
        try Self.sendAll(fd, Self.record(type: 1, content: [0, 1, 0, 0, 0, 0, 0, 0]))
        var encoded: [UInt8] = []
        for (name, value) in params {
            encoded += Self.length(name.utf8.count) + Self.length(value.utf8.count) + Array(name.utf8) + Array(value.utf8)
        }
        try Self.sendAll(fd, Self.streamRecords(type: 4, encoded))
        try Self.sendAll(fd, Self.record(type: 4, content: []))
        return connection
    }

    private func connect() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket() failed") }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(socketPath.utf8)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: bytes.prefix(buffer.count - 1))
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw ClientError(description: "connect(\(socketPath)) failed: errno \(errno)")
        }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return fd
    }

    static func length(_ count: Int) -> [UInt8] {
        count < 128 ? [UInt8(count)] : [UInt8((count >> 24) & 0x7f | 0x80), UInt8((count >> 16) & 0xff), UInt8((count >> 8) & 0xff), UInt8(count & 0xff)]
    }

    static func record(type: UInt8, content: [UInt8]) -> [UInt8] {
        [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), 0, 0] + content
    }

    static func streamRecords(type: UInt8, _ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        while offset < data.count {
            let end = min(offset + 65_535, data.count)
            out += record(type: type, content: Array(data[offset..<end]))
            offset = end
        }
        return out
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ClientError(description: "send failed: errno \(errno)") }
            offset += sent
        }
    }

    static func readExactly(_ fd: Int32, _ count: Int) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var offset = 0
        while offset < count {
            let received = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + offset, count - offset, 0) }
            guard received > 0 else { throw ClientError(description: "connection closed before the end of the reply") }
            offset += received
        }
        return buffer
    }

    static func readReply(_ fd: Int32) throws -> Reply {
        var stdout: [UInt8] = []
        while true {
            let header = try readExactly(fd, 8)
            let type = header[1]
            let contentLength = Int(header[4]) << 8 | Int(header[5])
            let padding = Int(header[6])
            let content = try readExactly(fd, contentLength + padding).prefix(contentLength)
            if type == 6 { stdout += content }  // FCGI_STDOUT
            if type == 3 { break }  // FCGI_END_REQUEST
        }
        return try parse(stdout)
    }

    static func parse(_ output: [UInt8]) throws -> Reply {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = output.indices.first(where: { Array(output[$0..<min($0 + 4, output.count)]) == separator }) else {
            throw ClientError(description: "reply has no header/body separator")
        }
        let head = String(decoding: output[..<end], as: UTF8.self)
        var status = 200
        var headers: [(String, String)] = []
        for line in head.components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = String(line[..<colon])
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if name.lowercased() == "status" { status = Int(value.prefix(3)) ?? 0 }
            headers.append((name, value))
        }
        return Reply(status: status, headers: headers, body: Array(output[(end + 4)...]))
    }
}
