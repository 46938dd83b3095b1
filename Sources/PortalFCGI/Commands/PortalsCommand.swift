import ArgumentParser
import Foundation
import Storage

extension PortalCommand {
    /// `portals`: list and add portals from the command line (before the management API, and for
    /// operators who script their setup).
    struct Portals: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List or add portals.", subcommands: [List.self, Add.self], defaultSubcommand: List.self)

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the portals, one per line: id, domain, name.")
            @OptionGroup var options: ConfigOption

            func run() throws {
                let config = try options.loadAsPoolUser()
                try prepareDatabase(config, logger: makeLogger(label: "portal-fcgi.portals", level: "warning"))
                for portal in try PortalRepository(try PortalDatabase(config.databaseSettings)).all() {
                    print([portal.id, portal.customDomain ?? portal.defaultDomain, portal.name, portal.isDefault ? "(default)" : ""]
                        .joined(separator: "\t"))
                }
            }
        }

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a portal served on DOMAIN; prints its id.")
            @OptionGroup var options: ConfigOption
            @Option(help: "Display name.") var name: String
            @Option(help: "Host name the portal is served on.") var domain: String
            @Flag(inversion: .prefixedNo, help: "Approve new developers at sign-up.") var autoApprove = true
            @Flag(help: "New developers must verify their email address.") var emailVerification = false

            func run() throws {
                let config = try options.loadAsPoolUser()
                try prepareDatabase(config, logger: makeLogger(label: "portal-fcgi.portals", level: "warning"))
                let portal = Portal(
                    name: name, defaultDomain: domain.lowercased(), autoApproveDevelopers: autoApprove,
                    emailVerification: emailVerification, createdAt: Date())
                let portals = PortalRepository(try PortalDatabase(config.databaseSettings))
                do {
                    try portals.create(portal)
                } catch {
                    FileDescriptor.writeAll(2, Array("portal-fcgi: cannot add portal: \(error.kind == .uniqueViolation ? "domain \(domain) is taken" : "\(error)")\n".utf8))
                    throw ExitCode(1)
                }
                print(portal.id)
            }
        }
    }
}
