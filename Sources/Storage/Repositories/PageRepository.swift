import Foundation
import GRDB

/// A custom page of a portal (seed 001 text): markdown served as HTML at `path` once published;
/// non-public pages only to logged-in developers.
public struct PortalPage: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "portal_pages"
    public var id: String
    public var portalID: String
    public var path: String
    public var title: String
    public var content: String
    public var description: String?
    public var isPublic: Bool
    public var published: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), portalID: String, path: String, title: String, content: String,
                description: String?, isPublic: Bool, published: Bool, createdAt: Date) {
        self.id = id
        self.portalID = portalID
        self.path = path
        self.title = title
        self.content = content
        self.description = description
        self.isPublic = isPublic
        self.published = published
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, path, title, content, description, published
        case portalID = "portal_id"
        case isPublic = "public"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

public struct PageRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// ?1 portal.
    public static let pages = Listing(
        base: "SELECT * FROM portal_pages WHERE portal_id = ?1",
        fields: [
            "id": .init(.uuid, column: "id", sortable: false), "path": .init(.string, column: "path"),
            "title": .init(.string, column: "title"), "public": .init(.boolean, column: "public"),
            "published": .init(.boolean, column: "published", sortable: false),
            "created_at": .init(.date, column: "created_at", filterable: false),
            "updated_at": .init(.date, column: "updated_at", filterable: false),
        ])

    public func pages(portalID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<PortalPage> {
        try database.list(Self.pages, scope: [portalID], criteria, as: PortalPage.self)
    }

    public func page(id: String, portalID: String) throws(StorageError) -> PortalPage? {
        try database.read { db in
            try PortalPage.fetchOne(db, sql: "SELECT * FROM portal_pages WHERE id = ? AND portal_id = ?", arguments: [id, portalID])
        }
    }

    /// The published page at `path`, if any: one indexed statement (the UNIQUE (portal_id, path) index).
    public func published(path: String, portalID: String) throws(StorageError) -> PortalPage? {
        try database.readStatement { db in
            try PortalPage.fetchOne(db.cachedStatement(sql: "SELECT * FROM portal_pages WHERE portal_id = ? AND path = ? AND published = 1"),
                                    arguments: [portalID, path])
        }
    }

    /// Inserts `page`; false when another page of the portal has its path.
    public func create(_ page: PortalPage, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.write { db in
            guard try !Self.pathTaken(page, in: db) else { return false }
            try page.insert(db)
            try audit.record(in: db)
            return true
        }
    }

    public enum Update: Sendable, Equatable {
        case updated(PortalPage)
        /// No such page (or it was deleted meanwhile): nothing is written, nothing comes back to life.
        case notFound
        /// Another page of the portal has the path `change` gave.
        case pathTaken
    }

    /// Applies `change` to the stored page and saves it, read and written in one transaction, so a
    /// concurrent PATCH is not lost and a concurrent DELETE is not undone.
    public func update(id: String, portalID: String, audit: AuditEntry, _ change: (inout PortalPage) -> Void) throws(StorageError) -> Update {
        try database.write { db in
            guard var page = try PortalPage.fetchOne(db, sql: "SELECT * FROM portal_pages WHERE id = ? AND portal_id = ?", arguments: [id, portalID]) else {
                return .notFound
            }
            change(&page)
            guard try !Self.pathTaken(page, in: db) else { return .pathTaken }
            try page.update(db)
            try audit.record(in: db)
            return .updated(page)
        }
    }

    private static func pathTaken(_ page: PortalPage, in db: Database) throws -> Bool {
        try Bool.fetchOne(db, sql: "SELECT 1 FROM portal_pages WHERE portal_id = ? AND path = ? AND id != ?",
                          arguments: [page.portalID, page.path, page.id]) == true
    }

    public func delete(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM portal_pages WHERE id = ? AND portal_id = ?", [id, portalID], audit: audit)
    }
}
