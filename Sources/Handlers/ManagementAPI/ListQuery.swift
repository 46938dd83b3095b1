import Storage

/// `page[size]`, `page[number]`, `sort` and `filter[…]` of a management list (seed 001), checked
/// against the list's fields: an unknown attribute or operator is a 400 naming the parameter.
enum ListQuery {
    static let defaultPageSize = 10
    static let maximumPageSize = 100
    /// Keeps `(number - 1) * size` far from overflow; no list has a million pages.
    static let maximumPageNumber = 1_000_000
    /// Values of one `oeq`/`ocontains` filter: each becomes an SQL parameter.
    static let maximumFilterValues = 50

    static func criteria(_ request: Request, _ listing: Listing) throws -> ListCriteria {
        var criteria = ListCriteria(pageSize: defaultPageSize, pageNumber: 1)
        var problems: [ManagementAPIError.InvalidParameter] = []
        func problem(_ field: String, _ reason: String, rule: String? = nil, extra: (String, JSON)? = nil) {
            problems.append(.init(field: field, reason: reason, rule: rule, source: "query", extra: extra))
        }
        for (name, value) in request.query.pairs {
            switch name {
            case "page[size]":
                guard let size = Int(value) else { problem(name, "must be a number", rule: "is_number"); continue }
                if size < 1 { problem(name, "must be at least 1", rule: "min", extra: ("minimum", .int(1))) }
                else if size > maximumPageSize { problem(name, "must be at most \(maximumPageSize)", rule: "max", extra: ("maximum", .int(Int64(maximumPageSize)))) }
                else { criteria.pageSize = size }
            case "page[number]":
                guard let number = Int(value) else { problem(name, "must be a number", rule: "is_number"); continue }
                if number < 1 { problem(name, "must be at least 1", rule: "min", extra: ("minimum", .int(1))) }
                else if number > maximumPageNumber { problem(name, "must be at most \(maximumPageNumber)", rule: "max", extra: ("maximum", .int(Int64(maximumPageNumber)))) }
                else { criteria.pageNumber = number }
            case "sort":
                guard !listing.sortableFields.isEmpty else {
                    // The v2 file gives this list no `sort` parameter: its order is creation order.
                    problem(name, "is not a parameter of this list (it is in creation order)", rule: "unknown_property")
                    continue
                }
                for piece in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let descending = piece.hasPrefix("-")
                    let field = String(descending ? piece.dropFirst() : piece[...])
                    guard listing.fields[field]?.sortable == true else {
                        problem("sort", "unknown sort attribute \"\(field)\"", rule: "enum",
                                extra: ("choices", .array(listing.sortableFields.map { .string($0) })))
                        continue
                    }
                    criteria.sort.append(.init(field: field, descending: descending))
                }
            default:
                guard name.hasPrefix("filter[") else { continue }  // other parameters belong to the operation
                guard let filter = parseFilter(name, value, listing, problem) else { continue }
                criteria.filters.append(filter)
            }
        }
        guard problems.isEmpty else { throw ManagementAPIError.invalid(problems) }
        return criteria
    }

    /// `filter[field]=v` (equals) or `filter[field][op]=v`, for the field's kind.
    private static func parseFilter(
        _ name: String, _ value: String, _ listing: Listing,
        _ problem: (String, String, String?, (String, JSON)?) -> Void
    ) -> ListCriteria.Filter? {
        let inner = name.dropFirst("filter[".count)
        guard let close = inner.firstIndex(of: "]") else { problem(name, "is not a filter parameter", "invalid", nil); return nil }
        let field = String(inner[..<close])
        let rest = inner[inner.index(after: close)...]
        guard let kind = listing.fields[field].flatMap({ $0.filterable ? $0.kind : nil }) else {
            // The v2 file's examples answer an unknown filter attribute with `unknown_property`.
            problem(name, "unknown filter attribute \"\(field)\"; one of \(listing.filterableFields.joined(separator: ", "))", "unknown_property", nil)
            return nil
        }
        var op = ListCriteria.Operator.eq
        if kind == .boolean, !rest.isEmpty {
            problem(name, "takes a bare value: filter[\(field)]=true or false", "invalid", nil)
            return nil
        }
        if !rest.isEmpty {
            guard rest.hasPrefix("["), rest.hasSuffix("]"), let parsed = ListCriteria.Operator(rawValue: String(rest.dropFirst().dropLast())) else {
                problem(name, "unknown filter operator", "enum", ("choices", .array(operators(kind).map { .string($0.rawValue) })))
                return nil
            }
            op = parsed
        }
        guard operators(kind).contains(op) else {
            problem(name, "operator \(op.rawValue) does not apply to \(field)", "enum", ("choices", .array(operators(kind).map { .string($0.rawValue) })))
            return nil
        }
        if kind == .boolean, value != "true", value != "false" { problem(name, "must be true or false", "is_boolean", nil); return nil }
        if kind == .date {
            // Compared with the stored text form, which orders like the instants (StoredDate).
            guard let date = RFC3339.parse(value), let stored = StoredDate.format(date, separator: UInt8(ascii: " "), suffix: nil) else {
                problem(name, "must be an RFC 3339 date-time, e.g. 2022-03-30T07:20:50Z", "is_date_time", nil)
                return nil
            }
            return .init(field: field, op: op, value: stored)
        }
        if op == .oeq || op == .ocontains, value.split(separator: ",").count > maximumFilterValues {
            problem(name, "must not list more than \(maximumFilterValues) values", "max_items", ("maximum", .int(Int64(maximumFilterValues))))
            return nil
        }
        return .init(field: field, op: op, value: value)
    }

    /// The v2 file's filter schemas: StringFieldFilter (eq, contains, ocontains, oeq, neq),
    /// UuidFieldFilter and PublishStatusFilter (eq, oeq, neq), DateTimeFieldFilter (eq, lt, lte, gt, gte),
    /// BooleanFieldFilter (a bare value: `filter[deprecated]=true`).
    static func operators(_ kind: Listing.Field.Kind) -> [ListCriteria.Operator] {
        switch kind {
        case .string: [.eq, .contains, .ocontains, .oeq, .neq]
        case .keyword, .uuid: [.eq, .oeq, .neq]
        case .date: [.eq, .lt, .lte, .gt, .gte]
        case .boolean: [.eq]
        }
    }

    /// `{meta: {page: {number, size, total}}, data: [...]}`.
    static func page<Item>(_ slice: ListSlice<Item>, _ criteria: ListCriteria, _ render: (Item) -> JSON) -> Response {
        .json(.object([
            ("meta", .object([("page", .object([
                ("number", .int(Int64(criteria.pageNumber))), ("size", .int(Int64(criteria.pageSize))), ("total", .int(Int64(slice.total))),
            ]))])),
            ("data", .array(slice.items.map(render))),
        ]))
    }
}
