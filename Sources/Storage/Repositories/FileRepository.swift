import Foundation
import GRDB

/// A file of a portal (theme asset, partial, page source).
public struct PortalFile: Codable, Sendable, Equatable {
    public var id: String
    public var portalID: String
    public var path: String
    public var contents: String
    /// Hex SHA-256 of `contents`.
    public var checksum: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(portalID: String, path: String, contents: String, createdAt: Date) {
        self.id = UUID().uuidString.lowercased()
        self.portalID = portalID
        self.path = path
        self.contents = contents
        self.checksum = SecretToken.hash(contents)  // the same hex SHA-256
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, path, contents, checksum
        case portalID = "portal_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension PortalFile: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "portal_files"
}

/// A portal's files, listed in creation order.
public struct FileRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// One page of the portal's files.
    public func list(portalID: String, page: PageRequest) throws(StorageError) -> Page<PortalFile> {
        try database.page(PortalFile.filter(Column("portal_id") == portalID), page, id: \.id)
    }

    /// Adds the files a portal lacks (by path); existing files are left as the portal has them.
    @discardableResult
    public func addMissing(portalID: String, files: [(path: String, contents: String)], now: Date = Date()) throws(StorageError) -> Int {
        try database.write { db in
            var added = 0
            for (path, contents) in files {
                let exists = try PortalFile.filter(Column("portal_id") == portalID && Column("path") == path).fetchCount(db) > 0
                if !exists {
                    try PortalFile(portalID: portalID, path: path, contents: contents, createdAt: now).insert(db)
                    added += 1
                }
            }
            return added
        }
    }
}
