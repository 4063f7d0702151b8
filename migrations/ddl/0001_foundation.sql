-- Data-plane foundation. Runs as the migration role (charter_owner) with
-- search_path = charter; the same schema serves shared databases (many
-- tenants) and dedicated databases (one tenant).
--
-- Rules for every tenant-owned table (checked by the schema lint):
--   * tenant_id uuid NOT NULL leads the primary key and every foreign key;
--   * every unique constraint includes tenant_id; ids are UUIDs, no sequences;
--   * row-level security ENABLED and FORCED with the tenant_isolation policy
--     (call enable_tenant_isolation for each new table).

GRANT USAGE ON SCHEMA charter TO charter_app;
-- Tables created by the migration role from here on are readable and writable
-- by the application role (never TRUNCATE: it bypasses row-level security).
-- Global reference tables revoke the write privileges again.
ALTER DEFAULT PRIVILEGES FOR ROLE charter_owner IN SCHEMA charter
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO charter_app;

-- Row-level security for a tenant-owned table, the same for every table:
-- ENABLE and FORCE (so even the owning role is filtered) and one policy that
-- fails closed. With no tenant set, current_setting(..., true) is NULL (or ''
-- once a transaction-local SET has ended), the comparison is NULL and no row
-- is visible or writable. A plain column comparison against a value computed
-- once per statement: no per-row function calls, no joins in the policy.
CREATE FUNCTION enable_tenant_isolation(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
    EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
    EXECUTE format(
        'CREATE POLICY tenant_isolation ON %s'
        ' USING (tenant_id = NULLIF(current_setting(''charter.tenant_id'', true), '''')::uuid)'
        ' WITH CHECK (tenant_id = NULLIF(current_setting(''charter.tenant_id'', true), '''')::uuid)',
        tbl);
END
$$;
REVOKE ALL ON FUNCTION enable_tenant_isolation(regclass) FROM PUBLIC;

-- One row per tenant held in this database.
CREATE TABLE tenant (
    tenant_id  uuid NOT NULL,
    slug       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id)
);
SELECT enable_tenant_isolation('tenant');

-- Per-tenant ledger of applied data migrations. It lives beside the tenant's
-- rows so that it travels with the tenant when the tenant moves.
CREATE TABLE dml_ledger (
    tenant_id  uuid NOT NULL,
    version    integer NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, version),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('dml_ledger');

-- Minimal legal entity; the register issue extends it.
CREATE TABLE legal_entity (
    tenant_id    uuid NOT NULL,
    id           uuid NOT NULL,
    legal_name   text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 500),
    jurisdiction text CHECK (jurisdiction ~ '^[A-Z]{2}(-[A-Z0-9]{1,3})?$'),
    version      bigint NOT NULL DEFAULT 1,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id) REFERENCES tenant (tenant_id)
);
SELECT enable_tenant_isolation('legal_entity');
