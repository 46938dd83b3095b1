import Foundation

/// RFC 3339 date-times, as the management and key-request APIs write them. `ISO8601DateFormatter`
/// rounds to the millisecond as the database's stored values do; `Date.ISO8601FormatStyle` truncates,
/// so a reply made from a value in memory could differ by a millisecond from one read back later.
/// A formatter is made per call: ICU-backed formatters are not safe to share between threads.
enum RFC3339 {
    /// `2030-01-01T00:00:00Z` or `2030-01-01T00:00:00.123+02:00`; nil otherwise.
    static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `2019-06-04T07:21:35.970Z` (UTC, milliseconds), as Tyk's key requests show them.
    static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
