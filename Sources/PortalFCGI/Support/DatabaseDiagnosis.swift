import Foundation
import Storage

/// Why the database could not be prepared at start, told apart so the fix fits: the pool's user may not
/// write the directory or the file (a permission problem), the file is not a SQLite database or is
/// damaged, or a newer portal-fcgi migrated it. Judged after the failure, as the user the pool runs as.
struct DatabaseDiagnosis: Equatable, CustomStringConvertible {
    enum Kind: Equatable { case missingDirectory, permission, readOnly, damaged, newerSchema, other }

    let kind: Kind
    let problem: String
    let fix: String

    var description: String { "\(problem) (fix: \(fix))" }

    // SQLite's primary result codes (https://sqlite.org/rescode.html).
    private static let sqlitePerm: Int32 = 3, sqliteReadOnly: Int32 = 8, sqliteCorrupt: Int32 = 11
    private static let sqliteCantOpen: Int32 = 14, sqliteNotADatabase: Int32 = 26

    /// The diagnosis of `error`, thrown while opening or migrating the database at `path`.
    static func of(_ error: any Error, path: String, user: String = Self.currentUser) -> DatabaseDiagnosis {
        let directory = (path as NSString).deletingLastPathComponent
        let code = (error as? StorageError)?.resultCode.map { $0 & 0xFF }
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) || !isDirectory.boolValue {
            return .init(kind: .missingDirectory, problem: "the directory \(directory) of database_path does not exist",
                         fix: "create it for the pool's user (install -d -o \(user) -g \(user) -m 0750 \(directory)), or point database_path elsewhere")
        }
        if access(directory, W_OK | X_OK) != 0 {
            let reason = String(cString: strerror(errno))
            return .init(kind: .permission,
                         problem: "permission problem: the pool's user \(user) cannot create files in \(directory) (\(reason)); SQLite needs it for the -wal and -shm files",
                         fix: "chown \(user) \(directory) (or chmod u+rwx), or point database_path elsewhere")
        }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) && access(file, R_OK | W_OK) != 0 {
            return .init(kind: .permission, problem: "permission problem: the pool's user \(user) cannot read and write \(file)",
                         fix: "chown \(user) \(path) \(path)-wal \(path)-shm (those that exist), e.g. after a restore made as root")
        }
        if code == sqliteNotADatabase || code == sqliteCorrupt {
            return .init(kind: .damaged, problem: "\(path) is not a SQLite database or is damaged (\(error))",
                         fix: "restore the last backup (portal-fcgi restore FILE --config ...), or move the file away to start with an empty database")
        }
        if let status = try? MigrationStatus.read(path: path), !status.unknown.isEmpty {
            return .init(kind: .newerSchema,
                         problem: "\(path) was migrated by a newer portal-fcgi (migrations this build does not know: \(status.unknown.joined(separator: ", ")))",
                         fix: "run the newer portal-fcgi again, or restore a backup made before the upgrade")
        }
        if code == sqliteReadOnly || code == sqlitePerm || code == sqliteCantOpen {
            return .init(kind: .readOnly, problem: "\(path) cannot be opened for writing (\(error)); the file system may be read-only",
                         fix: "with systemd, database_path must lie under ReadWritePaths= (/var/lib/portal); check the mount")
        }
        return .init(kind: .other, problem: "cannot prepare \(path): \(error)",
                     fix: "see the error; portal-fcgi migrate --status --config ... shows the schema")
    }

    /// The name of this process's effective user (after the pool dropped privileges).
    static var currentUser: String {
        guard let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name else { return "uid \(geteuid())" }
        return String(cString: name)
    }
}
