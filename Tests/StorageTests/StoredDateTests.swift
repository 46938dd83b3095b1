import Foundation
import GRDB
@testable import Storage
import Testing

/// Dates reach the database as `StoredDate` text instead of through GRDB's formatter (ICU): the very text
/// GRDB wrote, so rows written before and after compare and sort alike, and read back to the same `Date`.
@Suite struct StoredDateTests {
    /// SplitMix64: the same dates on every run.
    struct Numbers {
        var state: UInt64 = 0x0DA7_E5EE_D000_0001
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func textIsWhatGRDBsFormatterWrites() {
        var numbers = Numbers()
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.0005), Date(timeIntervalSince1970: 951_782_399.9999),
                     Date(timeIntervalSince1970: 1_796_216_420.9996), Date(timeIntervalSince1970: 4_102_444_800), Date(timeIntervalSinceReferenceDate: 0),
                     Date(timeIntervalSince1970: -62_135_596_800), Date(timeIntervalSince1970: 253_402_300_799.999)]
        for _ in 0..<5_000 {
            // Anywhere from year 1 to 9999, with sub-millisecond parts; then around now, where the portal writes.
            let seconds = Double(numbers.next() % 315_537_897_600) - 62_135_596_800 + Double(numbers.next() % 1_000_000) / 1_000_000
            dates.append(Date(timeIntervalSince1970: seconds))
            dates.append(Date(timeIntervalSince1970: 1_796_000_000 + Double(numbers.next() % 100_000_000) / 1000))
            // Exactly half a millisecond either side: where rounding one way or the other shows.
            dates.append(Date(timeIntervalSince1970: seconds.rounded(.down) + Double(numbers.next() % 1000) / 1000 + 0.0005))
            dates.append(Date(timeIntervalSince1970: seconds.rounded(.down) + Double(numbers.next() % 1000) / 1000 - 0.0005))
        }
        var differences: [String] = []
        for date in dates {
            let ours = StoredDate.text(date)
            let grdbs = String.fromDatabaseValue(date.databaseValue)
            if ours != grdbs { differences.append("\(date.timeIntervalSince1970): \(ours) vs \(grdbs ?? "nil")") }
            let read = StoredDate.date(from: ours.databaseValue)
            if read != Date.fromDatabaseValue(ours.databaseValue) { differences.append("reading \(ours)") }
        }
        #expect(differences.isEmpty, "\(differences.prefix(5))")
    }

    @Test func numbersAndNullsReadAsGRDBReadsThem() {
        for value: DatabaseValue in [1_796_216_420.databaseValue, 1_796_216_420.25.databaseValue, DatabaseValue.null, "not a date".databaseValue] {
            #expect(StoredDate.date(from: value) == Date.fromDatabaseValue(value), "\(value)")
        }
    }

    /// A record's dates go through the same text both ways (`StoredDateRecord`).
    @Test func recordsStoreTheSameText() throws {
        let developer = Developer(portalID: "p", email: "a@example.com", passwordHash: "h", meta: "{}", status: .approved,
                                  createdAt: Date(timeIntervalSince1970: 1_796_216_420.9996), updatedAt: Date(timeIntervalSince1970: 1_796_216_421.25))
        let columns = try developer.databaseDictionary
        #expect(columns["created_at"] == "2026-12-02 13:00:21.000".databaseValue)
        #expect(columns["updated_at"] == "2026-12-02 13:00:21.250".databaseValue)
        let stored = "2026-12-02 13:00:21.000".databaseValue
        guard case .custom(let decode) = Developer.databaseDateDecodingStrategy(for: "created_at") else {
            Issue.record("records read dates through GRDB's calendar"); return
        }
        #expect(decode(stored) == Date(timeIntervalSince1970: 1_796_216_421))
    }
}
