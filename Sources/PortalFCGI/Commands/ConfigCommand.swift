import ArgumentParser
import Foundation

extension PortalCommand {
    /// `config check`: validate a configuration before (re)starting the pool with it.
    struct Config: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a configuration file.", subcommands: [Check.self])

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Print every problem of the configuration (key, what, how to fix); exit 1 if any, else print ok.",
                discussion: "Environment overrides (PORTAL_DATABASE_PATH, PORTAL_WORKERS, ...) are checked as the pool would apply them.")
            @Option(name: .long, help: "Path of the JSON configuration file.") var config: String

            func run() throws {
                let problems = ConfigCheck.problems(path: config, environment: ProcessInfo.processInfo.environment)
                guard problems.isEmpty else {
                    print(problems.map(\.description).joined(separator: "\n"))
                    print("\(problems.count) problem\(problems.count == 1 ? "" : "s") in \(config)")
                    throw ExitCode(1)
                }
                print("ok")
            }
        }
    }
}
