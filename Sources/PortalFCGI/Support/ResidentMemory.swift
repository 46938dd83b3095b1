import Foundation

/// Keeps a worker's resident set to the code it runs. The kernel maps file pages in 64 KiB runs around
/// each fault ("fault-around") and reads ahead; for a 120 MB static binary of which a worker executes a
/// small part, most of its RSS was code pages it never ran (20 MB of text resident at start).
/// `MADV_RANDOM` on the executable's code turns both off, and `MADV_DONTNEED` unmaps what start-up
/// brought in: read-only file pages stay in the page cache and come back on first use, so RSS then
/// counts the code actually used. Writable mappings are never touched (DONTNEED would drop their data).
enum ResidentMemory {
    /// Applies the above to every executable, read-only mapping of this process's own file; returns how
    /// many were advised (0 when /proc is unavailable: nothing changes).
    @discardableResult
    static func trimExecutableCode() -> Int {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return 0 }
        let executable = ProcessSpawner.currentExecutable()
        var advised = 0
        for line in maps.split(separator: "\n") {
            // `start-end perms offset dev inode path`
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r-xp", fields[5].trimmingCharacters(in: .whitespaces) == executable,
                  let dash = fields[0].firstIndex(of: "-"),
                  let start = UInt(fields[0][..<dash], radix: 16), let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16),
                  let address = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            if madvise(address, Int(end - start), MADV_RANDOM) == 0, madvise(address, Int(end - start), MADV_DONTNEED) == 0 {
                advised += 1
            }
        }
        return advised
    }
}
