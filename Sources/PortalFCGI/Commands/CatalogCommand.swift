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

            /// The management API's limits on the same fields (APIProducts: names 1…255, descriptions ≤ 2048).
            func validate() throws {
                guard !product.trimmingCharacters(in: .whitespaces).isEmpty, product.count <= 255 else {
                    throw ValidationError("--product must be 1 to 255 characters")
                }
                guard !version.trimmingCharacters(in: .whitespaces).isEmpty, version.count <= 255 else {
                    throw ValidationError("--version must be 1 to 255 characters")
                }
                guard description.count <= 2048 else { throw ValidationError("--description must be at most 2048 characters") }
                guard ProductVersion.AuthStrategy(rawValue: auth) != nil else { throw ValidationError("--auth must be key-auth, basic-auth or oauth2") }
            }

            /// A thin client of the management API's storage calls: the product and the version are saved
            /// by the same `saveProduct`/`saveVersion` (name checks, strategy, an audit row by "cli").
            func run() throws {
                let config = try options.loadAsPoolUser()
                try prepareDatabase(config, logger: makeLogger(label: "portal-fcgi.catalog", level: "warning"))
                let database = try PortalDatabase(config.databaseSettings)
                let portal = try Self.portal(domain: portalDomain, in: PortalRepository(database))
                let catalog = CatalogRepository(database)
                let now = Date()
                func audit(_ action: String, _ type: String, _ id: String) -> AuditEntry {
                    AuditEntry(portalID: portal.id, tokenID: Self.actor, action: action, targetType: type, targetID: id, clientAddress: Self.actorAddress, at: now)
                }
                let owner = try existingOrNewProduct(catalog, portal: portal, now: now, audit: audit)
                let credential = ProductVersion.AuthStrategy(rawValue: auth) ?? .keyAuth
                let created = ProductVersion(
                    productID: owner.id, portalID: portal.id, name: version, description: description,
                    publishStatus: .published, applicationRegistrationEnabled: registration,
                    autoApproveRegistration: autoApprove, authStrategy: credential,
                    authStrategyID: try catalog.strategyID(issuing: credential, portalDefault: portal.defaultApplicationAuthStrategyID),
                    createdAt: now)
                // Result rather than `catch let error as StorageError where …`: Swift 6.3.1 crashes
                // ("Found ownership error") compiling that catch in this function.
                if case .failure(let error) = Result(catching: { () throws(StorageError) in
                    try catalog.saveVersion(created, audit: audit("api_product_version.create", "api_product_version", created.id))
                }) {
                    guard error.kind == .uniqueViolation else { throw error }
                    // The management API answers 409 here; the command says so and fails.
                    FileDescriptor.writeAll(2, Array("portal-fcgi: product \"\(product)\" already has a version named \"\(version)\"\n".utf8))
                    throw ExitCode(1)
                }
                print(created.id)
            }

            /// The audit log's actor for changes made from the command line (its `token_id`).
            static let actor = "cli"
            /// Its `client_address`: the machine's own shell, not a network peer.
            static let actorAddress = "local"

            private func existingOrNewProduct(
                _ catalog: CatalogRepository, portal: Portal, now: Date, audit: (String, String, String) -> AuditEntry
            ) throws -> Product {
                if let found = try catalog.product(named: product, portalID: portal.id) { return found }
                let made = Product(portalID: portal.id, name: product, createdAt: now)
                if case .failure(let error) = Result(catching: { () throws(StorageError) in
                    try catalog.saveProduct(made, audit: audit("api_product.create", "api_product", made.id))
                }) {
                    // Made by someone else meanwhile: use theirs.
                    guard error.kind == .uniqueViolation, let found = try catalog.product(named: product, portalID: portal.id) else { throw error }
                    return found
                }
                return made
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
