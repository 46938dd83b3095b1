import Foundation

/// The listen queue of the pool's unix socket: connections nginx made that no worker accepted yet.
/// Linux reports it only through sock_diag netlink (what `ss -xl` shows as Recv-Q / Send-Q):
/// UNIX_DIAG_RQLEN of a listening socket is (queued connections, backlog).
enum ListenQueue {
    struct Length: Equatable {
        let queued: Int
        let backlog: Int
    }

    // linux/sock_diag.h, linux/unix_diag.h, linux/netlink.h: not exported to Swift, spelled out here.
    private static let netlinkSockDiag: Int32 = 4
    private static let sockDiagByFamily: UInt16 = 20
    private static let requestFlags: UInt16 = 0x1 | 0x300  // NLM_F_REQUEST | NLM_F_DUMP
    private static let showRQLen: UInt32 = 0x10           // UDIAG_SHOW_RQLEN
    private static let attributeRQLen: UInt16 = 4          // UNIX_DIAG_RQLEN
    private static let listenState: UInt32 = 1 << 10       // TCP_LISTEN
    private static let done: UInt16 = 3, error: UInt16 = 2 // NLMSG_DONE, NLMSG_ERROR

    /// The queue of the listening socket `descriptor`, or nil where sock_diag is unavailable.
    static func read(descriptor: Int32) -> Length? {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { return nil }
        let inode = UInt32(truncatingIfNeeded: info.st_ino)
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        // nlmsghdr (16 bytes) + unix_diag_req (24 bytes).
        var request = [UInt8](repeating: 0, count: 40)
        put(UInt32(40), &request, 0)
        put(sockDiagByFamily, &request, 4)
        put(requestFlags, &request, 6)
        request[16] = UInt8(AF_UNIX)
        put(listenState, &request, 20)
        put(inode, &request, 24)
        put(showRQLen, &request, 28)
        put(UInt32.max, &request, 32)  // cookie: any
        put(UInt32.max, &request, 36)
        guard send(fd, request, request.count, 0) == request.count else { return nil }

        var buffer = [UInt8](repeating: 0, count: 32_768)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { return nil }
            var offset = 0
            while offset + 16 <= count {
                let length = Int(get(UInt32.self, buffer, offset))
                let type = get(UInt16.self, buffer, offset + 4)
                guard length >= 16, offset + length <= count else { return nil }
                if type == done || type == error { return nil }
                // unix_diag_msg (16 bytes): family, type, state, pad, ino, cookie[2]; then attributes.
                if type == sockDiagByFamily, length >= 32, get(UInt32.self, buffer, offset + 20) == inode {
                    var attribute = offset + 32
                    while attribute + 4 <= offset + length {
                        let size = Int(get(UInt16.self, buffer, attribute))
                        guard size >= 4 else { break }
                        if get(UInt16.self, buffer, attribute + 2) == attributeRQLen, size >= 12 {
                            return Length(queued: Int(get(UInt32.self, buffer, attribute + 4)),
                                          backlog: Int(get(UInt32.self, buffer, attribute + 8)))
                        }
                        attribute += (size + 3) & ~3
                    }
                }
                offset += (length + 3) & ~3
            }
        }
    }

    private static func put<T: FixedWidthInteger>(_ value: T, _ bytes: inout [UInt8], _ offset: Int) {
        withUnsafeBytes(of: value.littleEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[offset + index] = byte }
        }
    }

    private static func get<T: FixedWidthInteger>(_: T.Type, _ bytes: [UInt8], _ offset: Int) -> T {
        var value: T = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for index in 0..<MemoryLayout<T>.size { raw[index] = bytes[offset + index] }
        }
        return T(littleEndian: value)
    }
}
