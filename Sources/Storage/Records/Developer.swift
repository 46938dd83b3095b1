import Foundation
import GRDB

/// A developer account in one portal.
public struct Developer: Codable, Sendable, Equatable {
    /// Account states; only `approved` may log in.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case approved, pending, rejected, revoked, invited, unverified
    }

    public var id: String
    public var portalID: String
    public var email: String
    /// argon2id encoded hash string (parameters and salt included).
    public var passwordHash: String
    /// JSON object text of the portal's signup fields (e.g. `{"full_name":"User"}`).
    public var meta: String
    public var status: Status
    /// Identifier of the gateway consumer that stands for this developer (seed 000 `consumer.id`).
    public var consumerID: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String, email: String, passwordHash: String,
        meta: String, status: Status, consumerID: String = UUID().uuidString.lowercased(),
        createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.portalID = portalID
        self.email = email
        self.passwordHash = passwordHash
        self.meta = meta
        self.status = status
        self.consumerID = consumerID
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, email, meta, status
        case portalID = "portal_id"
        case passwordHash = "password_hash"
        case consumerID = "consumer_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension Developer: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "developers"

    /// Read column by column rather than through `Decodable`: a developer is decoded on every
    /// authenticated request, and the generic decoder costs several times more.
    public init(row: Row) throws {
        guard let status = Status(rawValue: row["status"]) else {
            throw StorageError(kind: .other, message: "unknown developer status")
        }
        self.init(
            id: row["id"], portalID: row["portal_id"], email: row["email"], passwordHash: row["password_hash"], meta: row["meta"],
            status: status, consumerID: row["consumer_id"], createdAt: row.storedDate("created_at"), updatedAt: row.storedDate("updated_at"))
    }
}

extension Developer {
    /// The columns `init(direct:at:)` reads, in its order, for a direct read's SELECT list.
    static func directColumns(prefix: String = "") -> String {
        ["id", "portal_id", "email", "password_hash", "meta", "status", "consumer_id", "created_at", "updated_at"]
            .map { prefix + $0 }.joined(separator: ", ")
    }

    /// A developer from `directColumns` starting at column `first` of a direct read.
    init(direct row: DirectRow, at first: Int32 = 0) throws(StorageError) {
        guard let status = Status(rawValue: row.text(first + 5)) else {
            throw StorageError(kind: .other, message: "unknown developer status")
        }
        self.init(
            id: row.text(first), portalID: row.text(first + 1), email: row.text(first + 2), passwordHash: row.text(first + 3),
            meta: row.text(first + 4), status: status, consumerID: row.text(first + 6), createdAt: try row.date(first + 7),
            updatedAt: try row.date(first + 8))
    }
}
