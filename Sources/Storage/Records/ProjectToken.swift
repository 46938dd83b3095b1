import Foundation
import GRDB

/// An admin credential (seed 003 project token). A project is a portal; a `root` token has none and
/// manages every portal. The secret is shown once; only its SHA-256 is stored.
public struct ProjectToken: Codable, Sendable, Equatable {
    /// What a token may do: viewers read, editors also write, admins also manage tokens and delete.
    public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
        case viewer, editor, admin, root

        var rank: Int { Self.allCases.firstIndex(of: self) ?? 0 }
        public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rank < rhs.rank }
    }

    /// Restricted tokens cannot hold the admin role (seed 003's public docs).
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case restricted, unrestricted
    }

    public var id: String
    /// The portal (project) it belongs to; nil for root.
    public var portalID: String?
    public var role: Role
    public var name: String
    public var secretHash: String
    public var type: Kind
    /// JSON array of strings (seed 003 `brokers`), kept as given.
    public var brokers: String
    /// The id of the token that created it, or `cli`.
    public var issuer: String
    public var issueDate: Date
    /// Expiry; nil = never.
    public var validDate: Date?
    public var lastUsedDate: Date?

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String?, role: Role, name: String, secretHash: String,
        type: Kind = .unrestricted, brokers: String = "[]", issuer: String, issueDate: Date, validDate: Date? = nil
    ) {
        self.id = id
        self.portalID = portalID
        self.role = role
        self.name = name
        self.secretHash = secretHash
        self.type = type
        self.brokers = brokers
        self.issuer = issuer
        self.issueDate = issueDate
        self.validDate = validDate
        self.lastUsedDate = nil
    }

    /// `pt_` + 256 random bits: the prefix lets secret scanners recognise a leaked token.
    public static func generateSecret() -> String {
        "pt_" + SecretToken.generate()
    }

    /// Whether this token may act on `portalID` with at least `role`.
    public func allows(_ needed: Role, on portalID: String) -> Bool {
        role == .root || (self.portalID == portalID && role >= needed)
    }

    enum CodingKeys: String, CodingKey {
        case id, role, name, type, brokers, issuer
        case portalID = "portal_id"
        case secretHash = "secret_hash"
        case issueDate = "issue_date"
        case validDate = "valid_date"
        case lastUsedDate = "last_used_date"
    }
}

extension ProjectToken: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "project_tokens"
}

extension ProjectToken {
    /// The columns `init(direct:)` reads, in its order.
    static let directColumns =
        "id, portal_id, role, name, secret_hash, type, brokers, issuer, issue_date, valid_date, last_used_date"

    /// A token from a direct read of `directColumns`.
    init(direct row: DirectRow) throws(StorageError) {
        guard let role = Role(rawValue: row.text(2)), let type = Kind(rawValue: row.text(5)) else {
            throw StorageError(kind: .other, message: "unknown project token role or type")
        }
        self.init(
            id: row.text(0), portalID: row.optionalText(1), role: role, name: row.text(3), secretHash: row.text(4), type: type,
            brokers: row.text(6), issuer: row.text(7), issueDate: try row.date(8), validDate: try row.optionalDate(9))
        lastUsedDate = try row.optionalDate(10)
    }
}
