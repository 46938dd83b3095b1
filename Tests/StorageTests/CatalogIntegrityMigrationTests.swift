import Foundation
import Storage
import Testing

/// The 2026-12-06 migrations on a database that already holds data: duplicate version names are renamed
/// (never refused), names stay unique afterwards whoever writes, approvals store the scopes they grant,
/// and a deleted registration takes the credentials its approval issued with it.
@Suite struct CatalogIntegrityMigrationTests {
    static let beforeUniqueNames = "2026-12-05-owner-indexes"
    static let portalID = "00000000-0000-4000-8000-000000000001"
    static let productID = "00000000-0000-4000-8000-0000000000a1"
    static let otherProductID = "00000000-0000-4000-8000-0000000000a2"

    /// A database migrated up to the schema before the unique index, with a portal and two products.
    static func databaseBeforeUniqueNames() throws -> TemporaryDatabase {
        let temporary = try TemporaryDatabase(migrate: false)
        try temporary.database.migrate(upTo: beforeUniqueNames)
        _ = try SQLiteShell.query(temporary.path, """
            INSERT INTO portals (id, name, default_domain, is_default, auto_approve_developers, created_at, updated_at)
            VALUES ('\(portalID)', 'Old', 'old.example', 1, 1, '2026-11-25 10:00:00.000', '2026-11-25 10:00:00.000');
            INSERT INTO products (id, portal_id, name, description, created_at, updated_at) VALUES
              ('\(productID)', '\(portalID)', 'Payments', '', '2026-11-25 10:00:00.000', '2026-11-25 10:00:00.000'),
              ('\(otherProductID)', '\(portalID)', 'Orders', '', '2026-11-25 10:00:00.000', '2026-11-25 10:00:00.000');
            """)
        return temporary
    }

    static func insertVersion(_ path: String, id: String, product: String, name: String, second: Int) throws {
        _ = try SQLiteShell.query(path, """
            INSERT INTO product_versions (id, product_id, portal_id, name, created_at, updated_at)
            VALUES ('\(id)', '\(product)', '\(portalID)', '\(name)', '2026-11-25 10:00:0\(second).000', '2026-11-25 10:00:0\(second).000');
            """)
    }

    @Test func existingDuplicateVersionNamesAreRenamedInCreationOrderAndTheMigrationSucceeds() throws {
        let temporary = try Self.databaseBeforeUniqueNames()
        try Self.insertVersion(temporary.path, id: "v-a", product: Self.productID, name: "v1", second: 1)
        try Self.insertVersion(temporary.path, id: "v-b", product: Self.productID, name: "v1", second: 2)
        try Self.insertVersion(temporary.path, id: "v-c", product: Self.productID, name: "v1 (2)", second: 3)
        try Self.insertVersion(temporary.path, id: "v-d", product: Self.productID, name: "v1", second: 4)
        try Self.insertVersion(temporary.path, id: "v-e", product: Self.otherProductID, name: "v1", second: 5)

        try temporary.database.migrate()

        let names = try SQLiteShell.query(temporary.path, "SELECT id || '=' || name FROM product_versions ORDER BY id")
        // The oldest keeps its name; "v1 (2)" was taken, so the next duplicates get (3) and (4).
        #expect(names == ["v-a=v1", "v-b=v1 (3)", "v-c=v1 (2)", "v-d=v1 (4)", "v-e=v1"])
    }

    @Test func theDatabaseRefusesASecondVersionOfTheSameNameWhoeverWrites() throws {
        let temporary = try TemporaryDatabase()
        let catalog = CatalogRepository(temporary.database)
        let portal = try PortalRepository(temporary.database).makePortal(name: "Unique", domain: "unique.example")
        let product = try catalog.findOrCreateProduct(portalID: portal.id, name: "Payments", now: Instant.t0)
        try catalog.createVersion(ProductVersion(productID: product.id, portalID: portal.id, name: "v1", createdAt: Instant.t0))
        // createVersion checks nothing itself: the unique index refuses the duplicate.
        let error = #expect(throws: StorageError.self) {
            try catalog.createVersion(ProductVersion(productID: product.id, portalID: portal.id, name: "v1", createdAt: Instant.t0.addingTimeInterval(60)))
        }
        #expect(error?.kind == .uniqueViolation)
        let audit = AuditEntry(portalID: portal.id, tokenID: "cli", action: "api_product_version.create", targetType: "api_product_version",
                               targetID: "x", clientAddress: "local", at: Instant.t0.addingTimeInterval(60))
        let viaSave = #expect(throws: StorageError.self) {
            _ = try catalog.saveVersion(ProductVersion(productID: product.id, portalID: portal.id, name: "v1", createdAt: Instant.t0.addingTimeInterval(60)), audit: audit)
        }
        #expect(viaSave?.kind == .uniqueViolation)
        #expect(try AuditLogRepository(temporary.database).entries(portalID: portal.id).isEmpty)
    }

    @Test func approvalStoresTheStrategysScopesAndLeavingApprovalClearsThem() throws {
        let temporary = try TemporaryDatabase()
        let path = temporary.path
        _ = try SQLiteShell.query(path, """
            INSERT INTO application_auth_strategies (id, name, display_name, strategy_type, configs, created_at, updated_at)
            VALUES ('oidc', 'oidc', 'OIDC', 'openid_connect',
                    '{"openid_connect":{"issuer":"https://idp.example","scopes":["profile","vault"]}}',
                    '2026-11-25 10:00:00.000', '2026-11-25 10:00:00.000');
            \(Self.registrationChain(strategyID: "oidc", status: "pending"))
            """)
        func scopes() throws -> [String] {
            try SQLiteShell.query(path, "SELECT coalesce(granted_scopes, 'NULL') FROM application_registrations WHERE id = 'reg'")
        }
        #expect(try scopes() == ["NULL"])
        _ = try SQLiteShell.query(path, "UPDATE application_registrations SET status = 'approved' WHERE id = 'reg'")
        #expect(try scopes() == [#"["profile","vault"]"#])
        // A later change to the strategy does not rewrite what was granted.
        _ = try SQLiteShell.query(path, """
            UPDATE application_auth_strategies SET configs = '{"openid_connect":{"issuer":"https://idp.example","scopes":["admin"]}}'
            """)
        #expect(try scopes() == [#"["profile","vault"]"#])
        _ = try SQLiteShell.query(path, "UPDATE application_registrations SET status = 'revoked' WHERE id = 'reg'")
        #expect(try scopes() == ["NULL"])

        let management = ManagementRepository(temporary.database)
        let registration = try #require(try management.registration(id: "reg", applicationID: "app", portalID: Self.portalID))
        #expect(registration.grantedScopes == [])
        _ = try SQLiteShell.query(path, "UPDATE application_registrations SET status = 'approved' WHERE id = 'reg'")
        #expect(try management.registration(id: "reg", applicationID: "app", portalID: Self.portalID)?.grantedScopes == ["admin"])
        #expect(try management.application(id: "app", portalID: Self.portalID)?.grantedScopes == ["admin"])
    }

    @Test func aDeletedApplicationTakesTheKeyItsApprovalIssuedWithIt() throws {
        let temporary = try TemporaryDatabase()
        let path = temporary.path
        _ = try SQLiteShell.query(path, """
            PRAGMA foreign_keys = ON;
            \(Self.registrationChain(status: "approved"))
            """)
        let columns = try SQLiteShell.query(path, "SELECT name FROM pragma_table_info('key_auth_credentials')")
        #expect(columns.contains("registration_id"))
        let portal = Self.portalID
        let values = columns.map { column -> String in
            switch column {
            case "id": "'key-1'"
            case "portal_id": "'\(portal)'"
            case "developer_id": "'dev'"
            case "registration_id": "'reg'"
            case "key": "'secret-key'"
            case "created_at", "updated_at": "'2026-11-25 10:00:00.000'"
            default: "NULL"
            }
        }
        let required = try SQLiteShell.query(path, "SELECT name FROM pragma_table_info('key_auth_credentials') WHERE \"notnull\" = 1 AND dflt_value IS NULL")
        let known: Set = ["id", "portal_id", "developer_id", "registration_id", "key", "created_at", "updated_at"]
        try #require(Set(required).isSubset(of: known), "key_auth_credentials needs \(required)")
        _ = try SQLiteShell.query(path, "INSERT INTO key_auth_credentials (\(columns.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))")
        #expect(try SQLiteShell.query(path, "SELECT count(*) FROM key_auth_credentials") == ["1"])

        let audit = AuditEntry(portalID: portal, tokenID: "t", action: "application.delete", targetType: "application", targetID: "app",
                               clientAddress: "127.0.0.1", at: Instant.t0.addingTimeInterval(60))
        #expect(try ManagementRepository(temporary.database).deleteApplication(id: "app", portalID: portal, audit: audit))
        #expect(try SQLiteShell.query(path, "SELECT count(*) FROM key_auth_credentials") == ["0"])
    }

    /// SQL for a portal, its product with version `v-1` (on the auth strategy `strategyID` when given), and
    /// developer `dev`'s application `app` with its registration `reg` to that version in `status`.
    static func registrationChain(strategyID: String? = nil, status: String) -> String {
        let at = "'2026-11-25 10:00:00.000', '2026-11-25 10:00:00.000'"
        return """
            INSERT INTO portals (id, name, default_domain, is_default, auto_approve_developers, created_at, updated_at)
            VALUES ('\(portalID)', 'Chain', 'chain.example', 0, 1, \(at));
            INSERT INTO products (id, portal_id, name, description, created_at, updated_at)
            VALUES ('\(productID)', '\(portalID)', 'Payments', '', \(at));
            INSERT INTO product_versions (id, product_id, portal_id, name, auth_strategy_id, created_at, updated_at)
            VALUES ('v-1', '\(productID)', '\(portalID)', 'v1', \(strategyID.map { "'\($0)'" } ?? "NULL"), \(at));
            INSERT INTO developers (id, portal_id, email, password_hash, meta, status, consumer_id, created_at, updated_at)
            VALUES ('dev', '\(portalID)', 'dev@example.com', 'x', '{}', 'approved', 'consumer-dev', \(at));
            INSERT INTO applications (id, portal_id, developer_id, name, consumer_id, created_at, updated_at)
            VALUES ('app', '\(portalID)', 'dev', 'App', 'consumer-app', \(at));
            INSERT INTO application_registrations (id, portal_id, application_id, product_version_id, status, created_at, updated_at)
            VALUES ('reg', '\(portalID)', 'app', 'v-1', '\(status)', \(at));
            """
    }
}
