import Foundation
import PortalTesting
import Storage
import Testing

/// Several processes write the same SQLite file (DESIGN.md, "Runtime": a `DatabasePool` per worker,
/// `busy_timeout`, IMMEDIATE write transactions). Two `PortalDatabase` instances stand for two workers.
@Suite struct ConcurrentWritersTests {
    @Test func twoPoolsWritingFromSeveralThreadsAllSucceed() throws {
        let temporary = try TemporaryDatabase()
        let portal = try PortalRepository(temporary.database).makePortal(name: "Acme", domain: "acme.example")
        let workers = [temporary.database, try temporary.openAnother()]
        let threadsPerWorker = 4
        let developersPerWorker = 200
        let perThread = developersPerWorker / threadsPerWorker
        let errors = Locked<[String]>([])

        runOnThreads(workers.count * threadsPerWorker) { index in
            let worker = index / threadsPerWorker
            let repository = DeveloperRepository(workers[worker])
            for number in 0..<perThread {
                let email = "w\(worker)-t\(index)-n\(number)@example.com"
                do {
                    try repository.create(makeDeveloper(portalID: portal.id, email: email))
                } catch {
                    errors.withLock { $0.append("\(email): \(error)") }
                }
            }
        }

        #expect(errors.current == [])
        let count = try SQLiteShell.query(temporary.path, "SELECT count(*) FROM developers WHERE portal_id = '\(portal.id)'")
        #expect(count == ["\(workers.count * developersPerWorker)"])
        // Each worker reads what the other wrote.
        let fromSecond = try DeveloperRepository(workers[0]).find(portalID: portal.id, email: "w1-t4-n0@example.com")
        let fromFirst = try DeveloperRepository(workers[1]).find(portalID: portal.id, email: "w0-t0-n49@example.com")
        #expect(fromSecond?.email == "w1-t4-n0@example.com")
        #expect(fromFirst?.email == "w0-t0-n49@example.com")
    }
}
