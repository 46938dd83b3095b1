import Foundation
import GRDB

/// Portals: creation of the default one and resolution of the portal serving a host.
public struct PortalRepository: Sendable {
    let database: PortalDatabase

    public init(_ database: PortalDatabase) {
        self.database = database
    }

    /// The default portal, created with `name` and `domain` when there is none yet.
    @discardableResult
    public func ensureDefault(name: String, domain: String, now: Date = Date()) throws(StorageError) -> Portal {
        try database.write { db in
            if let existing = try Portal.filter(Column("is_default") == true).fetchOne(db) {
                return existing
            }
            let portal = Portal(name: name, defaultDomain: domain, isDefault: true, createdAt: now)
            try portal.insert(db)
            return portal
        }
    }

    /// Inserts a portal.
    public func create(_ portal: Portal) throws(StorageError) {
        try database.write { db in try portal.insert(db) }
    }

    /// Saves every column of an existing portal.
    public func update(_ portal: Portal) throws(StorageError) {
        try database.write { db in try portal.update(db) }
    }

    /// Every portal, oldest first.
    public func all() throws(StorageError) -> [Portal] {
        try database.read { db in try Portal.order(sql: "created_at, rowid").fetchAll(db) }
    }

    /// The default portal (the one the installation's own server names reach).
    public func defaultPortal() throws(StorageError) -> Portal? {
        try database.read { db in try Portal.filter(Column("is_default") == true).fetchOne(db) }
    }

    /// The portal with this id.
    public func find(id: String) throws(StorageError) -> Portal? {
        try database.read { db in try Portal.fetchOne(db, key: id) }
    }

    /// The portal serving `host` (port stripped): the portal with that custom domain, else the one with
    /// that default domain, else the default portal when `host` is one of the installation's own
    /// `serverNames`. Nil for any other host: a request naming a host we do not serve is refused, so
    /// nothing (links in mail above all) is ever built for a host an attacker chose.
    public func resolve(host: String?, serverNames: [String]) throws(StorageError) -> Portal? {
        let name = host.map(Self.hostName(of:)) ?? ""
        guard !name.isEmpty else { return nil }
        return try database.read { db in
            if let portal = try Portal.fetchOne(db, sql: """
                SELECT * FROM portals WHERE custom_domain = ? OR default_domain = ?
                ORDER BY custom_domain = ? DESC LIMIT 1
                """, arguments: [name, name, name]) {
                return portal
            }
            guard serverNames.contains(where: { $0.lowercased() == name }) else { return nil }
            return try Portal.filter(Column("is_default") == true).fetchOne(db)
        }
    }

    /// The portals' change counter: it moves whenever any portal is added, changed or deleted.
    /// One cached statement outside a transaction (the hot path runs it on every request).
    public func generation() throws(StorageError) -> Int64 {
        try database.direct.first(.changeCounter, "portals") { row in row.int64(0) } ?? 0
    }

    /// `example.com:8443` → `example.com`; `[::1]:8443` → `[::1]`.
    static func hostName(of host: String) -> String {
        if host.hasPrefix("["), let end = host.firstIndex(of: "]") {
            return String(host[...end]).lowercased()
        }
        return String(host.split(separator: ":", maxSplits: 1).first ?? "").lowercased()
    }
}
