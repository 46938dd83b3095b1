import Foundation
import GRDB

/// A list the management API pages, sorts and filters (seed 001: `page[size]`, `page[number]`,
/// `sort=name,-created_at`, `filter[field][op]=value`). Each list names the fields a client may use and
/// the SQL expression behind each, so no client text ever becomes SQL.
public struct Listing: Sendable {
    /// A field of a list.
    public struct Field: Sendable {
        /// What a field holds, which decides its filter operators: `string` (every string operator),
        /// `keyword` (a string matched exactly: an enum such as `publish_status`), `uuid`, `boolean`, `date`.
        public enum Kind: Sendable, Equatable {
            case string, keyword, uuid, boolean, date
        }

        public let kind: Kind
        /// The column of the listing's base query.
        let column: String
        public let sortable: Bool
        public let filterable: Bool

        public init(_ kind: Kind, column: String, sortable: Bool = true, filterable: Bool = true) {
            self.kind = kind
            self.column = column
            self.sortable = sortable
            self.filterable = filterable
        }
    }

    public let fields: [String: Field]
    /// `SELECT … FROM … WHERE <scope>`: one row per item, with a column per field plus `created_at` and `id`.
    let base: String
    /// A single-row read of the unfiltered list's length (a counter the database keeps), bound to the same
    /// scope; nil: the total is counted. Counting grows with the list: 100k developers took 12 ms a page.
    let unfilteredTotal: String?

    public init(base: String, fields: [String: Field], unfilteredTotal: String? = nil) {
        self.base = base
        self.fields = fields
        self.unfilteredTotal = unfilteredTotal
    }

    public var sortableFields: [String] { fields.filter(\.value.sortable).keys.sorted() }
    public var filterableFields: [String] { fields.filter(\.value.filterable).keys.sorted() }
}

/// How to cut one page out of a `Listing`. Field names are checked against the listing by the caller
/// (the API answers 400 naming the parameter); unknown ones are ignored here.
public struct ListCriteria: Sendable, Equatable {
    public enum Operator: String, Sendable, CaseIterable {
        /// Equal; `oeq` is equal to any of comma-separated values; `neq` not equal.
        case eq, oeq, neq
        /// Contains (case-insensitive); `ocontains`: contains any of comma-separated values.
        case contains, ocontains
        /// Before, at or before, after, at or after (dates: the value is in the stored text form, which
        /// orders like the instants it writes).
        case lt, lte, gt, gte
    }

    public struct Filter: Sendable, Equatable {
        public var field: String
        public var op: Operator
        public var value: String
        public init(field: String, op: Operator, value: String) {
            self.field = field
            self.op = op
            self.value = value
        }
    }

    public struct SortKey: Sendable, Equatable {
        public var field: String
        public var descending: Bool
        public init(field: String, descending: Bool) {
            self.field = field
            self.descending = descending
        }
    }

    public var filters: [Filter]
    public var sort: [SortKey]
    public var pageSize: Int
    /// From 1.
    public var pageNumber: Int

    public init(filters: [Filter] = [], sort: [SortKey] = [], pageSize: Int = 10, pageNumber: Int = 1) {
        self.filters = filters
        self.sort = sort
        self.pageSize = pageSize
        self.pageNumber = pageNumber
    }
}

/// One page of a list and the number of items in the whole (filtered) list.
public struct ListSlice<Item: Sendable>: Sendable {
    public var items: [Item]
    public var total: Int
}

extension PortalDatabase {
    /// Reads one page of `listing` (its base query bound to `scope`) under `criteria`: filters, then
    /// the requested order with creation order and id as tie-breakers so pages are stable.
    func list<Item: FetchableRecord & Sendable>(
        _ listing: Listing, scope: StatementArguments, _ criteria: ListCriteria, as: Item.Type
    ) throws(StorageError) -> ListSlice<Item> {
        var conditions: [String] = []
        var arguments = scope
        for filter in criteria.filters {
            guard let field = listing.fields[filter.field], field.filterable else { continue }
            let column = "t.\(field.column)"
            let values = filter.op == .oeq || filter.op == .ocontains
                ? filter.value.split(separator: ",").map { String($0) } : [filter.value]
            func bind(_ value: String) -> DatabaseValue {
                field.kind == .boolean ? (value == "true" ? 1 : 0).databaseValue : value.databaseValue
            }
            switch filter.op {
            case .eq, .oeq:
                conditions.append("\(column) IN (\(Array(repeating: "?", count: max(1, values.count)).joined(separator: ",")))")
                if values.isEmpty { arguments += [""] } else { for value in values { arguments += [bind(value)] } }
            case .neq:
                conditions.append("\(column) IS NOT ?")
                arguments += [bind(filter.value)]
            case .lt, .lte, .gt, .gte:
                let comparison = switch filter.op {
                case .lt: "<"
                case .lte: "<="
                case .gt: ">"
                default: ">="
                }
                conditions.append("\(column) \(comparison) ?")
                arguments += [bind(filter.value)]
            case .contains, .ocontains:
                conditions.append("(" + Array(repeating: "instr(lower(coalesce(\(column), '')), lower(?)) > 0", count: max(1, values.count))
                    .joined(separator: " OR ") + ")")
                if values.isEmpty { arguments += [""] } else { for value in values { arguments += [value] } }
            }
        }
        let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let order = criteria.sort.compactMap { key -> String? in
            guard let field = listing.fields[key.field], field.sortable else { return nil }
            let collate = field.kind == .string ? " COLLATE NOCASE" : ""
            return "t.\(field.column)\(collate) \(key.descending ? "DESC" : "ASC")"
        } + ["t.created_at ASC", "t.id ASC"]
        let countSQL = "SELECT count(*) FROM (\(listing.base)) AS t" + whereClause
        let pageSQL = "SELECT t.* FROM (\(listing.base)) AS t" + whereClause + " ORDER BY " + order.joined(separator: ", ") + " LIMIT ? OFFSET ?"
        let totalSQL = conditions.isEmpty ? listing.unfilteredTotal ?? countSQL : countSQL
        return try read { db in
            let total = try Int.fetchOne(db, sql: totalSQL, arguments: arguments) ?? 0
            var pageArguments = arguments
            pageArguments += [criteria.pageSize, (criteria.pageNumber - 1) * criteria.pageSize]
            let items = try Item.fetchAll(db, sql: pageSQL, arguments: pageArguments)
            return ListSlice(items: items, total: total)
        }
    }
}
