-- Control plane: the catalogue of tenants, databases and credentials.
-- It holds no tenant business data, so it needs no row-level security; it is
-- reached only by the service and the CLI, never by tenant SQL.


-- Deployment-wide settings that must be the same for every process.
CREATE TABLE control.settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Every data-plane database. A dedicated database is a shared database with
-- capacity 1: same schema, same code path.
CREATE TABLE control.databases (
    id         uuid PRIMARY KEY,
    name       text NOT NULL UNIQUE CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    kind       text NOT NULL CHECK (kind IN ('shared', 'dedicated')),
    -- Connection as a role that may create roles and own schema objects
    -- (migrations, provisioning). Contains credentials: never returned by the API.
    admin_url  text NOT NULL,
    -- Connection as the application role (no superuser, no BYPASSRLS, owns nothing).
    app_url    text NOT NULL,
    capacity   integer NOT NULL CHECK (capacity > 0),
    status     text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'draining', 'retired')),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'shared' OR capacity = 1)
);

CREATE TABLE control.tenants (
    id         uuid PRIMARY KEY,
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    placement  text NOT NULL CHECK (placement IN ('shared', 'dedicated')),
    status     text NOT NULL DEFAULT 'provisioning' CHECK (status IN ('provisioning', 'active')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- Where each tenant lives. One row per tenant: a tenant is served from
-- exactly one database.
CREATE TABLE control.placements (
    tenant_id   uuid PRIMARY KEY REFERENCES control.tenants (id),
    database_id uuid NOT NULL REFERENCES control.databases (id),
    placed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX placements_database_id ON control.placements (database_id);

-- Bearer keys. Platform keys (tenant_id NULL) administer the platform; tenant
-- keys act in one tenant with one role. Only a SHA-256 of the secret is kept.
CREATE TABLE control.api_keys (
    id           uuid PRIMARY KEY,
    tenant_id    uuid REFERENCES control.tenants (id),
    role         text NOT NULL CHECK (role IN ('platform-admin', 'admin', 'editor', 'viewer')),
    name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text NOT NULL,
    secret_hash  bytea NOT NULL UNIQUE CHECK (length(secret_hash) = 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    revoked_at   timestamptz,
    last_used_at timestamptz,
    CHECK ((tenant_id IS NULL) = (role = 'platform-admin'))
);
CREATE INDEX api_keys_tenant_id ON control.api_keys (tenant_id, id);
