import Foundation

/// RFC 3339 date-times, as the management and key-request APIs write them. The format styles are
/// values made once (a formatter per call showed up on list replies).
enum RFC3339 {
    private static let plain = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// `2030-01-01T00:00:00Z` or `2030-01-01T00:00:00.123+02:00`; nil otherwise.
    static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: plain)) ?? (try? Date(text, strategy: fractional))
    }

    /// `2019-06-04T07:21:35.970Z` (UTC, milliseconds), as Tyk's key requests show them.
    static func format(_ date: Date) -> String {
        fractional.format(date)
    }
}
