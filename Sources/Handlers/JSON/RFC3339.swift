import Foundation

/// RFC 3339 date-times, as the management and key-request APIs write them.
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
