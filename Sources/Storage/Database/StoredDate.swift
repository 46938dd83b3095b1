import Foundation
import GRDB

/// The text form of dates in the database — `yyyy-MM-dd HH:mm:ss.SSS`, UTC, as GRDB writes them — written
/// and parsed without Foundation's formatters: GRDB's `Date` conversions go through a `DateFormatter` and a
/// `Calendar` with a locale, which load ICU (its data and code, ~4.7 MiB of each worker's memory, and a
/// locale lookup on first use). Storage hands GRDB these strings instead.
public enum StoredDate {
    /// Before this, Foundation's calendar counts Julian dates (the Gregorian reform of 1582): such dates,
    /// which the portal never writes, take Foundation's path both ways.
    static let gregorianSince1970: TimeInterval = -12_212_553_600  // 1583-01-01 00:00:00 UTC

    /// `date` as GRDB's formatter writes it, `yyyy-MM-dd HH:mm:ss.SSS`.
    static func text(_ date: Date) -> String {
        format(date, separator: UInt8(ascii: " "), suffix: nil) ?? String.fromDatabaseValue(date.databaseValue) ?? ""
    }

    /// `yyyy-MM-dd`, `separator`, `HH:mm:ss.SSS` and `suffix` in UTC, to the millisecond as Foundation's
    /// formatters round (`storedMilliseconds`): the database's form (" ", none) and RFC 3339's ("T", "Z").
    /// Nil before 1583 or after 9999, where a Foundation formatter must decide.
    public static func format(_ date: Date, separator: UInt8, suffix: UInt8?) -> String? {
        let milliseconds = date.storedMilliseconds
        guard milliseconds.isFinite, milliseconds >= gregorianSince1970 * 1000, milliseconds < 253_402_300_800_000 else { return nil }
        let (days, inDay) = daysAndMilliseconds(Int64(milliseconds))
        let (year, month, day) = civil(daysSince1970: days)
        var bytes = [UInt8](repeating: 0, count: suffix == nil ? 23 : 24)
        func put(_ value: Int64, _ width: Int, at offset: Int) {
            var rest = value
            for index in stride(from: offset + width - 1, through: offset, by: -1) {
                bytes[index] = UInt8(truncatingIfNeeded: 48 + rest % 10)
                rest /= 10
            }
        }
        put(year, 4, at: 0); bytes[4] = UInt8(ascii: "-"); put(month, 2, at: 5); bytes[7] = UInt8(ascii: "-"); put(day, 2, at: 8)
        bytes[10] = separator
        put(inDay / 3_600_000, 2, at: 11); bytes[13] = UInt8(ascii: ":"); put(inDay / 60_000 % 60, 2, at: 14)
        bytes[16] = UInt8(ascii: ":"); put(inDay / 1000 % 60, 2, at: 17); bytes[19] = UInt8(ascii: "."); put(inDay % 1000, 3, at: 20)
        if let suffix { bytes[23] = suffix }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whole days since 1970-01-01 and the milliseconds into the last one (rounded toward the past).
    public static func daysAndMilliseconds(_ milliseconds: Int64) -> (days: Int64, inDay: Int64) {
        let (days, rest) = milliseconds.quotientAndRemainder(dividingBy: 86_400_000)
        return rest < 0 ? (days - 1, rest + 86_400_000) : (days, rest)
    }

    /// A stored date read back: GRDB's `Date.fromDatabaseValue` without its calendar (text in the forms
    /// `parse` reads, or a number of seconds since 1970).
    static func date(from value: DatabaseValue) -> Date? {
        switch value.storage {
        case .string(let text):
            var text = text
            guard let date = text.withUTF8({ parse($0) }) else { return nil }
            return date.timeIntervalSince1970 >= gregorianSince1970 ? date : Date.fromDatabaseValue(value)
        case .int64(let seconds):
            return Date(timeIntervalSince1970: Double(seconds))
        case .double(let seconds):
            return Date(timeIntervalSince1970: seconds)
        case .null, .blob:
            return nil
        }
    }

    /// Year, month and day of a day counted from 1970-01-01, proleptic Gregorian (Howard Hinnant's
    /// `civil_from_days`).
    public static func civil(daysSince1970 days: Int64) -> (year: Int64, month: Int64, day: Int64) {
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

    /// `yyyy-MM-dd`, then optionally ` HH:mm`, `:ss` and `.fraction` (a `T` may stand for the space), UTC:
    /// the forms SQLite's date functions and GRDB write.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        // A cursor, not nested functions: closures capturing the index cost a heap box and an
        // exclusivity check per digit (measured: 1,650 instructions per date, now ~270).
        var cursor = Cursor(bytes: bytes)
        guard let year = cursor.number(4), cursor.skip(UInt8(ascii: "-")), let month = cursor.number(2), cursor.skip(UInt8(ascii: "-")),
              let day = cursor.number(2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var hour = 0, minute = 0, second = 0, nanoseconds = 0
        if !cursor.atEnd {
            guard cursor.skip(UInt8(ascii: " ")) || cursor.skip(UInt8(ascii: "T")), let h = cursor.number(2), cursor.skip(UInt8(ascii: ":")),
                  let m = cursor.number(2)
            else { return nil }
            hour = h
            minute = m
            if cursor.skip(UInt8(ascii: ":")) {
                guard let s = cursor.number(2) else { return nil }
                second = s
                if cursor.skip(UInt8(ascii: ".")) {
                    guard let fraction = cursor.fraction() else { return nil }
                    nanoseconds = fraction
                }
            }
            guard cursor.atEnd, hour < 24, minute < 60, second < 60 else { return nil }
        }
        let seconds = daysSince1970(year: year, month: month, day: day) * 86_400 + hour * 3_600 + minute * 60 + second
        // Summed from the reference date, as Foundation's calendar does for GRDB: the very same Double,
        // so a date read here equals the same column read through GRDB.
        return Date(timeIntervalSinceReferenceDate: Double(seconds - 978_307_200) + Double(nanoseconds) / 1e9)
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    private struct Cursor {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var atEnd: Bool { index >= bytes.count }

        mutating func number(_ digits: Int) -> Int? {
            guard index + digits <= bytes.count else { return nil }
            var value = 0
            for offset in index..<index + digits {
                let digit = Int(bytes[offset]) &- 48
                guard digit >= 0, digit <= 9 else { return nil }
                value = value &* 10 &+ digit
            }
            index += digits
            return value
        }

        mutating func skip(_ separator: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == separator else { return false }
            index += 1
            return true
        }

        /// Digits after a decimal point, as nanoseconds (digits past the ninth are read and dropped).
        mutating func fraction() -> Int? {
            let start = index
            var nanoseconds = 0, scale = 100_000_000
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                nanoseconds += Int(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            return index > start ? nanoseconds : nil
        }
    }
}

extension Date {
    /// Milliseconds since 1970, rounded the way CoreFoundation's date formatters round (and so GRDB's
    /// stored dates and `ISO8601DateFormatter`): from the reference date, half a millisecond up, then
    /// down. Computed any other way, a time at exactly half a millisecond could land one apart.
    public var storedMilliseconds: Double {
        ((timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
    }

    /// This date as a statement argument, in the stored text form (GRDB's own conversion loads ICU).
    var stored: String { StoredDate.text(self) }
}

extension Row {
    /// A date column read as `StoredDate` reads it (GRDB's own conversion loads ICU); `.distantPast`
    /// where the column holds no date, which the schema's NOT NULL columns never do.
    func storedDate(_ column: String) -> Date {
        optionalStoredDate(column) ?? .distantPast
    }

    func optionalStoredDate(_ column: String) -> Date? {
        StoredDate.date(from: self[column] as DatabaseValue)
    }
}

/// Records whose `Date` properties are written and read as `StoredDate` text by GRDB's `Codable` support,
/// instead of through its `DateFormatter` and calendar (which load ICU).
public protocol StoredDateRecord: EncodableRecord, FetchableRecord {}

extension StoredDateRecord {
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { StoredDate.text($0) }
    }

    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { StoredDate.date(from: $0) }
    }
}
