import Foundation
@testable import Handlers
import PortalTesting
import Storage
import Testing

/// Portal configuration (`{data: {...}}`) and custom-domain verification through a real DNS exchange.
@Suite(.serialized) struct PortalConfigurationTests {
    @Test func configurationDrivesSignUpAndKeepsOtherKeys() throws {
        let portal = try TestPortal()
        let root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
        let path = "/api/v2/portals/\(portal.defaultPortal.id)/configuration"
        func send(_ method: String, _ body: String? = nil) -> TestResponse {
            portal.send(method, path, headers: [("Authorization", root), ("Content-Type", "application/json")], body: Array((body ?? "").utf8))
        }
        #expect(send("GET").json?["data"]?["email_verification"] == .bool(false))
        let patched = send("PATCH", #"{"data":{"email_verification":true,"support_url":"https://help.example.com","developer_meta_fields":[{"title":"company","label":"Company","validator":{"type":"string","required":true}}]}}"#)
        #expect(patched.status == 200 && patched.json?["data"]?["support_url"] == .string("https://help.example.com"))
        // The developer API follows at once: new sign-ups need the company and must verify their address.
        #expect(portal.send("GET", "/api/v1/developer/meta_fields").json?.listItems.first?["title"] == .string("company"))
        let signUp = portal.sendForm("POST", "/api/v1/register", [("email", "a@example.com"), ("password", "correct horse battery"), ("meta", #"{"company":"Acme"}"#)])
        #expect(signUp.json?["developer"]?["status"] == .int(5))
        #expect(send("PATCH", #"{"data":{"support_url":null}}"#).json?["data"]?["support_url"] == nil)
        let replaced = send("PUT", #"{"data":{"theme":"dark"}}"#)
        #expect(replaced.json?["data"]?["email_verification"] == .bool(false) && replaced.json?["data"]?["theme"] == .string("dark"))
        #expect(send("PUT", #"{"config":{}}"#).status == 400)
        #expect(send("PATCH", #"{"data":{"email_verification":"yes"}}"#).status == 400)
    }

    /// A one-shot DNS server on loopback answering every query with a CNAME to `target`.
    final class DNSServer: @unchecked Sendable {
        let fd: Int32
        let port: UInt16

        init(target: String) throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            self.fd = fd
            port = UInt16(bigEndian: address.sin_port)
            Thread {
                var buffer = [UInt8](repeating: 0, count: 512)
                var peer = sockaddr_in()
                var peerLength = socklen_t(MemoryLayout<sockaddr_in>.size)
                let count = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, &buffer, 512, 0, $0, &peerLength) } }
                guard count > 12 else { return }
                var reply = Array(buffer[0..<count])
                reply[2] = 0x81; reply[3] = 0x80; reply[7] = 1  // response, recursion available, one answer
                reply += [0xc0, 0x0c, 0, 5, 0, 1, 0, 0, 0, 60]  // pointer to the question's name, CNAME IN, TTL 60
                var rdata: [UInt8] = []
                for label in target.split(separator: ".") { rdata.append(UInt8(label.utf8.count)); rdata += Array(label.utf8) }
                rdata.append(0)
                reply += [UInt8(rdata.count >> 8), UInt8(rdata.count & 0xff)] + rdata
                _ = withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, reply, reply.count, 0, $0, peerLength) } }
            }.start()
        }

        deinit { close(fd) }
    }

    @Test func verifyDomainLooksTheCNAMEUpOverUDP() throws {
        let dns = try DNSServer(target: "localhost")
        let portal = try TestPortal(settings: HandlerSettings(dnsResolver: DNSResolver(server: "127.0.0.1:\(dns.port)")))
        let root = try ProjectTokensTests.make(ProjectTokenRepository(portal.database), portalID: nil, role: .root)
        let base = "/api/v2/portals/\(portal.defaultPortal.id)"
        let headers = [("Authorization", root), ("Content-Type", "application/json")]
        #expect(portal.send("POST", base + "/verify-domain", headers: headers).status == 400)  // no custom domain yet
        #expect(portal.send("PATCH", base, headers: headers, body: Array(#"{"custom_domain":"docs.example.com"}"#.utf8)).status == 200)
        let verified = portal.send("POST", base + "/verify-domain", headers: headers)
        #expect(verified.json == .object([("is_cname_verified", .bool(true)), ("is_ssl_issued", .bool(false))]))
    }

    @Test func answersAreParsedWithCompressionAndNXDOMAIN() throws {
        let query = DNSResolver.query(for: "docs.example.com", id: 0x1234)
        var reply = query
        reply[2] = 0x81; reply[3] = 0x83  // NXDOMAIN
        #expect(try DNSResolver.cnameAnswer(in: reply, id: 0x1234) == nil)
        #expect(throws: DNSResolver.Failure.self) { try DNSResolver.cnameAnswer(in: reply, id: 0x9999) }
        var loop = [UInt8](repeating: 0, count: 12) + [0xc0, 12]
        var offset = 12
        #expect(throws: DNSResolver.Failure.self) { try DNSResolver.name(in: loop, at: &offset) }
        loop.removeAll()
    }
}
