import ArgumentParser
import Foundation
import Storage

extension PortalCommand {
    /// `backup FILE`: a consistent copy of the database while the pool keeps serving.
    struct Backup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the database to FILE with SQLite's online backup, while the pool serves traffic.",
            discussion: "The copy is the database as of the moment the backup starts. It is written to FILE.partial, checked with PRAGMA integrity_check, then renamed to FILE.")

        @OptionGroup var options: ConfigOption
        @Argument(help: "Where to write the backup.") var file: String
        @Flag(help: "Replace FILE if it exists.") var force = false
        @Option(help: "Pages copied per step (progress is printed after each).") var pagesPerStep: Int32 = 1000

        func validate() throws {
            guard pagesPerStep >= 1 else { throw ValidationError("--pages-per-step must be at least 1") }
        }

        func run() throws {
            let config = try options.loadAsPoolUser()
            let destination = absolutePath(file)
            let started = Date()
            let summary: DatabaseBackup.Summary
            do {
                summary = try DatabaseBackup.backup(
                    source: config.databasePath, destination: destination, overwrite: force, pagesPerStep: pagesPerStep
                ) { progress in
                    FileDescriptor.writeAll(2, Array("copied \(progress.copiedPages)/\(progress.totalPages) pages\n".utf8))
                }
            } catch {
                throw failure("backup failed: \(error.message)")
            }
            let seconds = String(format: "%.2f", Date().timeIntervalSince(started))
            FileDescriptor.writeAll(2, Array(
                "backup written: \(destination) (\(summary.bytes) bytes, \(summary.pages) pages, \(summary.migrations.count) migrations, \(seconds) s, integrity ok)\n".utf8))
        }
    }

    /// `restore FILE`: put a backup back while the pool is stopped.
    struct Restore: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the database with a backup (stop the pool first).",
            discussion: "The backup must pass PRAGMA integrity_check. The old database is kept as <database>.before-restore; stale -wal/-shm files are removed. The next start migrates an older backup forward.")

        @OptionGroup var options: ConfigOption
        @Argument(help: "The backup file to restore.") var file: String
        @Flag(help: "Restore even though a pool seems to run on this configuration.") var force = false

        func run() throws {
            let config = try options.loadAsPoolUser()
            if !force, let running = PoolLiveness.running(config) {
                throw failure("a pool is running on this configuration (\(running)); stop it first (systemctl stop portal-fcgi), or pass --force")
            }
            do {
                try DatabaseBackup.restore(backup: absolutePath(file), database: config.databasePath)
            } catch {
                throw failure("restore failed: \(error.message)")
            }
            FileDescriptor.writeAll(2, Array(
                "restored \(absolutePath(file)) to \(config.databasePath); the old database is at \(config.databasePath).before-restore\n".utf8))
        }
    }
}

/// Prints `portal-fcgi: message` to stderr; the exit status 1 to throw.
func failure(_ message: String) -> ExitCode {
    FileDescriptor.writeAll(2, Array("portal-fcgi: \(message)\n".utf8))
    return ExitCode(1)
}
