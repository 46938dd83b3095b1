import Foundation
import GRDB

/// The catalog of a portal: products and their versions. The management API (seed 001) edits it;
/// the developer API (seed 000) reads the versions open for registration as "application services".
public struct CatalogRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// Inserts a product.
    public func createProduct(_ product: Product) throws(StorageError) {
        try database.write { db in try product.insert(db) }
    }

    /// The product of `portalID` named `name`, created (with `description`) when there is none.
    /// Find and insert share one transaction, so two concurrent callers do not both create it.
    public func findOrCreateProduct(portalID: String, name: String, description: String = "", now: Date = Date()) throws(StorageError) -> Product {
        try database.write { db in
            if let existing = try Product
                .filter(Column("portal_id") == portalID && Column("name") == name)
                .order(sql: "created_at, rowid")
                .fetchOne(db) {
                return existing
            }
            let product = Product(portalID: portalID, name: name, description: description, createdAt: now)
            try product.insert(db)
            return product
        }
    }

    /// The product of `portalID` with this id.
    public func findProduct(id: String, portalID: String) throws(StorageError) -> Product? {
        try database.read { db in
            try Product.filter(Column("id") == id && Column("portal_id") == portalID).fetchOne(db)
        }
    }

    /// Inserts a product version. A product that does not exist in the version's portal throws
    /// `.foreignKeyViolation` (the schema's foreign key alone would accept another portal's product).
    public func createVersion(_ version: ProductVersion) throws(StorageError) {
        try database.write { db in
            let productExists = try Product
                .filter(Column("id") == version.productID && Column("portal_id") == version.portalID)
                .fetchCount(db) > 0
            guard productExists else {
                throw StorageError(kind: .foreignKeyViolation, message: "the product does not exist in the version's portal")
            }
            try version.insert(db)
        }
    }

    /// The product version of `portalID` with this id, whatever its publication state.
    public func findVersion(id: String, portalID: String) throws(StorageError) -> ProductVersion? {
        try database.read { db in
            try ProductVersion.filter(Column("id") == id && Column("portal_id") == portalID).fetchOne(db)
        }
    }

    /// One page of the portal's application services (published versions with registration
    /// enabled), in creation order.
    /// With `visibleTo` (portals with RBAC), only the versions of products one of that developer's teams
    /// holds a role on.
    public func applicationServices(portalID: String, visibleTo developerID: String? = nil, _ page: PageRequest) throws(StorageError) -> Page<ApplicationService> {
        try database.page(Self.openForRegistration(portalID: portalID, visibleTo: developerID), page, id: \.id)
    }

    /// The application service of `portalID` with this id; nil when the version does not exist,
    /// is unpublished or does not take registrations.
    public func applicationService(id: String, portalID: String) throws(StorageError) -> ApplicationService? {
        try database.read { db in
            try Self.openForRegistration(portalID: portalID).filter(Column("id") == id).fetchOne(db)
        }
    }

    /// Versions of `portalID` a developer may register an application to; with `visibleTo` (RBAC), only
    /// those the developer's teams hold one of `roles` on.
    static func openForRegistration(
        portalID: String, visibleTo developerID: String? = nil,
        roles: [String] = [TeamRepository.viewerRole, TeamRepository.consumerRole]
    ) -> QueryInterfaceRequest<ApplicationService> {
        let open = ApplicationService.selection.filter(
            Column("portal_id") == portalID && Column("in_portal") == true
                && Column("publish_status") == ProductVersion.PublishStatus.published.rawValue
                && Column("application_registration_enabled") == true)
        guard let developerID else { return open }
        return open.filter(sql: TeamRepository.productGrantedSQL(roleNames: roles), arguments: [developerID])
    }
}
