import GRDB

/// The schema, as an ordered list of migrations with string identifiers.
/// A migration that has shipped is never edited: change the schema with a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("2026-11-25-portals") { db in
            try db.execute(sql: """
                CREATE TABLE portals (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL,
                    default_domain TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    custom_domain TEXT UNIQUE COLLATE NOCASE,
                    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
                    auto_approve_developers INTEGER NOT NULL DEFAULT 1 CHECK (auto_approve_developers IN (0, 1)),
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                -- At most one portal serves hosts that match no domain.
                CREATE UNIQUE INDEX portals_one_default ON portals (is_default) WHERE is_default = 1;
                """)
        }

        migrator.registerMigration("2026-11-25-developers") { db in
            try db.execute(sql: """
                CREATE TABLE developers (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    email TEXT NOT NULL COLLATE NOCASE,
                    password_hash TEXT NOT NULL,
                    meta TEXT NOT NULL DEFAULT '{}',
                    status TEXT NOT NULL
                        CHECK (status IN ('approved', 'pending', 'rejected', 'revoked', 'invited', 'unverified')),
                    consumer_id TEXT NOT NULL UNIQUE,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (portal_id, email)
                );
                """)
        }

        migrator.registerMigration("2026-11-25-sessions") { db in
            try db.execute(sql: """
                CREATE TABLE sessions (
                    token_hash TEXT PRIMARY KEY NOT NULL,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    last_seen_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX sessions_by_developer ON sessions (developer_id);
                CREATE INDEX sessions_by_expiry ON sessions (expires_at);
                """)
        }

        return migrator
    }
}
