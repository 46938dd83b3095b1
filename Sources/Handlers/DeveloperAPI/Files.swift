import Foundation
import Storage

/// `GET /files` (seed 000, tag files): the portal's files with their SHA-256 `checksum`, paged with
/// `?size=` and the `?offset=<id>` cursor: `{"data": [...], "next": "/files?offset=<id>", "offset": "<id>"}`
/// (`next` and `offset` are null on the last page).
enum Files {
    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let (page, pageRequest) = try DeveloperAPIList.fetch(request) { page in
            try context.services.files.list(portalID: context.portal.id, page: page)
        }
        let next = DeveloperAPIList.nextLink(page, size: pageRequest.size, path: request.path)
        return .json(.object([
            ("data", .array(page.items.map { file in
                .object([
                    ("checksum", .string(file.checksum)), ("id", .string(file.id)), ("path", .string(file.path)),
                    ("created_at", .epochSeconds(file.createdAt)), ("contents", .string(file.contents)),
                ])
            })),
            ("next", next),
            ("offset", page.nextCursor.map(JSON.string) ?? .null),
        ]))
    }
}
