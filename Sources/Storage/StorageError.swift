import GRDB

/// An error from the storage layer. It carries the SQLite result code and the SQL text,
/// never the bound values: those can be passwords, session ids or tokens.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, in the terms a caller can act on.
    public enum Kind: Sendable, Equatable {
        /// A UNIQUE constraint failed (e.g. an email already registered in the portal).
        case uniqueViolation
        /// A FOREIGN KEY constraint failed (the referenced row does not exist).
        case foreignKeyViolation
        /// The database stayed locked by another process for longer than the busy timeout.
        case busy
        /// A list cursor (`offset`) that names no item of the list.
        case invalidCursor
        /// A recipient had its share of account mail for the current window (`MailQuota`): nothing was written.
        case mailQuotaSpent
        /// Any other SQLite or I/O failure.
        case other
    }

    public let kind: Kind
    /// Extended SQLite result code, when the error came from SQLite.
    public let resultCode: Int32?
    /// The SQL statement, without arguments.
    public let sql: String?
    /// SQLite's message (it does not include bound values).
    public let message: String

    public init(kind: Kind, message: String, resultCode: Int32? = nil, sql: String? = nil) {
        self.kind = kind
        self.message = message
        self.resultCode = resultCode
        self.sql = sql
    }

    init(_ error: any Error) {
        if let storage = error as? StorageError {
            self = storage
            return
        }
        guard let dbError = error as? DatabaseError else {
            self.init(kind: .other, message: String(describing: type(of: error)))
            return
        }
        let kind: Kind
        switch dbError.extendedResultCode {
        case .SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT_PRIMARYKEY: kind = .uniqueViolation
        case .SQLITE_CONSTRAINT_FOREIGNKEY: kind = .foreignKeyViolation
        default:
            switch dbError.resultCode {
            case .SQLITE_BUSY, .SQLITE_LOCKED: kind = .busy
            default: kind = .other
            }
        }
        // DatabaseError.description would include the arguments: build our own from safe parts.
        self.init(
            kind: kind,
            message: dbError.message ?? "SQLite error",
            resultCode: dbError.extendedResultCode.rawValue,
            sql: dbError.sql
        )
    }

    public var description: String {
        var text = "storage error (\(kind)): \(message)"
        if let resultCode { text += " [code \(resultCode)]" }
        if let sql { text += " in `\(sql)`" }
        return text
    }
}
