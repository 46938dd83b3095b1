import Storage

/// Lists of the developer API (seed 000): `{ "data": [...], "next": <url or null>, "total": N }`,
/// paged with `?size=` (default 100, at most 1000) and `?offset=<id of the last item seen>`.
enum DeveloperAPIList {
    static let defaultSize = 100
    static let maximumSize = 1000

    /// The page the query asks for; a bad `size` is a 400 `{message}`.
    static func pageRequest(_ request: Request) throws -> PageRequest {
        var size = defaultSize
        if let text = request.query["size"] {
            guard let value = Int(text), (1...maximumSize).contains(value) else {
                throw DeveloperAPIError.message(status: 400, "size must be an integer between 1 and \(maximumSize)")
            }
            size = value
        }
        let offset = request.query["offset"].flatMap { $0.isEmpty ? nil : $0 }
        return PageRequest(size: size, after: offset)
    }

    /// Runs `fetch` for the requested page; an unknown `offset` is a 400 `{message}`.
    static func fetch<Item: Sendable>(_ request: Request, _ fetch: (PageRequest) throws -> Page<Item>) throws -> (Page<Item>, PageRequest) {
        let page = try pageRequest(request)
        do {
            return (try fetch(page), page)
        } catch let error as StorageError where error.kind == .invalidCursor {
            throw DeveloperAPIError.message(status: 400, "offset does not name an item of this list")
        }
    }

    /// `{data, next, total}`; `next` is the path of the next page (relative to `/api/v1`, as Kong
    /// writes it) or null.
    static func response<Item: Sendable>(_ page: Page<Item>, size: Int, path: String, _ render: (Item) -> JSON) -> Response {
        response(page, size: size, path: path) { item, out in render(item).write(to: &out) }
    }

    /// The same, each item written straight into the reply by `write`.
    static func response<Item: Sendable>(_ page: Page<Item>, size: Int, path: String, writing write: (Item, inout [UInt8]) -> Void) -> Response {
        var out: [UInt8] = []
        out.reserveCapacity(64 + page.items.count * 256)
        out.append(contentsOf: #"{"data":["#.utf8)
        for (index, item) in page.items.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            write(item, &out)
        }
        out.append(contentsOf: #"],"next":"#.utf8)
        nextLink(page, size: size, path: path).write(to: &out)
        out.append(contentsOf: #","total":"#.utf8)
        out.appendDecimal(page.total)
        out.append(UInt8(ascii: "}"))
        return .json(utf8: out)
    }

    static func nextLink<Item: Sendable>(_ page: Page<Item>, size: Int, path: String) -> JSON {
        guard let cursor = page.nextCursor else { return .null }
        let relative = path.hasPrefix(DeveloperAPI.prefix) ? String(path.dropFirst(DeveloperAPI.prefix.count)) : path
        let sizePart = size == defaultSize ? "" : "size=\(size)&"
        return .string("\(relative)?\(sizePart)offset=\(cursor)")
    }
}
