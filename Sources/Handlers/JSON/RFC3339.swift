import Foundation

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
        let milliseconds = date.storedMilliseconds
        // 1900 to 9999 (Gregorian throughout; Foundation's calendar is Julian before 1582): anything else is
        // left to the formatter.
        guard milliseconds.isFinite, milliseconds >= -2_208_988_800_000, milliseconds < 253_402_300_800_000 else {
            return formatter("portal.rfc3339.milliseconds", [.withInternetDateTime, .withFractionalSeconds]).string(from: date)
        }
        let total = Int64(milliseconds)
        let (days, dayMilliseconds) = total.quotientAndRemainder(dividingBy: 86_400_000)
        let (day, time) = dayMilliseconds < 0 ? (days - 1, dayMilliseconds + 86_400_000) : (days, dayMilliseconds)
        let (year, month, dayOfMonth) = civil(daysSince1970: day)
        var out: [UInt8] = []
        out.reserveCapacity(24)
        func digits(_ value: Int64, _ count: Int) {
            var divisor: Int64 = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(rest / divisor))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); out.append(UInt8(ascii: "-")); digits(month, 2); out.append(UInt8(ascii: "-")); digits(dayOfMonth, 2)
        out.append(UInt8(ascii: "T"))
        digits(time / 3_600_000, 2); out.append(UInt8(ascii: ":")); digits(time / 60_000 % 60, 2); out.append(UInt8(ascii: ":"))
        digits(time / 1000 % 60, 2); out.append(UInt8(ascii: ".")); digits(time % 1000, 3); out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// Year, month and day of a day counted from 1970-01-01 (Howard Hinnant's `civil_from_days`).
    static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
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
