import Foundation
@testable import Handlers
import Storage
import Testing

/// `ListQuery.criteria` against the v2 file's filter schemas: each field kind takes its own operators, dates
/// become the stored text form, and a list without `sort` refuses one.
@Suite struct ListQueryTests {
    static let listing = Listing(base: "", fields: [
        "name": .init(.string, column: "name"), "id": .init(.uuid, column: "id", sortable: false),
        "publish_status": .init(.keyword, column: "publish_status"), "deprecated": .init(.boolean, column: "deprecated"),
        "created_at": .init(.date, column: "created_at"),
    ])
    static let unsorted = Listing(base: "", fields: ["name": .init(.string, column: "name", sortable: false)])

    func criteria(_ query: String, _ listing: Listing = Self.listing) throws -> ListCriteria {
        let request = try Request(RawRequest(method: "GET", uri: "/list?" + query, headers: HTTPHeaders()))
        return try ListQuery.criteria(request, listing)
    }

    /// The `invalid_parameters` fields and rules of the 400 the query gets.
    func refusal(_ query: String, _ listing: Listing = Self.listing) -> [(String, String?)] {
        do {
            _ = try criteria(query, listing)
            return []
        } catch let error as ManagementAPIError {
            return error.invalidParameters.map { ($0.field, $0.rule) }
        } catch {
            return [("unexpected", "\(error)")]
        }
    }

    @Test func dateFiltersTakeTheComparisonOperatorsAndBecomeStoredText() throws {
        let lt = try criteria("filter%5Bcreated_at%5D%5Blt%5D=2022-03-30T07:20:50Z")
        #expect(lt.filters == [.init(field: "created_at", op: .lt, value: "2022-03-30 07:20:50.000")])
        let offset = try criteria("filter%5Bcreated_at%5D=2022-03-30T09:20:50.250%2B02:00")
        #expect(offset.filters == [.init(field: "created_at", op: .eq, value: "2022-03-30 07:20:50.250")])
        for op in ["lte", "gt", "gte", "eq"] {
            #expect(try criteria("filter%5Bcreated_at%5D%5B\(op)%5D=2022-03-30T07:20:50Z").filters.first?.op.rawValue == op)
        }
        #expect(refusal("filter%5Bcreated_at%5D%5Bcontains%5D=2022").map(\.0) == ["filter[created_at][contains]"])
        #expect(refusal("filter%5Bcreated_at%5D%5Blt%5D=yesterday").map(\.1) == ["is_date_time"])
    }

    @Test func eachKindTakesOnlyItsSchemasOperators() {
        #expect(refusal("filter%5Bname%5D%5Bocontains%5D=a,b").isEmpty)
        #expect(refusal("filter%5Bname%5D%5Blt%5D=a").map(\.1) == ["enum"])
        #expect(refusal("filter%5Bid%5D%5Bcontains%5D=a").map(\.1) == ["enum"])
        #expect(refusal("filter%5Bpublish_status%5D%5Bcontains%5D=pub").map(\.1) == ["enum"])
        #expect(refusal("filter%5Bpublish_status%5D%5Boeq%5D=published,unpublished").isEmpty)
        #expect(refusal("filter%5Bdeprecated%5D=true").isEmpty)
        #expect(refusal("filter%5Bdeprecated%5D%5Beq%5D=true").map(\.1) == ["invalid"])
        #expect(refusal("filter%5Bsecret%5D=x").map(\.1) == ["unknown_property"])
    }

    @Test func aListWithoutSortRefusesOneAndSortableFieldsAreChecked() throws {
        #expect(refusal("sort=name", Self.unsorted).map(\.1) == ["unknown_property"])
        #expect(refusal("sort=id").map(\.1) == ["enum"])
        #expect(try criteria("sort=-created_at,name").sort == [.init(field: "created_at", descending: true), .init(field: "name", descending: false)])
    }
}
