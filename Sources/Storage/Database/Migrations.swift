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

        migrator.registerMigration("2026-11-25-developer-api") { db in
            try db.execute(sql: """
                -- Sign-up settings of a portal (seed 000 /developer/meta_fields, /verify-account).
                ALTER TABLE portals ADD COLUMN email_verification INTEGER NOT NULL DEFAULT 0
                    CHECK (email_verification IN (0, 1));
                ALTER TABLE portals ADD COLUMN developer_meta_fields TEXT NOT NULL
                    DEFAULT '[{"title":"full_name","label":"Full Name","is_email":false,"validator":{"type":"string","required":true}}]';

                -- Single-use ids of emailed JWTs (account verification, password reset).
                CREATE TABLE one_time_tokens (
                    id TEXT PRIMARY KEY NOT NULL,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    purpose TEXT NOT NULL CHECK (purpose IN ('verify_account', 'reset_password')),
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    consumed_at DATETIME
                );
                CREATE INDEX one_time_tokens_by_developer ON one_time_tokens (developer_id, purpose);

                -- Mail written in the same transaction as the change it reports; delivered by the sender.
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    recipient TEXT NOT NULL,
                    subject TEXT NOT NULL,
                    body TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at DATETIME NOT NULL,
                    claimed_until DATETIME,
                    sent_at DATETIME,
                    last_error TEXT
                );
                CREATE INDEX outbox_due ON outbox (sent_at, next_attempt_at);

                -- Developer-level gateway credentials (seed 000 /credentials/key-auth, /credentials/jwt).
                CREATE TABLE key_auth_credentials (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    UNIQUE (portal_id, key)
                );
                CREATE INDEX key_auth_by_developer ON key_auth_credentials (developer_id);
                CREATE TABLE jwt_credentials (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    key TEXT NOT NULL,
                    secret TEXT NOT NULL,
                    algorithm TEXT NOT NULL
                        CHECK (algorithm IN ('HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256')),
                    rsa_public_key TEXT,
                    created_at DATETIME NOT NULL,
                    UNIQUE (portal_id, key)
                );
                CREATE INDEX jwt_by_developer ON jwt_credentials (developer_id);

                -- The catalog: products and their versions (management API, seed 001). A published
                -- version with registration enabled is an "application service" of seed 000.
                CREATE TABLE products (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX products_by_portal ON products (portal_id);
                CREATE TABLE product_versions (
                    id TEXT PRIMARY KEY NOT NULL,
                    product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    publish_status TEXT NOT NULL DEFAULT 'published' CHECK (publish_status IN ('published', 'unpublished')),
                    application_registration_enabled INTEGER NOT NULL DEFAULT 0,
                    auto_approve_registration INTEGER NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX product_versions_by_portal ON product_versions (portal_id);

                -- Developers' applications and their registrations to product versions.
                CREATE TABLE applications (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    redirect_uri TEXT NOT NULL DEFAULT '',
                    consumer_id TEXT NOT NULL UNIQUE,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                CREATE INDEX applications_by_developer ON applications (developer_id);
                CREATE TABLE application_registrations (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
                    product_version_id TEXT NOT NULL REFERENCES product_versions (id) ON DELETE CASCADE,
                    status TEXT NOT NULL CHECK (status IN ('approved', 'pending', 'rejected', 'revoked')),
                    suspended INTEGER NOT NULL DEFAULT 0,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (application_id, product_version_id)
                );
                CREATE INDEX registrations_by_version ON application_registrations (product_version_id);
                -- OAuth2 client credentials of an application (seed 000 /applications/{id}/credentials).
                CREATE TABLE application_credentials (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    application_id TEXT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    client_id TEXT NOT NULL UNIQUE,
                    -- The secret itself, or its SHA-256 when hash_secret is set (then shown once, at creation).
                    client_secret TEXT NOT NULL,
                    hash_secret INTEGER NOT NULL DEFAULT 0,
                    client_type TEXT NOT NULL DEFAULT 'confidential',
                    redirect_uris TEXT NOT NULL DEFAULT '[]',
                    created_at DATETIME NOT NULL
                );
                CREATE INDEX application_credentials_by_app ON application_credentials (application_id);

                -- Files of a portal (seed 000 /files): theme assets, partials, pages.
                CREATE TABLE portal_files (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    contents TEXT NOT NULL,
                    checksum TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (portal_id, path)
                );
                """)
        }

        migrator.registerMigration("2026-11-25-installation-secrets") { db in
            try db.execute(sql: """
                -- Secrets of this installation (e.g. the key that signs emailed JWTs), made on first use.
                CREATE TABLE installation_secrets (
                    name TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL,
                    created_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                """)
        }

        migrator.registerMigration("2026-12-02-hardening") { db in
            try db.execute(sql: """
                -- Failed logins per account (by the address tried, known or not), shared by every worker:
                -- after a few free failures each one doubles a lockout, up to a cap (OWASP ASVS 2.2.1).
                CREATE TABLE login_failures (
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    email TEXT NOT NULL COLLATE NOCASE,
                    failures INTEGER NOT NULL,
                    last_failure_at DATETIME NOT NULL,
                    locked_until DATETIME,
                    PRIMARY KEY (portal_id, email)
                ) WITHOUT ROWID;

                -- Account mail per recipient address and hour, so nobody can flood an inbox or keep
                -- voiding someone's reset link. Counted whether or not the address has an account.
                CREATE TABLE mail_quota (
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    recipient TEXT NOT NULL COLLATE NOCASE,
                    window_started_at DATETIME NOT NULL,
                    sent INTEGER NOT NULL,
                    PRIMARY KEY (portal_id, recipient)
                ) WITHOUT ROWID;

                -- An email change waiting for the new address to be confirmed (portals that verify emails).
                CREATE TABLE email_changes (
                    id TEXT PRIMARY KEY NOT NULL,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    new_email TEXT NOT NULL COLLATE NOCASE,
                    created_at DATETIME NOT NULL,
                    expires_at DATETIME NOT NULL,
                    consumed_at DATETIME
                );
                CREATE INDEX email_changes_by_developer ON email_changes (developer_id);
                CREATE INDEX one_time_tokens_by_expiry ON one_time_tokens (expires_at);
                CREATE INDEX outbox_by_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
                """)
        }

        migrator.registerMigration("2026-12-02-project-tokens") { db in
            try db.execute(sql: """
                -- Admin credentials (seed 003 project tokens; also authorize seeds 001 and 002). A project is
                -- a portal; a root token has no portal and manages all of them. Only the SHA-256 of the
                -- secret is kept.
                CREATE TABLE project_tokens (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT REFERENCES portals (id) ON DELETE CASCADE,
                    role TEXT NOT NULL CHECK (role IN ('root', 'admin', 'editor', 'viewer')),
                    name TEXT NOT NULL,
                    secret_hash TEXT NOT NULL UNIQUE,
                    type TEXT NOT NULL CHECK (type IN ('restricted', 'unrestricted')),
                    brokers TEXT NOT NULL DEFAULT '[]',
                    issuer TEXT NOT NULL,
                    issue_date DATETIME NOT NULL,
                    valid_date DATETIME,
                    last_used_date DATETIME,
                    CHECK ((role = 'root') = (portal_id IS NULL)),
                    CHECK (NOT (type = 'restricted' AND role IN ('admin', 'root')))
                );
                CREATE INDEX project_tokens_by_portal ON project_tokens (portal_id);

                -- How developers authenticate to a product version's API once a registration is approved
                -- (seed 002: the credential an approval issues).
                ALTER TABLE product_versions ADD COLUMN auth_strategy TEXT NOT NULL DEFAULT 'key-auth'
                    CHECK (auth_strategy IN ('key-auth', 'basic-auth', 'oauth2'));
                -- The key request's form fields (seed 002 `fields`).
                ALTER TABLE application_registrations ADD COLUMN request_fields TEXT NOT NULL DEFAULT '{}';
                -- Basic-auth credentials issued by approving a registration (the password's SHA-256 only).
                CREATE TABLE basic_auth_credentials (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    registration_id TEXT REFERENCES application_registrations (id) ON DELETE SET NULL,
                    username TEXT NOT NULL,
                    password_hash TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    UNIQUE (portal_id, username)
                );
                CREATE INDEX basic_auth_by_developer ON basic_auth_credentials (developer_id);
                -- Which registration's approval issued a key (key requests show it).
                ALTER TABLE key_auth_credentials ADD COLUMN registration_id TEXT
                    REFERENCES application_registrations (id) ON DELETE SET NULL;
                """)
        }

        migrator.registerMigration("2026-12-02-management-api") { db in
            try db.execute(sql: """
                -- Portal settings of the management API (seed 001 Portal).
                ALTER TABLE portals ADD COLUMN display_name TEXT NOT NULL DEFAULT '';
                ALTER TABLE portals ADD COLUMN description TEXT;
                ALTER TABLE portals ADD COLUMN is_public INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1));
                ALTER TABLE portals ADD COLUMN rbac_enabled INTEGER NOT NULL DEFAULT 0 CHECK (rbac_enabled IN (0, 1));
                ALTER TABLE portals ADD COLUMN auto_approve_applications INTEGER NOT NULL DEFAULT 0
                    CHECK (auto_approve_applications IN (0, 1));
                ALTER TABLE portals ADD COLUMN custom_client_domain TEXT COLLATE NOCASE;
                ALTER TABLE portals ADD COLUMN default_application_auth_strategy_id TEXT;
                ALTER TABLE portals ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';
                ALTER TABLE portals ADD COLUMN published_at DATETIME;
                UPDATE portals SET display_name = name WHERE display_name = '';
                CREATE INDEX developers_by_portal_created ON developers (portal_id, created_at);
                CREATE INDEX applications_by_portal ON applications (portal_id, created_at);
                CREATE INDEX registrations_by_portal ON application_registrations (portal_id, created_at);
                CREATE INDEX registrations_by_application ON application_registrations (application_id);

                -- Every management write, in the transaction of the write (seed 001 audit logs; part 2 ships
                -- them to a webhook). Never a secret: ids, action and outcome only.
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    portal_id TEXT,
                    token_id TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target_type TEXT NOT NULL,
                    target_id TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    client_address TEXT,
                    created_at DATETIME NOT NULL,
                    delivered_at DATETIME
                );
                CREATE INDEX audit_log_by_portal ON audit_log (portal_id, id);
                """)
        }

        migrator.registerMigration("2026-12-02-teams") { db in
            try db.execute(sql: """
                -- Developer teams of a portal and the roles they hold on products (seed 001 teams, portal roles).
                CREATE TABLE teams (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (portal_id, name)
                );
                CREATE TABLE team_members (
                    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
                    developer_id TEXT NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    created_at DATETIME NOT NULL,
                    PRIMARY KEY (team_id, developer_id)
                ) WITHOUT ROWID;
                CREATE INDEX team_members_by_developer ON team_members (developer_id);
                -- A role on an entity (a product: "Services"), e.g. "API Consumer" of product X.
                CREATE TABLE team_roles (
                    id TEXT PRIMARY KEY NOT NULL,
                    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
                    role_name TEXT NOT NULL,
                    entity_id TEXT NOT NULL,
                    entity_type_name TEXT NOT NULL,
                    entity_region TEXT NOT NULL,
                    created_at DATETIME NOT NULL,
                    UNIQUE (team_id, role_name, entity_id)
                );
                CREATE INDEX team_roles_by_entity ON team_roles (entity_id);
                """)
        }

        migrator.registerMigration("2026-12-02-catalog-management") { db in
            try db.execute(sql: """
                -- How applications authenticate to a product version (Konnect application auth strategies),
                -- shared by every portal of the installation; one key-auth strategy comes built in.
                CREATE TABLE application_auth_strategies (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    display_name TEXT NOT NULL,
                    strategy_type TEXT NOT NULL CHECK (strategy_type IN ('key_auth', 'openid_connect', 'basic_auth')),
                    configs TEXT NOT NULL DEFAULT '{}',
                    labels TEXT NOT NULL DEFAULT '{}',
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                INSERT INTO application_auth_strategies (id, name, display_name, strategy_type, configs, created_at, updated_at)
                VALUES (lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-8'
                              || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6))),
                        'key-auth', 'API key', 'key_auth', '{"key_auth":{"key_names":["apikey"]}}',
                        strftime('%Y-%m-%d %H:%M:%f', 'now'), strftime('%Y-%m-%d %H:%M:%f', 'now'));

                ALTER TABLE product_versions ADD COLUMN deprecated INTEGER NOT NULL DEFAULT 0 CHECK (deprecated IN (0, 1));
                ALTER TABLE product_versions ADD COLUMN auth_strategy_id TEXT
                    REFERENCES application_auth_strategies (id) ON DELETE SET NULL;
                -- Listed in its portal (a portal product version of seed 001); API-product versions made
                -- through the management API start unlisted until attached.
                ALTER TABLE product_versions ADD COLUMN in_portal INTEGER NOT NULL DEFAULT 1 CHECK (in_portal IN (0, 1));
                -- The version's API description (OpenAPI, YAML or JSON), as uploaded.
                ALTER TABLE product_versions ADD COLUMN specification TEXT;
                ALTER TABLE products ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';

                -- Free-form portal configuration (seed 001 /configuration), beside the settings it also drives.
                ALTER TABLE portals ADD COLUMN configuration TEXT NOT NULL DEFAULT '{}';
                """)
        }

        migrator.registerMigration("2026-12-02-portal-generation") { db in
            try db.execute(sql: """
                -- Bumped by every change to portals, so workers can cache the host → portal map and
                -- check it with one tiny read per request instead of a query.
                CREATE TABLE change_counters (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
                INSERT INTO change_counters (name, value) VALUES ('portals', 1);
                CREATE TRIGGER portals_changed_insert AFTER INSERT ON portals
                BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'portals'; END;
                CREATE TRIGGER portals_changed_update AFTER UPDATE ON portals
                BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'portals'; END;
                CREATE TRIGGER portals_changed_delete AFTER DELETE ON portals
                BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'portals'; END;
                """)
        }

        migrator.registerMigration("2026-12-03-management-part-2") { db in
            try db.execute(sql: """
                -- Password login on or off (seed 001 auth settings): on the portals row, which every
                -- worker caches, so the login handler reads it for free.
                ALTER TABLE portals ADD COLUMN basic_auth_enabled INTEGER NOT NULL DEFAULT 1
                    CHECK (basic_auth_enabled IN (0, 1));
                -- The other authentication settings; the OIDC client secret sealed (AES-GCM, SettingsSeal).
                CREATE TABLE portal_auth_settings (
                    portal_id TEXT PRIMARY KEY NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    oidc_auth_enabled INTEGER NOT NULL DEFAULT 0,
                    saml_auth_enabled INTEGER NOT NULL DEFAULT 0,
                    oidc_team_mapping_enabled INTEGER NOT NULL DEFAULT 0,
                    idp_mapping_enabled INTEGER NOT NULL DEFAULT 0,
                    konnect_mapping_enabled INTEGER NOT NULL DEFAULT 1,
                    oidc_issuer TEXT,
                    oidc_client_id TEXT,
                    oidc_client_secret_sealed TEXT,
                    oidc_scopes TEXT NOT NULL DEFAULT '["email","openid","profile"]',
                    oidc_claim_mappings TEXT NOT NULL DEFAULT '{"name":"name","email":"email","groups":"groups"}',
                    updated_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                -- IdP groups whose members join a team.
                CREATE TABLE team_group_mappings (
                    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
                    group_name TEXT NOT NULL,
                    PRIMARY KEY (team_id, group_name)
                ) WITHOUT ROWID;
                CREATE TABLE identity_providers (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    type TEXT NOT NULL CHECK (type IN ('oidc', 'saml')),
                    enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
                    login_path TEXT NOT NULL,
                    config TEXT NOT NULL,
                    client_secret_sealed TEXT,
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (portal_id, login_path)
                );
                -- Only one identity provider of a portal is enabled at a time.
                CREATE UNIQUE INDEX identity_providers_one_enabled ON identity_providers (portal_id) WHERE enabled = 1;

                CREATE TABLE portal_appearance (
                    portal_id TEXT PRIMARY KEY NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    theme_name TEXT NOT NULL DEFAULT 'mint_rocket' CHECK (theme_name IN ('mint_rocket', 'dark_mode', 'custom')),
                    use_custom_fonts INTEGER NOT NULL DEFAULT 0,
                    custom_theme TEXT,
                    custom_fonts TEXT,
                    text TEXT,
                    updated_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                -- Logo, favicon and catalog cover, as checked image bytes.
                CREATE TABLE portal_images (
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    kind TEXT NOT NULL CHECK (kind IN ('logo', 'favicon', 'catalog_cover')),
                    content_type TEXT NOT NULL,
                    filename TEXT,
                    bytes BLOB NOT NULL,
                    sha256 TEXT NOT NULL,
                    updated_at DATETIME NOT NULL,
                    PRIMARY KEY (portal_id, kind)
                ) WITHOUT ROWID;
                CREATE TABLE portal_customizations (
                    portal_id TEXT PRIMARY KEY NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    body TEXT NOT NULL,
                    updated_at DATETIME NOT NULL
                ) WITHOUT ROWID;

                -- Custom pages (seed 001 text), markdown served as HTML at their path.
                CREATE TABLE portal_pages (
                    id TEXT PRIMARY KEY NOT NULL,
                    portal_id TEXT NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    path TEXT NOT NULL,
                    title TEXT NOT NULL,
                    content TEXT NOT NULL,
                    description TEXT,
                    public INTEGER NOT NULL DEFAULT 0 CHECK (public IN (0, 1)),
                    published INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL,
                    UNIQUE (portal_id, path)
                );
                CREATE INDEX portal_pages_by_portal ON portal_pages (portal_id, created_at);

                -- Where audit logs go (an installation-wide extension, managed by root tokens); the
                -- Authorization value sealed.
                CREATE TABLE audit_log_destinations (
                    id TEXT PRIMARY KEY NOT NULL,
                    name TEXT NOT NULL UNIQUE,
                    endpoint TEXT NOT NULL,
                    authorization_sealed TEXT,
                    log_format TEXT NOT NULL DEFAULT 'json' CHECK (log_format IN ('json')),
                    created_at DATETIME NOT NULL,
                    updated_at DATETIME NOT NULL
                );
                -- A portal's webhook: entries with an id above `cursor` are due; enabling sets the cursor to
                -- the log's end (older entries go out through a replay job).
                CREATE TABLE audit_log_webhooks (
                    portal_id TEXT PRIMARY KEY NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    enabled INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
                    destination_id TEXT REFERENCES audit_log_destinations (id),
                    cursor INTEGER NOT NULL DEFAULT 0,
                    failures INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at DATETIME,
                    last_attempt_at DATETIME,
                    last_response_code INTEGER,
                    last_response_message TEXT,
                    updated_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE audit_log_replay_jobs (
                    portal_id TEXT PRIMARY KEY NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    start_at DATETIME NOT NULL,
                    end_at DATETIME NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('accepted', 'pending', 'running', 'completed', 'failed')),
                    cursor INTEGER NOT NULL DEFAULT 0,
                    updated_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                CREATE INDEX audit_log_by_time ON audit_log (portal_id, created_at);
                -- One worker at a time does a given background job (audit delivery): it holds the lease.
                CREATE TABLE background_leases (
                    name TEXT PRIMARY KEY NOT NULL,
                    holder TEXT NOT NULL,
                    expires_at DATETIME NOT NULL
                ) WITHOUT ROWID;
                """)
        }

        migrator.registerMigration("2026-12-03-theme-files") { db in
            try db.execute(sql: """
                -- Binary files (images, fonts) are kept base64-encoded in `contents`.
                ALTER TABLE portal_files ADD COLUMN binary INTEGER NOT NULL DEFAULT 0 CHECK (binary IN (0, 1));
                -- The first default-theme copies used another layout and were never read: the new layout
                -- (themes/default/layouts, partials, assets) is seeded at start.
                DELETE FROM portal_files WHERE path LIKE 'themes/default/templates/%';
                -- Bumped by every change to files, so workers re-read a portal's theme only after a change.
                INSERT INTO change_counters (name, value) VALUES ('portal_files', 1);
                CREATE TRIGGER portal_files_changed_insert AFTER INSERT ON portal_files
                BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'portal_files'; END;
                CREATE TRIGGER portal_files_changed_update AFTER UPDATE ON portal_files
                BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'portal_files'; END;
                CREATE TRIGGER portal_files_changed_delete AFTER DELETE ON portal_files
                BEGIN UPDATE change_counters SET value = value + 1 WHERE name = 'portal_files'; END;
                """)
        }

        migrator.registerMigration("2026-12-04-portal-counts") { db in
            try db.execute(sql: """
                -- Each portal's number of developers, kept by triggers: the management API's unfiltered list
                -- reads its total here instead of counting rows (which grows with the table).
                CREATE TABLE portal_counts (
                    portal_id TEXT PRIMARY KEY NOT NULL REFERENCES portals (id) ON DELETE CASCADE,
                    developers INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                INSERT INTO portal_counts (portal_id, developers)
                    SELECT p.id, (SELECT count(*) FROM developers d WHERE d.portal_id = p.id) FROM portals p;
                CREATE TRIGGER portal_counts_portal_added AFTER INSERT ON portals
                BEGIN INSERT OR IGNORE INTO portal_counts (portal_id) VALUES (NEW.id); END;
                CREATE TRIGGER portal_counts_developer_added AFTER INSERT ON developers
                BEGIN
                    INSERT INTO portal_counts (portal_id, developers) VALUES (NEW.portal_id, 1)
                    ON CONFLICT (portal_id) DO UPDATE SET developers = developers + 1;
                END;
                CREATE TRIGGER portal_counts_developer_removed AFTER DELETE ON developers
                BEGIN UPDATE portal_counts SET developers = developers - 1 WHERE portal_id = OLD.portal_id; END;
                CREATE TRIGGER portal_counts_developer_moved AFTER UPDATE OF portal_id ON developers
                WHEN OLD.portal_id IS NOT NEW.portal_id
                BEGIN
                    UPDATE portal_counts SET developers = developers - 1 WHERE portal_id = OLD.portal_id;
                    INSERT INTO portal_counts (portal_id, developers) VALUES (NEW.portal_id, 1)
                    ON CONFLICT (portal_id) DO UPDATE SET developers = developers + 1;
                END;
                """)
        }

        migrator.registerMigration("2026-12-05-owner-indexes") { db in
            try db.execute(sql: """
                -- A developer's own lists read one index range, already in page order: with an index on
                -- developer_id alone (or the portal's), SQLite walked every row of the developer or the portal,
                -- filtered on the other column and sorted.
                CREATE INDEX applications_by_owner ON applications (developer_id, portal_id, created_at);
                DROP INDEX applications_by_developer;
                CREATE INDEX key_auth_by_owner ON key_auth_credentials (developer_id, portal_id, created_at);
                DROP INDEX key_auth_by_developer;
                """)
        }

        migrator.registerMigration("2026-12-06-version-names-and-granted-scopes") { db in
            // Version names are unique per product (the management API checked it, the CLI did not): any
            // duplicates made before are renamed "<name> (2)", "(3)"… in creation order, never refused.
            let duplicates = try Row.fetchAll(db, sql: """
                SELECT v.id, v.product_id, v.name FROM product_versions v
                WHERE EXISTS (SELECT 1 FROM product_versions o WHERE o.product_id = v.product_id AND o.name = v.name
                                AND (o.created_at < v.created_at OR (o.created_at = v.created_at AND o.rowid < v.rowid)))
                ORDER BY v.created_at, v.rowid
                """)
            for row in duplicates {
                let id: String = row["id"], productID: String = row["product_id"], name: String = row["name"]
                var suffix = 2
                while try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM product_versions WHERE product_id = ? AND name = ?)",
                                        arguments: [productID, "\(name) (\(suffix))"]) == true {
                    suffix += 1
                }
                try db.execute(sql: "UPDATE product_versions SET name = ? WHERE id = ?", arguments: ["\(name) (\(suffix))", id])
            }
            // The scopes an approval to `version` grants: its openid_connect strategy's, else none.
            func scopes(_ version: String) -> String {
                """
                (SELECT CASE WHEN s.strategy_type = 'openid_connect' THEN json_extract(s.configs, '$.openid_connect.scopes') END
                 FROM product_versions v JOIN application_auth_strategies s ON s.id = v.auth_strategy_id WHERE v.id = \(version))
                """
            }
            try db.execute(sql: """
                CREATE UNIQUE INDEX product_versions_name_per_product ON product_versions (product_id, name);

                -- The OAuth scopes an approval granted (a JSON array; NULL: none), kept on the registration so
                -- a later change to the strategy's scopes does not rewrite what was granted. Triggers set it
                -- on every path to `approved` (management API, key requests, auto-approval) and clear it when
                -- the registration leaves `approved`.
                ALTER TABLE application_registrations ADD COLUMN granted_scopes TEXT;
                CREATE TRIGGER registration_scopes_granted_on_approval AFTER UPDATE OF status ON application_registrations
                WHEN NEW.status = 'approved' AND OLD.status IS NOT 'approved'
                BEGIN
                    UPDATE application_registrations SET granted_scopes = \(scopes("NEW.product_version_id")) WHERE id = NEW.id;
                END;
                CREATE TRIGGER registration_scopes_granted_on_approved_insert AFTER INSERT ON application_registrations
                WHEN NEW.status = 'approved'
                BEGIN
                    UPDATE application_registrations SET granted_scopes = \(scopes("NEW.product_version_id")) WHERE id = NEW.id;
                END;
                CREATE TRIGGER registration_scopes_withdrawn AFTER UPDATE OF status ON application_registrations
                WHEN NEW.status IS NOT 'approved' AND OLD.status = 'approved'
                BEGIN
                    UPDATE application_registrations SET granted_scopes = NULL WHERE id = NEW.id;
                END;
                UPDATE application_registrations SET granted_scopes = \(scopes("application_registrations.product_version_id"))
                WHERE status = 'approved';
                """)
        }

        migrator.registerMigration("2026-12-06-issued-credentials-follow-registrations") { db in
            try db.execute(sql: """
                -- The key or basic-auth user an approval issued goes with its registration however the
                -- registration goes: deleted itself, or with its application, version, product or developer
                -- (cascades). The foreign keys only set registration_id to NULL, which left a deleted
                -- application's key listed and usable. BEFORE: the SET NULL has not run yet.
                CREATE TRIGGER registration_deleted_withdraws_credentials BEFORE DELETE ON application_registrations
                BEGIN
                    DELETE FROM key_auth_credentials WHERE registration_id = OLD.id;
                    DELETE FROM basic_auth_credentials WHERE registration_id = OLD.id;
                END;
                """)
        }

        migrator.registerMigration("2026-12-07-developer-activity") { db in
            try db.execute(sql: """
                -- When a developer last logged in and last set a password (seed 002's last_login_date and
                -- password_updated). Beside developers, not in it: the developer row is read on every
                -- authenticated request and these are not.
                CREATE TABLE developer_activity (
                    developer_id TEXT PRIMARY KEY NOT NULL REFERENCES developers (id) ON DELETE CASCADE,
                    last_login_at DATETIME,
                    password_updated_at DATETIME
                ) WITHOUT ROWID;
                """)
        }

        migrator.registerMigration("2026-12-07-seeded-theme-files") { db in
            try db.execute(sql: """
                -- The checksum a default theme file had when it was seeded (or last brought up to date): a
                -- file that still has it was never edited, so an upgrade may replace it with the new default.
                ALTER TABLE portal_files ADD COLUMN seeded_checksum TEXT;
                -- Existing files: those never edited and seeded in the portal's first batch (one instant for
                -- all of them). A file an admin deleted and uploaded again has a later created_at: kept.
                UPDATE portal_files SET seeded_checksum = checksum
                WHERE updated_at = created_at
                  AND created_at = (SELECT MIN(f.created_at) FROM portal_files f WHERE f.portal_id = portal_files.portal_id);
                """)
        }

        return migrator
    }
}
