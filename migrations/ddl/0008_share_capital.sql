-- Share capital: classes of shares of an entity, their authorised capital
-- over time, and the append-only ledger of what happened to the shares.
-- Holdings are replayed from the ledger (charter_domain::shares), never
-- stored, so there is nothing to keep in step and every register as at a
-- date comes from the same transactions.

CREATE TABLE share_class (
    tenant_id       uuid NOT NULL,
    id              uuid NOT NULL,
    entity_id       uuid NOT NULL,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    nominal_value   numeric(21, 6) NOT NULL CHECK (nominal_value >= 0),
    votes_per_share numeric(21, 6) NOT NULL CHECK (votes_per_share >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    recorded_by     text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, entity_id, name),
    FOREIGN KEY (tenant_id, entity_id) REFERENCES legal_entity (tenant_id, id)
);
SELECT enable_tenant_isolation('share_class');

-- The authorised share capital of a class, effective-dated and bitemporal
-- like every fact; NULL authorised means unlimited.
CREATE TABLE share_class_authorised (
    tenant_id      uuid NOT NULL,
    id             uuid NOT NULL,
    share_class_id uuid NOT NULL,
    valid          daterange NOT NULL CHECK (NOT isempty(valid) AND NOT lower_inf(valid)),
    recorded       tstzrange NOT NULL,
    authorised     bigint CHECK (authorised > 0),
    reason         text CHECK (length(reason) <= 500),
    recorded_by    text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, share_class_id) REFERENCES share_class (tenant_id, id),
    -- Keyed as entity_fact_no_overlap is, for the same reason.
    CONSTRAINT share_class_authorised_no_overlap
        EXCLUDE USING gist (tenant_id WITH =, (share_class_id::text) WITH =, valid WITH &&, recorded WITH &&)
);
SELECT enable_tenant_isolation('share_class_authorised');
CREATE INDEX share_class_authorised_class ON share_class_authorised (tenant_id, share_class_id);

-- The ledger. A correction is a new transaction, never an edit: a trigger
-- refuses updates (deleting stays possible for removing a whole tenant).
-- Ids are UUIDv7, so id order is the order recorded, which breaks ties
-- between transactions of one date.
CREATE TABLE share_transaction (
    tenant_id         uuid NOT NULL,
    id                uuid NOT NULL,
    -- The entity whose shares these are (the ledger is read per issuer).
    issuer_id         uuid NOT NULL,
    kind              text NOT NULL
                      CHECK (kind IN ('issuance', 'transfer', 'cancellation', 'split', 'conversion')),
    share_class_id    uuid NOT NULL,
    effective_on      date NOT NULL,
    from_person_id    uuid,
    from_entity_id    uuid,
    to_person_id      uuid,
    to_entity_id      uuid,
    shares            bigint NOT NULL CHECK (shares >= 0),
    to_share_class_id uuid,
    to_shares         bigint CHECK (to_shares > 0),
    ratio_numerator   bigint CHECK (ratio_numerator > 0),
    ratio_denominator bigint CHECK (ratio_denominator > 0),
    reason            text CHECK (length(reason) <= 500),
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    recorded_by       text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, issuer_id) REFERENCES legal_entity (tenant_id, id),
    FOREIGN KEY (tenant_id, share_class_id) REFERENCES share_class (tenant_id, id),
    FOREIGN KEY (tenant_id, to_share_class_id) REFERENCES share_class (tenant_id, id),
    FOREIGN KEY (tenant_id, from_person_id) REFERENCES person (tenant_id, id),
    FOREIGN KEY (tenant_id, from_entity_id) REFERENCES legal_entity (tenant_id, id),
    FOREIGN KEY (tenant_id, to_person_id) REFERENCES person (tenant_id, id),
    FOREIGN KEY (tenant_id, to_entity_id) REFERENCES legal_entity (tenant_id, id),
    CHECK (num_nonnulls(from_person_id, from_entity_id) <= 1),
    CHECK (num_nonnulls(to_person_id, to_entity_id) <= 1)
);
SELECT enable_tenant_isolation('share_transaction');
CREATE INDEX share_transaction_ledger ON share_transaction (tenant_id, issuer_id, id);
-- What an entity holds in others (group structure, effective ownership).
CREATE INDEX share_transaction_to_entity ON share_transaction (tenant_id, to_entity_id) WHERE to_entity_id IS NOT NULL;

CREATE FUNCTION refuse_ledger_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the share ledger is append-only: record a correcting transaction instead (transaction % of tenant %)',
        OLD.id, OLD.tenant_id
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER share_transaction_append_only
    BEFORE UPDATE ON share_transaction
    FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION refuse_ledger_update();
