-- Relationships between entities that come from outside the share ledger:
-- GLEIF's accounting consolidation (IS_DIRECTLY_CONSOLIDATED_BY,
-- IS_ULTIMATELY_CONSOLIDATED_BY, …), kept with their period and status and
-- as recorded over time: a re-import that changes a relationship closes the
-- recording period of the old version and records the new one.

CREATE TABLE entity_relationship (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    child_id    uuid NOT NULL,
    parent_id   uuid NOT NULL,
    kind        text NOT NULL CHECK (kind ~ '^[A-Z][A-Z_]{0,62}$'),
    status      text NOT NULL CHECK (status ~ '^[A-Z][A-Z_]{0,30}$'),
    -- The relationship period; unbounded where the source gives no dates.
    valid       daterange NOT NULL CHECK (NOT isempty(valid)),
    recorded    tstzrange NOT NULL,
    -- Where it comes from (`gleif`) and the source's own id of it.
    source      text NOT NULL CHECK (source ~ '^[a-z]{1,20}$'),
    source_id   text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 500),
    recorded_by text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, child_id) REFERENCES legal_entity (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES legal_entity (tenant_id, id),
    -- One version of a source's relationship on record at any time.
    CONSTRAINT entity_relationship_one_current
        EXCLUDE USING gist (tenant_id WITH =, (source || ' ' || source_id) WITH =, recorded WITH &&)
);
SELECT enable_tenant_isolation('entity_relationship');
CREATE INDEX entity_relationship_parent ON entity_relationship (tenant_id, parent_id) WHERE upper_inf(recorded);
CREATE INDEX entity_relationship_child ON entity_relationship (tenant_id, child_id) WHERE upper_inf(recorded);
CREATE INDEX entity_relationship_source ON entity_relationship (tenant_id, source, source_id) WHERE upper_inf(recorded);
