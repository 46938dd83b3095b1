import CSQLite
import Foundation
import Synchronization

/// The reads nearly every request makes (the portals' change counter, the session with its developer, a
/// project token, the health check, the developer's own lists), run on raw SQLite connections of this
/// process with statements prepared once.
///
/// GRDB serialises each access to a connection through a dispatch queue and a pool lock: for a lookup
/// by primary key that overhead was about 90k instructions, ten times SQLite's own work (callgrind,
/// issue 11). These connections need no queue: one is checked out of `idle` under a mutex, used by one
/// thread, and put back. A single statement is its own read transaction (WAL); several that must agree
/// run in `transaction`. They never write (`PRAGMA query_only`); GRDB keeps every write and the
/// migrations.
final class DirectReads: Sendable {
    /// A statement these connections run, prepared once per connection. The SQL lives in Storage, like all SQL.
    /// A class: a connection finds its prepared statement by the query's identity, without hashing the SQL.
    final class Query: Sendable {
        let sql: String

        init(sql: String) {
            self.sql = sql
        }

        static let changeCounter = Query(sql: "SELECT value FROM change_counters WHERE name = ?")
        /// The developer's columns in `Developer(direct:)` order, then the session's.
        static let sessionWithDeveloper = Query(sql: """
            SELECT \(Developer.directColumns(prefix: "d.")), s.created_at, s.last_seen_at, s.expires_at
            FROM sessions s JOIN developers d ON d.id = s.developer_id
            WHERE s.token_hash = ? AND s.portal_id = ?
            """)
        static let projectToken = Query(sql: "SELECT \(ProjectToken.directColumns) FROM project_tokens WHERE secret_hash = ?")
        static let portalCount = Query(sql: "SELECT count(*) FROM portals")
        static let begin = Query(sql: "BEGIN")
        static let commit = Query(sql: "COMMIT")
        static let rollback = Query(sql: "ROLLBACK")
    }

    /// A value bound to a `?` of a query.
    enum Value: Sendable {
        case text(String)
        case integer(Int64)
    }

    private let path: String
    private let busyTimeoutMilliseconds: Int32
    private let idle = Mutex<[Connection]>([])

    init(path: String, busyTimeout: TimeInterval) {
        self.path = path
        self.busyTimeoutMilliseconds = Int32(clamping: Int(busyTimeout * 1000))
    }

    /// Runs `query` with `arguments` (bound as text, in order) and decodes its first row; nil when
    /// there is none.
    func first<T>(
        _ query: Query, _ arguments: String..., decode: (DirectRow) throws(StorageError) -> T
    ) throws(StorageError) -> T? {
        try with { connection throws(StorageError) in try connection.first(query, arguments.map(Value.text), decode: decode) }
    }

    /// Runs `body` with one connection inside a read transaction: its statements see one snapshot
    /// (a page and its total agree).
    func transaction<T>(_ body: (Connection) throws(StorageError) -> T) throws(StorageError) -> T {
        try with { connection throws(StorageError) in
            try connection.execute(.begin)
            do throws(StorageError) {
                let result = try body(connection)
                try connection.execute(.commit)
                return result
            } catch {
                try? connection.execute(.rollback)
                throw error
            }
        }
    }

    private func with<T>(_ body: (Connection) throws(StorageError) -> T) throws(StorageError) -> T {
        let connection = try checkOut()
        do {
            let result = try body(connection)
            idle.withLock { $0.append(connection) }
            return result
        } catch {
            // A connection SQLite failed on (other than by contention) is dropped, not reused; a caller's own
            // refusal (an unknown cursor) leaves it as good as it was.
            if error.kind == .busy || error.resultCode == nil { idle.withLock { $0.append(connection) } }
            throw error
        }
    }

    private func checkOut() throws(StorageError) -> Connection {
        if let reused = idle.withLock({ $0.popLast() }) { return reused }
        return try Connection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
    }

    /// One raw connection and its prepared statements. Never shared: it is in `idle` or with one thread.
    final class Connection: @unchecked Sendable {
        private let handle: OpaquePointer
        /// Prepared statements by query (which each entry keeps alive, so its identity is never reused).
        private var statements: [ObjectIdentifier: (query: Query, statement: OpaquePointer)] = [:]

        init(path: String, busyTimeoutMilliseconds: Int32) throws(StorageError) {
            var opened: OpaquePointer?
            // NOMUTEX: one thread at a time by construction. No CREATE: the supervisor made the file.
            let code = sqlite3_open_v2(path, &opened, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
            guard code == SQLITE_OK, let opened else {
                let message = opened.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
                sqlite3_close_v2(opened)
                throw StorageError(kind: .other, message: "cannot open \(path): \(message)", resultCode: code)
            }
            handle = opened
            sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
            sqlite3_extended_result_codes(handle, 1)
            // Reads only; a small page cache (lookups touch a handful of pages; the OS caches the file).
            let setup = sqlite3_exec(handle, "PRAGMA query_only = 1; PRAGMA cache_size = -512", nil, nil, nil)
            guard setup == SQLITE_OK else {
                let error = Self.error(handle, code: setup, sql: nil)
                sqlite3_close_v2(handle)
                throw error
            }
        }

        deinit {
            for entry in statements.values { sqlite3_finalize(entry.statement) }
            sqlite3_close_v2(handle)
        }

        /// The first row of `query`, decoded; nil when there is none.
        func first<T>(
            _ query: Query, _ arguments: [Value], decode: (DirectRow) throws(StorageError) -> T
        ) throws(StorageError) -> T? {
            var found: T?
            try each(query, arguments) { row throws(StorageError) in
                found = try decode(row)
                return false
            }
            return found
        }

        /// Runs a statement that returns no rows (BEGIN, COMMIT).
        func execute(_ query: Query) throws(StorageError) {
            try each(query, []) { _ in false }
        }

        /// Every row of `query`, decoded, in order.
        func all<T>(
            _ query: Query, _ arguments: [Value], decode: (DirectRow) throws(StorageError) -> T
        ) throws(StorageError) -> [T] {
            var rows: [T] = []
            try each(query, arguments) { row throws(StorageError) in
                rows.append(try decode(row))
                return true
            }
            return rows
        }

        /// Steps `query`, calling `visit` with each row until it returns false or the rows end.
        private func each(
            _ query: Query, _ arguments: [Value], _ visit: (DirectRow) throws(StorageError) -> Bool
        ) throws(StorageError) {
            let statement = try prepared(query)
            // Reset before returning in every case: a statement left stepping keeps its read transaction open.
            defer {
                sqlite3_reset(statement)
                sqlite3_clear_bindings(statement)
            }
            for (index, argument) in arguments.enumerated() {
                let position = Int32(index + 1)
                let code: Int32
                switch argument {
                case .integer(let value):
                    code = sqlite3_bind_int64(statement, position, value)
                case .text(let text):
                    code = text.utf8.withContiguousStorageIfAvailable { bytes in
                        sqlite3_bind_text(statement, position, bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) },
                                          Int32(bytes.count), Self.transient)
                    } ?? sqlite3_bind_text(statement, position, text, -1, Self.transient)
                }
                guard code == SQLITE_OK else { throw Self.error(handle, code: code, sql: query.sql) }
            }
            while true {
                switch sqlite3_step(statement) {
                case SQLITE_ROW: if try !visit(DirectRow(statement: statement)) { return }
                case SQLITE_DONE: return
                case let code: throw Self.error(handle, code: code, sql: query.sql)
                }
            }
        }

        private func prepared(_ query: Query) throws(StorageError) -> OpaquePointer {
            if let entry = statements[ObjectIdentifier(query)] { return entry.statement }
            var statement: OpaquePointer?
            let code = sqlite3_prepare_v3(handle, query.sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
            guard code == SQLITE_OK, let statement else { throw Self.error(handle, code: code, sql: query.sql) }
            statements[ObjectIdentifier(query)] = (query, statement)
            return statement
        }

        /// SQLITE_TRANSIENT: SQLite copies bound text (the Swift buffer does not outlive the call).
        private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

        private static func error(_ handle: OpaquePointer, code: Int32, sql: String?) -> StorageError {
            let primary = code & 0xff
            let kind: StorageError.Kind = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? .busy : .other
            return StorageError(kind: kind, message: String(cString: sqlite3_errmsg(handle)), resultCode: code, sql: sql)
        }
    }
}

/// The current row of a direct read, read by column index (the order of the query's SELECT list).
struct DirectRow {
    fileprivate let statement: OpaquePointer

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }

    func optionalText(_ column: Int32) -> String? {
        isNull(column) ? nil : text(column)
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(statement, column)
    }

    func isNull(_ column: Int32) -> Bool {
        sqlite3_column_type(statement, column) == SQLITE_NULL
    }

    /// A date as GRDB stores it (`yyyy-MM-dd HH:mm:ss.SSS`, UTC) or as seconds since 1970.
    func date(_ column: Int32) throws(StorageError) -> Date {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER, SQLITE_FLOAT:
            return Date(timeIntervalSince1970: sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let bytes = sqlite3_column_text(statement, column),
                  let date = StoredDate.parse(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))))
            else { throw StorageError(kind: .other, message: "unreadable date in column \(column)") }
            return date
        default:
            throw StorageError(kind: .other, message: "no date in column \(column)")
        }
    }

    func optionalDate(_ column: Int32) throws(StorageError) -> Date? {
        isNull(column) ? nil : try date(column)
    }
}
