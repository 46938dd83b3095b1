import GRDB

/// One page of a list: at most `size` items after the item whose id is `after`.
/// Lists are ordered by creation (`created_at`, then `rowid`), so pages are stable while rows are added.
public struct PageRequest: Sendable, Equatable {
    public var size: Int
    /// The id of the last item of the previous page (the seed's `offset` cursor).
    public var after: String?

    public init(size: Int, after: String? = nil) {
        self.size = size
        self.after = after
    }
}

/// A page of items, the cursor of the next page (nil on the last page) and the total count.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?
    public var total: Int

    public init(items: [Item], nextCursor: String?, total: Int) {
        self.items = items
        self.nextCursor = nextCursor
        self.total = total
    }

    /// The same page with its items transformed.
    public func map<Other: Sendable>(_ transform: (Item) throws -> Other) rethrows -> Page<Other> {
        Page<Other>(items: try items.map(transform), nextCursor: nextCursor, total: total)
    }
}

extension PortalDatabase {
    /// Reads one page of `request` (already filtered to the owner's rows) in creation order.
    /// A cursor that names no row of `request` throws `StorageError` of kind `.invalidCursor`.
    func page<Record: FetchableRecord & TableRecord & Sendable>(
        _ request: QueryInterfaceRequest<Record>, _ page: PageRequest, id: @escaping (Record) -> String
    ) throws(StorageError) -> Page<Record> {
        try read { db in
            let total = try request.fetchCount(db)
            var query = request
            if let after = page.after {
                let anchor = try Row.fetchOne(
                    db, request.filter(Column("id") == after).select(sql: "created_at, rowid"))
                guard let anchor else { throw StorageError(kind: .invalidCursor, message: "offset does not name an item of this list") }
                let createdAt: DatabaseValue = anchor[0]
                let rowID: Int64 = anchor[1]
                query = query.filter(sql: "(created_at, rowid) > (?, ?)", arguments: [createdAt, rowID])
            }
            let rows = try query.order(sql: "created_at, rowid").limit(page.size + 1).fetchAll(db)
            let items = Array(rows.prefix(page.size))
            let next = rows.count > page.size ? items.last.map(id) : nil
            return Page(items: items, nextCursor: next, total: total)
        }
    }
}
