import ArgumentParser
import Foundation
import Storage

extension PortalCommand {
    /// `catalog`: add products and versions from the command line, for operators who script their
    /// setup and for the end-to-end tests (until the management API edits the catalog).
    struct Catalog: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Edit the catalog of products and product versions.", subcommands: [AddVersion.self])

        struct AddVersion: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "add-version",
                abstract: "Add a published version to PRODUCT (created if needed); prints the version's id.")
            @OptionGroup var options: ConfigOption
            @Option(help: "Host name of the portal (default: the default portal).") var portalDomain: String?
            @Option(help: "Product name; the portal's product of that name, or a new one.") var product: String
            @Option(help: "Version name, e.g. v1.") var version: String
            @Option(help: "Description shown to developers.") var description: String = ""
            @Flag(help: "Developers may register applications to this version.") var registration = false
            @Flag(help: "Registrations are approved at once instead of pending.") var autoApprove = false
            @Option(help: "Credential an approved registration gets: key-auth, basic-auth or oauth2.") var auth: String = "key-auth"

            func validate() throws {
                guard !product.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--product must not be empty") }
                guard !version.trimmingCharacters(in: .whitespaces).isEmpty else { throw ValidationError("--version must not be empty") }
                guard ProductVersion.AuthStrategy(rawValue: auth) != nil else { throw ValidationError("--auth must be key-auth, basic-auth or oauth2") }
            }

            func run() throws {
                let config = try options.loadAsPoolUser()
                try prepareDatabase(config, logger: makeLogger(label: "portal-fcgi.catalog", level: "warning"))
                let database = try PortalDatabase(config.databaseSettings)
                let portal = try Self.portal(domain: portalDomain, in: PortalRepository(database))
                let catalog = CatalogRepository(database)
                let now = Date()
                let owner = try catalog.findOrCreateProduct(portalID: portal.id, name: product, now: now)
                let created = ProductVersion(
                    productID: owner.id, portalID: portal.id, name: version, description: description,
                    publishStatus: .published, applicationRegistrationEnabled: registration,
                    autoApproveRegistration: autoApprove, authStrategy: ProductVersion.AuthStrategy(rawValue: auth) ?? .keyAuth,
                    createdAt: now)
                try catalog.createVersion(created)
                print(created.id)
            }

            /// The portal served on `domain` exactly (no fallback to the default portal: a typo must
            /// not add the version elsewhere), or the default portal when no domain is given.
            static func portal(domain: String?, in portals: PortalRepository) throws -> Portal {
                let found = try domain.map { try portals.resolve(host: $0, serverNames: []) } ?? portals.defaultPortal()
                if let portal = found { return portal }
                FileDescriptor.writeAll(2, Array("portal-fcgi: no portal is served on \(domain ?? "any domain")\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
