import Foundation
import GRDB

/// A product version as the portal's catalog pages show it.
public struct CatalogEntry: Sendable, Equatable {
    public var id: String
    public var productName: String
    public var productDescription: String
    public var versionName: String
    public var versionDescription: String
    public var deprecated: Bool
    public var registrationOpen: Bool
    /// The OpenAPI document, as uploaded (only read for one entry).
    public var specification: String?
    /// When the version (and so its document) last changed: the key of caches built from it.
    public var updatedAt: Date
}

extension CatalogRepository {
    /// The published versions listed in the portal, by product name then version; with `visibleTo`
    /// (portals with RBAC) only those of products one of that developer's teams holds a role on; with
    /// `search`, only those whose product or version name contains it (case-insensitive).
    public func catalog(portalID: String, visibleTo developerID: String?, search: String?, limit: Int = 200) throws(StorageError) -> [CatalogEntry] {
        var sql = Self.catalogSQL
        var arguments: StatementArguments = [portalID]
        if let developerID {
            sql += " AND " + TeamRepository.productGrantedSQL(roleNames: [TeamRepository.viewerRole, TeamRepository.consumerRole])
                .replacingOccurrences(of: "product_id IN", with: "v.product_id IN")
            arguments += [developerID]
        }
        if let search, !search.isEmpty {
            sql += " AND (instr(lower(p.name), lower(?)) > 0 OR instr(lower(v.name), lower(?)) > 0)"
            arguments += [search, search]
        }
        sql += " ORDER BY p.name COLLATE NOCASE, v.name COLLATE NOCASE LIMIT ?"
        arguments += [limit]
        return try database.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments).map { Self.entry($0, withSpecification: false) } }
    }

    /// One published, listed version with its specification; nil otherwise (or not visible under RBAC).
    public func catalogEntry(id: String, portalID: String, visibleTo developerID: String?) throws(StorageError) -> CatalogEntry? {
        var sql = Self.catalogSQL + " AND v.id = ?"
        var arguments: StatementArguments = [portalID, id]
        if let developerID {
            sql += " AND " + TeamRepository.productGrantedSQL(roleNames: [TeamRepository.viewerRole, TeamRepository.consumerRole])
                .replacingOccurrences(of: "product_id IN", with: "v.product_id IN")
            arguments += [developerID]
        }
        return try database.read { db in try Row.fetchOne(db, sql: sql, arguments: arguments).map { Self.entry($0, withSpecification: true) } }
    }

    private static let catalogSQL = """
        SELECT v.id, v.name, v.description, v.deprecated, v.application_registration_enabled, v.specification, v.updated_at,
               p.name AS product_name, p.description AS product_description
        FROM product_versions v JOIN products p ON p.id = v.product_id
        WHERE v.portal_id = ? AND v.in_portal = 1 AND v.publish_status = 'published'
        """

    private static func entry(_ row: Row, withSpecification: Bool) -> CatalogEntry {
        CatalogEntry(
            id: row["id"], productName: row["product_name"], productDescription: row["product_description"] ?? "",
            versionName: row["name"], versionDescription: row["description"] ?? "", deprecated: row["deprecated"],
            registrationOpen: row["application_registration_enabled"], specification: withSpecification ? row["specification"] : nil,
            updatedAt: row.storedDate("updated_at"))
    }
}
