-- Positions derived from the share ledger, so that a register as at a date
-- reads one row per holder instead of summing the whole ledger up to it.
--
-- `share_position` holds, for each class and holder, the shares held at the
-- end of `effective_on` and until the next row of that class and holder.
-- `share_holder` lists every holder a class ever had, with the latest
-- position inline: a register as of a date on or after that position (the
-- usual case, "today") needs no probe at all, an earlier date one index
-- probe per holder.
--
-- Both are the ledger as known now, written by the storage layer in the same
-- transaction as the ledger rows they derive from (replayed by the domain's
-- `Ledger`, the same code that checks the ledger's rules), so they are never
-- out of step with it. A register "as known at" an earlier time is replayed
-- from the ledger itself. Deleting positions is allowed: a back-dated
-- transaction rewrites the positions after its date.

CREATE TABLE share_holder (
    tenant_id      uuid NOT NULL,
    share_class_id uuid NOT NULL,
    -- The person or entity holding (or having held) the class.
    holder_id      uuid NOT NULL,
    issuer_id      uuid NOT NULL,
    person_id      uuid,
    entity_id      uuid,
    -- The latest position: `latest_shares` from `latest_on` on.
    latest_on      date NOT NULL,
    latest_shares  bigint NOT NULL CHECK (latest_shares >= 0),
    PRIMARY KEY (tenant_id, share_class_id, holder_id),
    FOREIGN KEY (tenant_id, share_class_id) REFERENCES share_class (tenant_id, id),
    FOREIGN KEY (tenant_id, issuer_id) REFERENCES legal_entity (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id),
    FOREIGN KEY (tenant_id, entity_id) REFERENCES legal_entity (tenant_id, id),
    CHECK (num_nonnulls(person_id, entity_id) = 1 AND holder_id = coalesce(person_id, entity_id))
);
SELECT enable_tenant_isolation('share_holder');
-- A register: the holders of an issuer's classes.
CREATE INDEX share_holder_issuer ON share_holder (tenant_id, issuer_id);
-- A group walked upwards: the entities holding an issuer (the index above),
-- and downwards: the issuers an entity holds.
CREATE INDEX share_holder_entity ON share_holder (tenant_id, entity_id) WHERE entity_id IS NOT NULL;

CREATE TABLE share_position (
    tenant_id      uuid NOT NULL,
    share_class_id uuid NOT NULL,
    holder_id      uuid NOT NULL,
    effective_on   date NOT NULL,
    shares         bigint NOT NULL CHECK (shares >= 0),
    PRIMARY KEY (tenant_id, share_class_id, holder_id, effective_on),
    FOREIGN KEY (tenant_id, share_class_id, holder_id)
        REFERENCES share_holder (tenant_id, share_class_id, holder_id)
);
SELECT enable_tenant_isolation('share_position');

-- Ledgers recorded before this migration get their positions from dml 0003.
