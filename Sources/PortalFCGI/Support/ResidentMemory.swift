import Foundation

/// Keeps a worker's resident set to the code it runs. The kernel maps file pages in 64 KiB runs around
/// each fault ("fault-around") and reads ahead; for a 120 MB static binary of which a worker executes a
/// small part, most of its RSS was code pages it never ran (20 MB of text resident at start).
/// `MADV_RANDOM` on the executable's code turns both off, and `MADV_DONTNEED` unmaps what start-up
/// brought in: read-only file pages stay in the page cache and come back on first use, so RSS then
/// counts the code actually used. Writable mappings are never touched (DONTNEED would drop their data).
enum ResidentMemory {
    /// Applies the above to every executable, read-only mapping of this process's own file (nothing when
    /// /proc is unavailable).
    static func trimExecutableCode() {
        guard let maps = try? String(contentsOfFile: "/proc/self/maps", encoding: .utf8) else { return }
        let executable = ProcessSpawner.currentExecutable()
        for line in maps.split(separator: "\n") {
            // `start-end perms offset dev inode path`
            let fields = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
            guard fields.count == 6, fields[1] == "r-xp", fields[5].trimmingCharacters(in: .whitespaces) == executable,
                  let dash = fields[0].firstIndex(of: "-"),
                  let start = UInt(fields[0][..<dash], radix: 16), let end = UInt(fields[0][fields[0].index(after: dash)...], radix: 16),
                  let address = UnsafeMutableRawPointer(bitPattern: start)
            else { continue }
            if madvise(address, Int(end - start), MADV_RANDOM) == 0 { _ = madvise(address, Int(end - start), MADV_DONTNEED) }
        }
    }

    /// Allocations of 1 MiB and more always get their own mapping, returned to the system when freed.
    /// glibc otherwise raises that threshold after the first such block is freed, and each argon2id hash
    /// (19 MiB with the default parameters) then came from a heap arena that is never trimmed: 48 logins
    /// left every worker at ~108 MiB instead of ~29.
    static func returnLargeAllocations() {
        // `mallopt` is declared in <malloc.h>, which Swift's Glibc module does not import: found by name.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }  // RTLD_DEFAULT
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD (glibc ABI)
        _ = unsafeBitCast(symbol, to: Mallopt.self)(mmapThreshold, 1 << 20)
    }
}
