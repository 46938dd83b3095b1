import ArgumentParser
import Foundation
import Storage

extension PortalCommand {
    /// `tokens`: admin credentials from the command line — the first root token of an installation,
    /// and recovery when every admin token is lost.
    struct Tokens: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create, list and revoke project tokens (admin credentials).",
            subcommands: [Create.self, List.self, Revoke.self], defaultSubcommand: List.self)

        struct Create: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Create a token and print its secret (shown this once; only its hash is stored).")
            @OptionGroup var options: ConfigOption
            @Flag(help: "A root token: manages every portal and creates portals.") var root = false
            @Option(help: "The portal (project) id the token belongs to.") var portal: String?
            @Option(help: "admin, editor or viewer.") var role: String = "admin"
            @Option(help: "A name that says who or what uses it.") var name: String
            @Option(help: "Days until it expires (default: never).") var validDays: Int?

            func validate() throws {
                guard root != (portal != nil) else { throw ValidationError("give exactly one of --root and --portal ID") }
                guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, name.count <= 255,
                      !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
                else {
                    throw ValidationError("--name must be 1 to 255 characters, without control characters")
                }
                guard root || ["admin", "editor", "viewer"].contains(role) else { throw ValidationError("--role must be admin, editor or viewer") }
                if let validDays, validDays < 1 { throw ValidationError("--valid-days must be at least 1") }
            }

            func run() throws {
                let config = try options.loadAsPoolUser()
                try prepareDatabase(config, logger: makeLogger(label: "portal-fcgi.tokens", level: "warning"))
                let database = try PortalDatabase(config.databaseSettings)
                if let portal, try PortalRepository(database).find(id: portal) == nil {
                    FileDescriptor.writeAll(2, Array("portal-fcgi: no portal \(portal) (see portal-fcgi portals list)\n".utf8))
                    throw ExitCode(1)
                }
                let now = Date()
                let secret = ProjectToken.generateSecret()
                let token = ProjectToken(
                    portalID: portal, role: root ? .root : ProjectToken.Role(rawValue: role) ?? .viewer,
                    name: name.trimmingCharacters(in: .whitespaces), secretHash: SecretToken.hash(secret), issuer: "cli",
                    issueDate: now, validDate: validDays.map { now.addingTimeInterval(TimeInterval($0) * 86_400) })
                try ProjectTokenRepository(database).create(token)
                print(secret)
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Print the tokens, one per line: id, project (or root), role, name.")
            @OptionGroup var options: ConfigOption

            func run() throws {
                let config = try options.loadAsPoolUser()
                try prepareDatabase(config, logger: makeLogger(label: "portal-fcgi.tokens", level: "warning"))
                for token in try ProjectTokenRepository(try PortalDatabase(config.databaseSettings)).all() {
                    // One line per token whatever a name holds (the API refuses control characters; older rows may not).
                    let name = String(String.UnicodeScalarView(token.name.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : $0 }))
                    print([token.id, token.portalID ?? "root", token.role.rawValue, name].joined(separator: "\t"))
                }
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a token: it stops working at once.")
            @OptionGroup var options: ConfigOption
            @Argument(help: "The token's id (see tokens list).") var id: String

            func run() throws {
                let config = try options.loadAsPoolUser()
                try prepareDatabase(config, logger: makeLogger(label: "portal-fcgi.tokens", level: "warning"))
                guard try ProjectTokenRepository(try PortalDatabase(config.databaseSettings)).delete(id: id, portalID: nil) else {
                    FileDescriptor.writeAll(2, Array("portal-fcgi: no token \(id)\n".utf8))
                    throw ExitCode(1)
                }
            }
        }
    }
}
