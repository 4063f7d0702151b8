-- What an external source (GLEIF) last said about an entity, kept while the
-- register agrees with it, so that a sync does not compare fact by fact the
-- records nothing has moved in (most of a daily GLEIF file).
--
-- A row says: the entity's versions on record agree with every fact the
-- source's record gives, on the day the record says it was last updated
-- (the day an import compares on and dates its changes from); `digest` is
-- SHA-256 of that day and those facts. Only a write to the entity's facts can end that
-- agreement, and every such write deletes the row (the triggers below): the
-- promise is kept by PostgreSQL, not by the discipline of each writer. A
-- cache: copies of a tenant leave it out, and the next sync compares in full.

CREATE TABLE entity_source_digest (
    tenant_id uuid NOT NULL,
    entity_id uuid NOT NULL,
    -- 'gleif'.
    source    text NOT NULL CHECK (source ~ '^[a-z][a-z0-9_]*$'),
    digest    bytea NOT NULL CHECK (length(digest) = 32),
    PRIMARY KEY (tenant_id, entity_id, source),
    FOREIGN KEY (tenant_id, entity_id) REFERENCES legal_entity (tenant_id, id) ON DELETE CASCADE
);
SELECT enable_tenant_isolation('entity_source_digest');

-- One statement per write, whatever its size (a bulk import inserts 10,000
-- fact versions at a time): the entities it touched lose their digests.
CREATE FUNCTION drop_source_digests() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM charter.entity_source_digest d
     USING (SELECT DISTINCT tenant_id, entity_id FROM changed_facts) c
     WHERE d.tenant_id = c.tenant_id AND d.entity_id = c.entity_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER entity_fact_inserted_drops_source_digests AFTER INSERT ON entity_fact
    REFERENCING NEW TABLE AS changed_facts FOR EACH STATEMENT EXECUTE FUNCTION drop_source_digests();
CREATE TRIGGER entity_fact_updated_drops_source_digests AFTER UPDATE ON entity_fact
    REFERENCING NEW TABLE AS changed_facts FOR EACH STATEMENT EXECUTE FUNCTION drop_source_digests();
CREATE TRIGGER entity_fact_deleted_drops_source_digests AFTER DELETE ON entity_fact
    REFERENCING OLD TABLE AS changed_facts FOR EACH STATEMENT EXECUTE FUNCTION drop_source_digests();
