import Foundation
import Storage

/// RFC 3339 date-times, as the management and key-request APIs write them. `ISO8601DateFormatter`
/// rounds to the millisecond as the database's stored values do; `Date.ISO8601FormatStyle` truncates,
/// so a reply made from a value in memory could differ by a millisecond from one read back later.
/// ICU-backed formatters are not safe to share between threads, and making one costs far more than
/// using it (a list of 100 items formats 200 dates): each thread keeps its own.
enum RFC3339 {
    /// `2030-01-01T00:00:00Z` or `2030-01-01T00:00:00.123+02:00`; nil otherwise.
    static func parse(_ text: String) -> Date? {
        if let date = formatter("portal.rfc3339.seconds", [.withInternetDateTime]).date(from: text) { return date }
        return formatter("portal.rfc3339.milliseconds", [.withInternetDateTime, .withFractionalSeconds]).date(from: text)
    }

    /// `2019-06-04T07:21:35.970Z` (UTC, milliseconds), as Tyk's key requests show them. Written digit by
    /// digit: ICU's formatter cost ~16k instructions a date, a third of a 100-item management list. The time
    /// is rounded to the millisecond first, exactly as `ISO8601DateFormatter` and the database do (a test
    /// compares the two on random dates and on half milliseconds).
    static func format(_ date: Date) -> String {
        StoredDate.format(date, separator: UInt8(ascii: "T"), suffix: UInt8(ascii: "Z"))
            ?? formatter("portal.rfc3339.milliseconds", [.withInternetDateTime, .withFractionalSeconds]).string(from: date)
    }

    /// This thread's formatter with `options`, made on first use.
    private static func formatter(_ key: String, _ options: ISO8601DateFormatter.Options) -> ISO8601DateFormatter {
        let cache = Thread.current.threadDictionary
        if let cached = cache[key] as? ISO8601DateFormatter { return cached }
        let made = ISO8601DateFormatter()
        made.formatOptions = options
        cache[key] = made
        return made
    }
}
