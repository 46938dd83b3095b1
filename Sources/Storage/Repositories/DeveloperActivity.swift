import Foundation
import GRDB

/// When a developer last logged in and last set a password (seed 002's `last_login_date` and
/// `password_updated`), kept beside the developer row, which every authenticated request reads.
public struct DeveloperActivity: Sendable, Equatable {
    public var lastLoginAt: Date?
    public var passwordUpdatedAt: Date?

    public init(lastLoginAt: Date? = nil, passwordUpdatedAt: Date? = nil) {
        self.lastLoginAt = lastLoginAt
        self.passwordUpdatedAt = passwordUpdatedAt
    }

    enum Event {
        case lastLogin, passwordUpdate

        var column: String {
            switch self {
            case .lastLogin: "last_login_at"
            case .passwordUpdate: "password_updated_at"
            }
        }
    }

    /// Notes `event` of the developer at `now`, inside the caller's write transaction. Bookkeeping only, so
    /// it never fails the login or password change it rides on: an error (a database held at a schema
    /// without this table, as `serve --hold-schema-at` does for upgrade rehearsals) leaves the
    /// transaction as it was — a failed statement does not end an SQLite transaction.
    static func record(_ event: Event, of developerID: String, at now: Date, in db: Database) {
        let column = event.column
        try? db.execute(sql: """
            INSERT INTO developer_activity (developer_id, \(column)) VALUES (?, ?)
            ON CONFLICT (developer_id) DO UPDATE SET \(column) = excluded.\(column)
            """, arguments: [developerID, now.stored])
    }

    /// The developer's activity (empty when nothing was recorded yet).
    static func of(_ developerID: String, in db: Database) throws -> DeveloperActivity {
        guard let row = try Row.fetchOne(
            db, sql: "SELECT last_login_at, password_updated_at FROM developer_activity WHERE developer_id = ?",
            arguments: [developerID])
        else { return DeveloperActivity() }
        return DeveloperActivity(lastLoginAt: row.optionalStoredDate("last_login_at"), passwordUpdatedAt: row.optionalStoredDate("password_updated_at"))
    }
}
