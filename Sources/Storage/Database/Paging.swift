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

/// A developer's own rows of one table in one portal, paged on the request path with direct reads
/// (`DirectReads`): the statements are prepared once per connection instead of generated and parsed for
/// every page, and the rows are read by column position.
struct OwnedList<Item: Sendable>: Sendable {
    let count: DirectReads.Query
    let anchor: DirectReads.Query
    let firstPage: DirectReads.Query
    let laterPage: DirectReads.Query
    /// Builds an item from a row of `columns` and its owner (whose ids are not read back from every row).
    let decode: @Sendable (DirectRow, Owner) throws(StorageError) -> Item
    let id: @Sendable (Item) -> String

    struct Owner {
        let developerID: String
        let portalID: String
    }

    /// `columns` in the order `decode` reads them.
    init(table: String, columns: String, decode: @escaping @Sendable (DirectRow, Owner) throws(StorageError) -> Item,
         id: @escaping @Sendable (Item) -> String) {
        let owned = "FROM \(table) WHERE developer_id = ? AND portal_id = ?"
        count = .init(sql: "SELECT count(*) \(owned)")
        anchor = .init(sql: "SELECT created_at, rowid \(owned) AND id = ?")
        firstPage = .init(sql: "SELECT \(columns) \(owned) ORDER BY created_at, rowid LIMIT ?")
        laterPage = .init(sql: "SELECT \(columns) \(owned) AND (created_at, rowid) > (?, ?) ORDER BY created_at, rowid LIMIT ?")
        self.decode = decode
        self.id = id
    }
}

extension PortalDatabase {
    /// One page of `list` for the developer, in creation order, with the total: the same contract as
    /// `page(_:_:id:)`, from one read transaction on a direct connection.
    func page<Item>(_ list: OwnedList<Item>, developerID: String, portalID: String, _ page: PageRequest) throws(StorageError) -> Page<Item> {
        try direct.transaction { connection throws(StorageError) in
            let owner: [DirectReads.Value] = [.text(developerID), .text(portalID)]
            let ids = OwnedList<Item>.Owner(developerID: developerID, portalID: portalID)
            let decode = { (row: DirectRow) throws(StorageError) -> Item in try list.decode(row, ids) }
            let total = try connection.first(list.count, owner) { row in row.int64(0) } ?? 0
            let limit = DirectReads.Value.integer(Int64(page.size) + 1)
            let rows: [Item]
            if let after = page.after {
                guard let anchor = try connection.first(list.anchor, owner + [.text(after)], decode: { row in (row.text(0), row.int64(1)) }) else {
                    throw StorageError(kind: .invalidCursor, message: "offset does not name an item of this list")
                }
                rows = try connection.all(list.laterPage, owner + [.text(anchor.0), .integer(anchor.1), limit], decode: decode)
            } else {
                rows = try connection.all(list.firstPage, owner + [limit], decode: decode)
            }
            let items = Array(rows.prefix(page.size))
            let next = rows.count > page.size ? items.last.map(list.id) : nil
            return Page(items: items, nextCursor: next, total: Int(total))
        }
    }

    /// How many items `list` holds for the developer (one count over its index range).
    func count<Item>(_ list: OwnedList<Item>, developerID: String, portalID: String) throws(StorageError) -> Int {
        Int(try direct.first(list.count, developerID, portalID) { row in row.int64(0) } ?? 0)
    }
}
