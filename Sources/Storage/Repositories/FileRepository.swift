import Foundation
import GRDB

/// A file of a portal: a theme template or partial, a stylesheet, an image or font, a content file.
public struct PortalFile: Codable, Sendable, Equatable {
    public var id: String
    public var portalID: String
    public var path: String
    /// The text, or the bytes base64-encoded when `binary`.
    public var contents: String
    public var binary: Bool
    /// Hex SHA-256 of the file's bytes.
    public var checksum: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(portalID: String, path: String, contents: String, binary: Bool = false, createdAt: Date) {
        self.id = UUID().uuidString.lowercased()
        self.portalID = portalID
        self.path = path
        self.contents = contents
        self.binary = binary
        self.checksum = SecretToken.sha256Hex(binary ? Array(Data(base64Encoded: contents) ?? Data()) : Array(contents.utf8))
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// The file's bytes.
    public var bytes: [UInt8] {
        binary ? Array(Data(base64Encoded: contents) ?? Data()) : Array(contents.utf8)
    }

    enum CodingKeys: String, CodingKey {
        case id, path, contents, checksum, binary
        case portalID = "portal_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension PortalFile: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "portal_files"
}

/// A file's identity without its contents (lists, and the theme cache's freshness check).
public struct PortalFileSummary: Sendable, Equatable, FetchableRecord {
    public var id: String
    public var path: String
    public var checksum: String
    public var binary: Bool
    public var size: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(row: Row) throws {
        id = row["id"]
        path = row["path"]
        checksum = row["checksum"]
        binary = row["binary"]
        size = row["size"]
        createdAt = row.storedDate("created_at")
        updatedAt = row.storedDate("updated_at")
    }
}

/// A portal's files.
public struct FileRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// One page of the portal's files (seed 000 `/files`).
    public func list(portalID: String, page: PageRequest) throws(StorageError) -> Page<PortalFile> {
        try database.page(PortalFile.filter(Column("portal_id") == portalID), page, id: \.id)
    }

    /// ?1 portal. `size` is the stored length (base64 for binary files).
    public static let files = Listing(
        base: "SELECT id, path, checksum, binary, length(contents) AS size, created_at, updated_at FROM portal_files WHERE portal_id = ?1",
        fields: [
            "path": .init(.string, column: "path"), "created_at": .init(.date, column: "created_at", filterable: false),
            "updated_at": .init(.date, column: "updated_at", filterable: false),
        ])

    public func summaries(portalID: String, _ criteria: ListCriteria) throws(StorageError) -> ListSlice<PortalFileSummary> {
        try database.list(Self.files, scope: [portalID], criteria, as: PortalFileSummary.self)
    }

    public func file(id: String, portalID: String) throws(StorageError) -> PortalFile? {
        try database.read { db in try PortalFile.filter(Column("id") == id && Column("portal_id") == portalID).fetchOne(db) }
    }

    public func file(path: String, portalID: String) throws(StorageError) -> PortalFile? {
        try database.readStatement { db in
            try PortalFile.fetchOne(db.cachedStatement(sql: "SELECT * FROM portal_files WHERE portal_id = ? AND path = ?"), arguments: [portalID, path])
        }
    }

    /// The files under `prefix` (e.g. a theme's folder), contents included.
    public func files(portalID: String, under prefix: String) throws(StorageError) -> [PortalFile] {
        try database.readStatement { db in
            try PortalFile.fetchAll(db, sql: "SELECT * FROM portal_files WHERE portal_id = ? AND substr(path, 1, ?) = ? ORDER BY path",
                                    arguments: [portalID, prefix.count, prefix])
        }
    }

    /// Bumped by every change to any portal's files.
    public func generation() throws(StorageError) -> Int64 {
        // Asked before every page is rendered: a direct read, not a GRDB read (whose queue hop cost ~50k instructions).
        try database.direct.first(.changeCounter, "portal_files") { row in row.int64(0) } ?? 0
    }

    /// Creates or replaces the file at `file.path`; true when it was created.
    public func put(_ file: PortalFile, audit: AuditEntry) throws(StorageError) -> (created: Bool, file: PortalFile) {
        try database.write { db in
            var stored = file
            if let existing = try PortalFile.filter(Column("portal_id") == file.portalID && Column("path") == file.path).fetchOne(db) {
                stored.id = existing.id
                stored.createdAt = existing.createdAt
                try stored.update(db)
                try audit.record(in: db)
                return (false, stored)
            }
            try stored.insert(db)
            try audit.record(in: db)
            return (true, stored)
        }
    }

    public func delete(id: String, portalID: String, audit: AuditEntry) throws(StorageError) -> Bool {
        try database.deleteAudited("DELETE FROM portal_files WHERE id = ? AND portal_id = ?", [id, portalID], audit: audit)
    }

    /// Brings a portal's copies of the default theme up to date: adds the files it lacks (by path) and
    /// replaces those still exactly as they were seeded (`seeded_checksum`) when the default changed, so
    /// an upgrade's theme fixes reach existing portals. A file an admin edited is left as the portal has it.
    @discardableResult
    public func syncDefaultFiles(
        portalID: String, files: [(path: String, contents: String)], now: Date = Date()
    ) throws(StorageError) -> (added: Int, updated: Int) {
        try database.write { db in
            var added = 0, updated = 0
            for (path, contents) in files {
                let fresh = PortalFile(portalID: portalID, path: path, contents: contents, createdAt: now)
                guard let row = try Row.fetchOne(
                    db, sql: "SELECT id, checksum, seeded_checksum FROM portal_files WHERE portal_id = ? AND path = ?",
                    arguments: [portalID, path])
                else {
                    try fresh.insert(db)
                    try db.execute(sql: "UPDATE portal_files SET seeded_checksum = checksum WHERE id = ?", arguments: [fresh.id])
                    added += 1
                    continue
                }
                let checksum: String = row["checksum"]
                guard checksum == row["seeded_checksum"] as String?, checksum != fresh.checksum else { continue }
                try db.execute(sql: """
                    UPDATE portal_files SET contents = ?, binary = 0, checksum = ?, seeded_checksum = ?, updated_at = ? WHERE id = ?
                    """, arguments: [contents, fresh.checksum, fresh.checksum, now.stored, row["id"] as String])
                updated += 1
            }
            return (added, updated)
        }
    }
}
