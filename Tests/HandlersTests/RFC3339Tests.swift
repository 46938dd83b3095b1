import Foundation
@testable import Handlers
import Testing

/// The hand-written RFC 3339 formatter writes exactly what `ISO8601DateFormatter` writes.
@Suite struct RFC3339Tests {
    @Test func matchesFoundationOnRandomDates() {
        let reference = ISO8601DateFormatter()
        reference.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for _ in 0..<20_000 {
            // Anything from year 1 to 9999 (before 1900 the formatter answers), and whole milliseconds with sub-millisecond noise (rounding edges).
            let seconds = Double.random(in: -62_135_596_800..<253_402_300_799, using: &generator)
            let quantised = (seconds * 1000).rounded() / 1000 + Double.random(in: -0.0006...0.0006, using: &generator)
            let half = (seconds * 1000).rounded() / 1000 + (Bool.random(using: &generator) ? 0.0005 : -0.0005)
            for value in [seconds, quantised, half] {
                let date = Date(timeIntervalSince1970: value)
                let expected = reference.string(from: date), got = RFC3339.format(date)
                if expected != got, mismatches.count < 5 { mismatches.append("\(value): \(expected) vs \(got)") }
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test func knownValues() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 1_559_632_895.970)) == "2019-06-04T07:21:35.970Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_399.9996)) == "2000-02-29T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: -0.001)) == "1969-12-31T23:59:59.999Z")
        // The case that once differed (a half millisecond before 1970).
        #expect(RFC3339.format(Date(timeIntervalSince1970: -1_587_502_310.7154999)) == "1919-09-12T03:08:09.285Z")
        #expect(RFC3339.parse(RFC3339.format(Date(timeIntervalSince1970: 1_796_216_420.5))) == Date(timeIntervalSince1970: 1_796_216_420.5))
    }
}
