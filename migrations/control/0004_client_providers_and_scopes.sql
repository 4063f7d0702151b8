-- A client's own identity provider, and entity-group scopes.
--
-- A client's own identity provider: its users (the client's staff) sign in
-- through it instead of the firm's, and can only ever be members of that
-- one tenant. Configured by platform admins or business development (as part
-- of onboarding), never by tenant admins, so that no tenant can claim another
-- organisation's email domain.

CREATE TABLE control.tenant_identity_providers (
    tenant_id     uuid PRIMARY KEY REFERENCES control.tenants (id),
    -- One provider serves one tenant: its users belong to that tenant.
    issuer        text NOT NULL UNIQUE CHECK (length(issuer) BETWEEN 8 AND 500),
    client_id     text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 255),
    -- A credential: never returned by the API.
    client_secret text CHECK (length(client_secret) <= 500),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- Email domains whose sign-ins go to a tenant's provider (`login_hint`).
CREATE TABLE control.tenant_identity_domains (
    domain    text PRIMARY KEY CHECK (domain = lower(domain) AND domain ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
    tenant_id uuid NOT NULL REFERENCES control.tenant_identity_providers (tenant_id) ON DELETE CASCADE
);
CREATE INDEX tenant_identity_domains_tenant ON control.tenant_identity_domains (tenant_id);

-- Which provider a sign-in under way went to (NULL: the firm's).
ALTER TABLE control.oidc_logins ADD COLUMN tenant_id uuid REFERENCES control.tenants (id);

-- A user of a client's provider belongs to that tenant (NULL: the firm's staff).
ALTER TABLE control.users ADD COLUMN tenant_id uuid REFERENCES control.tenants (id);

-- Memberships and integration keys may reach only the entities of some
-- entity groups (by name, the entity's `groups` fact); NULL: every entity.
ALTER TABLE control.memberships
    ADD COLUMN entity_groups text[] CHECK (cardinality(entity_groups) BETWEEN 1 AND 50);
ALTER TABLE control.api_keys
    ADD COLUMN entity_groups text[] CHECK (cardinality(entity_groups) BETWEEN 1 AND 50);
