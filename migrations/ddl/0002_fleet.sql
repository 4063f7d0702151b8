-- Support for the fleet migration service and tenant moves.

-- The migration role reads the ledgers and the tenant list across tenants
-- (to plan and report), and never writes tenant rows without a tenant set:
-- these policies are SELECT-only and do not apply to the application role.
CREATE POLICY owner_reads_ledger ON tenant FOR SELECT TO charter_owner USING (true);
CREATE POLICY owner_reads_ledger ON dml_ledger FOR SELECT TO charter_owner USING (true);

-- Write freeze, for moving a tenant between databases: while set, write
-- transactions of the tenant fail with SQLSTATE CH001 (served as 503 with
-- Retry-After); reads go on.
ALTER TABLE tenant ADD COLUMN write_frozen boolean NOT NULL DEFAULT false;

-- Called first in every write transaction. The share lock on the tenant's
-- row lasts until the transaction ends, so setting write_frozen waits for
-- every write in flight: once the freeze commits, no write is running.
CREATE FUNCTION assert_writable() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM charter.tenant
      WHERE tenant_id = NULLIF(current_setting('charter.tenant_id', true), '')::uuid
        AND NOT write_frozen
      FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'tenant is not writable here (frozen for a move, or not in this database)'
            USING ERRCODE = 'CH001';
    END IF;
END
$$;

-- The tenant of the current transaction, for data migrations:
-- UPDATE charter.x SET … WHERE tenant_id = charter.current_tenant();
CREATE FUNCTION current_tenant() RETURNS uuid
LANGUAGE sql STABLE AS $$ SELECT NULLIF(current_setting('charter.tenant_id', true), '')::uuid $$;
