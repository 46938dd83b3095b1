import Foundation
import GRDB

/// Who did what through an admin API, written in the transaction of the change (seed 001 audit logs).
public struct AuditEntry: Sendable, Equatable {
    public var portalID: String?
    public var tokenID: String
    /// `portal.update`, `developer.delete`, …
    public var action: String
    public var targetType: String
    public var targetID: String
    public var clientAddress: String?
    public var at: Date

    public init(portalID: String?, tokenID: String, action: String, targetType: String, targetID: String, clientAddress: String?, at: Date) {
        self.portalID = portalID
        self.tokenID = tokenID
        self.action = action
        self.targetType = targetType
        self.targetID = targetID
        self.clientAddress = clientAddress
        self.at = at
    }

    /// Inserts the entry with `outcome` inside an open write transaction.
    func record(outcome: String = "success", in db: Database) throws {
        try db.execute(sql: """
            INSERT INTO audit_log (portal_id, token_id, action, target_type, target_id, outcome, client_address, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [portalID, tokenID, action, targetType, targetID, outcome, clientAddress, at.stored])
    }
}

/// Reading the audit log (tests and, in part 2, the webhook sender).
public struct AuditLogRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// Entries of `portalID`, oldest first: (action, target id, token id, outcome).
    public func entries(portalID: String) throws(StorageError) -> [(action: String, targetID: String, tokenID: String, outcome: String)] {
        try database.read { db in
            try Row.fetchAll(db, sql: "SELECT action, target_id, token_id, outcome FROM audit_log WHERE portal_id = ? ORDER BY id",
                             arguments: [portalID]).map { ($0[0], $0[1], $0[2], $0[3]) }
        }
    }

    /// Records a refused write (the change's own transaction never ran).
    public func recordRefusal(_ entry: AuditEntry, outcome: String) throws(StorageError) {
        try database.write { db in try entry.record(outcome: outcome, in: db) }
    }
}

extension PortalDatabase {
    /// Runs one DELETE and, when it removed a row, records `audit` in the same transaction.
    func deleteAudited(_ sql: String, _ arguments: StatementArguments, audit: AuditEntry) throws(StorageError) -> Bool {
        try write { db in
            try db.execute(sql: sql, arguments: arguments)
            guard db.changesCount > 0 else { return false }
            try audit.record(in: db)
            return true
        }
    }
}

/// `full_name` from a developer's meta JSON (empty when absent or unreadable), as the management API shows it.
func developerFullNameSQL(_ alias: String) -> String {
    "coalesce(CASE WHEN json_valid(\(alias).meta) THEN json_extract(\(alias).meta, '$.full_name') END, '')"
}
