import ArgumentParser
import Foundation
import Handlers
import Logging
import Storage
import Templates

/// `portal-fcgi`: the developer portal's FastCGI application server.
@main
struct PortalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal-fcgi",
        abstract: "Developer portal FastCGI server: a supervisor and a pool of worker processes behind nginx.",
        subcommands: [Serve.self, Migrate.self, Backup.self, Restore.self, Config.self, Worker.self, Portals.self, Catalog.self, Tokens.self]
    )
}

/// Options every subcommand takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .long, help: "Path of the JSON configuration file.")
    var config: String

    func load() throws -> PortalConfig {
        do {
            return try PortalConfig.load(path: config)
        } catch {
            FileDescriptor.writeAll(2, Array("portal-fcgi: \(error)\n(portal-fcgi config check --config \(config) lists every problem)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// `load()` for commands that open the database: as root, first switch to the pool's user.
    func loadAsPoolUser() throws -> PortalConfig {
        let loaded = try load()
        do {
            try Privileges.dropForCommand(loaded)
        } catch {
            FileDescriptor.writeAll(2, Array("portal-fcgi: \(error)\n".utf8))
            throw ExitCode(1)
        }
        return loaded
    }
}

extension PortalCommand {
    /// `serve`: the supervisor.
    struct Serve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open the FastCGI socket, migrate the database and run the worker pool (SIGHUP: rolling restart, SIGTERM: graceful stop).")

        @OptionGroup var options: ConfigOption
        /// An upgrade rehearsal: the pool starts on the schema as an older build left it, and the next
        /// SIGHUP (which runs `migrate`) applies the rest while the workers keep serving.
        @Option(name: .customLong("hold-schema-at"), help: .hidden) var holdSchemaAt: String?

        func run() throws {
            // Before anything can start a thread: signals are taken synchronously by the loop.
            Signals.block(Supervisor.handledSignals)
            let config = try options.load()
            let logger = makeLogger(label: "portal-fcgi.supervisor", level: config.logLevel)

            let identity: Privileges.Identity?
            let socketGroup: gid_t?
            do {
                identity = try Privileges.poolIdentity(config)
                socketGroup = try config.socketGroup.map { name throws(Privileges.Failure) in try Privileges.groupID(name) }
            } catch {
                logger.critical("cannot run the pool", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
            let socket: ListeningSocket
            let statusSocket: ListeningSocket?
            do {
                socket = try ListeningSocket(path: config.socketPath, mode: config.socketMode, backlog: config.listenBacklog)
                try socket.own(identity, group: socketGroup)
            } catch {
                logger.critical("cannot open the FastCGI socket", metadata: ["error": "\(error)", "fix": "\(error.fix)"])
                throw ExitCode(1)
            }
            do {
                let opened = try ListeningSocket(path: config.statusSocket, mode: config.socketMode, backlog: 16)
                try opened.own(identity, group: socketGroup)
                statusSocket = opened
            } catch {
                // The pool serves without its status page rather than not at all.
                logger.error("cannot open the status socket: /status and /metrics are unavailable", metadata: ["error": "\(error)"])
                statusSocket = nil
            }
            let board: Scoreboard?
            do {
                board = try Scoreboard.create(
                    directory: (config.socketPath as NSString).deletingLastPathComponent,
                    workerSlots: config.workers * 2 + 2, threads: config.threadsPerWorker)
            } catch {
                logger.error("no scoreboard: status shows no per-worker detail", metadata: ["error": "\(error)"])
                board = nil
            }
            let monitor = PoolMonitor(board: board, threadsPerWorker: config.threadsPerWorker)
            if let pidFile = config.pidFile {
                try? FileManager.default.createDirectory(atPath: (pidFile as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: pidFile, contents: Data("\(getpid())\n".utf8))
            }
            do {
                if let identity {
                    try Privileges.drop(to: identity)
                    logger.info("running as an unprivileged user", metadata: ["user": "\(identity.user)", "uid": "\(identity.uid)"])
                }
                // An older binary must not write a schema a newer one made (a downgrade): refuse, and say so.
                if let status = try? MigrationStatus.read(path: config.databasePath), !status.unknown.isEmpty {
                    throw NewerSchema()
                }
                try prepareDatabase(config, logger: logger, upTo: holdSchemaAt)
            } catch let failure as Privileges.Failure {
                socket.close()
                statusSocket?.close()
                logger.critical("cannot switch to the pool's user", metadata: ["error": "\(failure)"])
                throw ExitCode(1)
            } catch {
                socket.close()
                statusSocket?.close()
                let diagnosis = DatabaseDiagnosis.of(error, path: config.databasePath)
                logger.critical("cannot prepare the database", metadata: [
                    "error": "\(diagnosis.problem)", "database.path": "\(config.databasePath)", "fix": "\(diagnosis.fix)",
                ])
                throw ExitCode(1)
            }
            let statusServer = statusSocket.map {
                StatusServer(socket: $0, monitor: monitor, databasePath: config.databasePath, poolSocket: socket.descriptor,
                             listenBacklog: Int(config.listenBacklog), logger: logger)
            }
            if let statusServer, !statusServer.start() { statusServer.close() }
            let status = Supervisor(
                config: config, configPath: absolutePath(options.config), socket: socket, monitor: monitor, status: statusServer,
                logger: logger
            ).run()
            if let pidFile = config.pidFile { unlink(pidFile) }
            throw ExitCode(status)
        }
    }

    /// `migrate`: apply pending migrations and create the default portal.
    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Apply pending database migrations, then exit (--status: only list them).")

        @OptionGroup var options: ConfigOption
        @Flag(help: "List every migration as applied or pending, change nothing.") var status = false

        func run() throws {
            let config = try options.load()
            if status {
                try printStatus(config)
                return
            }
            let logger = makeLogger(label: "portal-fcgi.migrate", level: config.logLevel)
            do {
                try Privileges.dropForCommand(config)
                try prepareDatabase(config, logger: logger)
            } catch {
                logger.critical("migration failed", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
        }

        /// Prints `applied|pending  <id>` per migration in order, then a count; never writes the file.
        private func printStatus(_ config: PortalConfig) throws {
            try? Privileges.dropForCommand(config)
            let status: MigrationStatus
            do {
                status = try MigrationStatus.read(path: config.databasePath)
            } catch {
                throw failure("cannot read \(config.databasePath): \(error.message)")
            }
            var lines = status.entries.map { ($0.applied ? "applied" : "pending") + "  " + $0.identifier }
            lines += status.unknown.map { "unknown  \($0) (applied by a newer portal-fcgi)" }
            let applied = status.entries.count - status.pending.count
            lines.append("\(applied) applied, \(status.pending.count) pending (\(config.databasePath))")
            print(lines.joined(separator: "\n"))
        }
    }
}

extension PortalCommand {
    /// `worker`: one worker process; started by `serve` with the socket as fd 0.
    struct Worker: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve FastCGI requests on fd 0 (started by `serve`).", shouldDisplay: false)

        @OptionGroup var options: ConfigOption
        @Option(help: "Pid of the supervisor; the worker stops when it goes away.") var supervisor: Int32?
        @Option(help: "Slot number in the pool (for logs).") var slot: Int?
        @Option(help: "Descriptor to write the pid to once accepting.") var readyFd: Int32?
        @Option(help: "Descriptor of the supervisor's scoreboard.") var scoreboardFd: Int32?
        @Option(help: "This worker's slot in the scoreboard.") var scoreboardSlot: Int?

        func run() throws {
            Signals.block(FastCGIWorker.stopSignals)
            ResidentMemory.returnLargeAllocations()
            let config = try options.load()
            var logger = makeLogger(label: "portal-fcgi.worker", level: config.logLevel)
            if let slot { logger[metadataKey: "worker.slot"] = "\(slot)" }

            let services: Services
            do {
                // Started by a supervisor that already switched; refuse to serve as root in any case.
                try Privileges.dropForCommand(config)
                let database = try PortalDatabase(config.databaseSettings)
                let passwords = try PasswordHasher(
                    parameters: config.argon2, maxConcurrent: config.argon2MaxConcurrent,
                    poolSlots: HashingSlots(directory: config.hashingSlotsDirectory, count: config.argon2MaxConcurrent))
                services = try Services(
                    database: database, passwords: passwords, settings: config.handlerSettings, logger: logger)
            } catch {
                logger.critical("worker cannot start", metadata: ["error": "\(error)"])
                throw ExitCode(1)
            }
            var place: FastCGIWorker.ScoreboardPlace?
            if let scoreboardFd, let scoreboardSlot {
                do {
                    place = .init(board: try Scoreboard.attach(descriptor: scoreboardFd), slot: scoreboardSlot)
                } catch {
                    // Status pages lose this worker's line; serving matters more.
                    logger.error("scoreboard unavailable", metadata: ["error": "\(error)"])
                }
            }
            let worker = FastCGIWorker(
                application: Application(services: services, logger: logger),
                settings: .init(
                    threads: config.threadsPerWorker, maxRequests: config.maxRequests,
                    maxBodyBytes: config.maxBodyBytes, gracefulTimeout: config.gracefulTimeout,
                    slowlogTimeout: config.requestSlowlogTimeout),
                logger: logger, scoreboard: place)
            // Start-up code (argument parsing, configuration, template parsing) is not needed again.
            ResidentMemory.trimExecutableCode()
            throw ExitCode(worker.run(supervisor: supervisor.map { pid_t($0) }, readyDescriptor: readyFd))
        }
    }
}

/// The database holds migrations this build does not know (`DatabaseDiagnosis` says which).
struct NewerSchema: Error {}

/// Migrations and the default portal: done once, by the supervisor or `migrate`, never by workers.
/// `upTo` stops at that migration (an upgrade rehearsal, see `serve --hold-schema-at`).
func prepareDatabase(_ config: PortalConfig, logger: Logger, upTo: String? = nil) throws {
    try? FileManager.default.createDirectory(
        atPath: (config.databasePath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let database = try PortalDatabase(config.databaseSettings)
    if let upTo { try database.migrate(upTo: upTo) } else { try database.migrate() }
    let portals = PortalRepository(database)
    let portal = try portals.ensureDefault(name: config.defaultPortalName, domain: config.defaultPortalDomain)
    if upTo == nil {
        // Every portal has the default theme's files (seed 000 /files), brought up to date where an admin
        // never edited them; edits are kept.
        let files = FileRepository(database)
        for each in try portals.all() {
            let synced = try files.syncDefaultFiles(portalID: each.id, files: PageRenderer.defaultThemeFiles)
            if synced.updated > 0 {
                logger.info("default theme files updated", metadata: ["portal.id": "\(each.id)", "files.updated": "\(synced.updated)"])
            }
        }
    }
    let migrations = try database.appliedMigrations().count
    logger.info("database ready", metadata: [
        "database.path": "\(config.databasePath)", "migrations": "\(migrations)",
        "portal.default": "\(portal.name)",
    ])
}

func makeLogger(label: String, level: String) -> Logger {
    let logLevel = Logger.Level(rawValue: level) ?? .info
    return Logger(label: label) { label in StderrLogHandler(label: label, level: logLevel) }
}

func absolutePath(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
}
