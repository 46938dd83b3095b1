import Foundation
import Storage

/// How seed 000 shows a developer.
extension Developer {
    /// Kong's numeric developer status (0 approved, 1 pending, 2 rejected, 3 revoked, 4 invited, 5 unverified).
    var kongStatus: Int64 {
        switch status {
        case .approved: 0
        case .pending: 1
        case .rejected: 2
        case .revoked: 3
        case .invited: 4
        case .unverified: 5
        }
    }

    /// `{id, created_at, updated_at, consumer: {id}, status, email, meta}` with epoch-second times
    /// and `meta` as JSON text, as in the seed's examples.
    var developerAPIJSON: JSON {
        .object([
            ("id", .string(id)),
            ("created_at", .epochSeconds(createdAt)),
            ("updated_at", .epochSeconds(updatedAt)),
            ("consumer", .object([("id", .string(consumerID))])),
            ("status", .int(kongStatus)),
            ("email", .string(email)),
            ("meta", .string(meta)),
        ])
    }
}
