import Foundation
import GRDB

/// An application's registration to a product version: an "application instance" of seed 000,
/// an "application registration" of seed 001. One per application and version.
public struct ApplicationRegistration: Codable, Sendable, Equatable {
    /// Review state; only `approved` lets the application call the version's API.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case approved, pending, rejected, revoked
    }

    public var id: String
    public var portalID: String
    public var applicationID: String
    public var productVersionID: String
    public var status: Status
    /// Temporarily disabled by an admin without changing its status.
    public var suspended: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String = UUID().uuidString.lowercased(), portalID: String, applicationID: String,
        productVersionID: String, status: Status, suspended: Bool = false, createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.portalID = portalID
        self.applicationID = applicationID
        self.productVersionID = productVersionID
        self.status = status
        self.suspended = suspended
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    enum CodingKeys: String, CodingKey {
        case id, status, suspended
        case portalID = "portal_id"
        case applicationID = "application_id"
        case productVersionID = "product_version_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}

extension ApplicationRegistration: FetchableRecord, PersistableRecord, StoredDateRecord {
    public static let databaseTableName = "application_registrations"
}
