-- Joint holdings: shares registered in the names of several persons
-- together (spouses, trustees of a family trust, executors of an estate).
-- The holders are listed in register order: the first named receives
-- notices and votes unless the others agree otherwise, so [a, b] and [b, a]
-- are two holdings. A joint holding's id is derived from its ordered
-- members (the domain's `JointHolding::of`), so naming the same persons in
-- the same order always reaches the same holding.
--
-- A joint holding never changes: a change of joint holders is a transfer
-- to another joint holding, as on a paper register.

CREATE TABLE joint_holding (
    tenant_id   uuid NOT NULL,
    id          uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by text NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
SELECT enable_tenant_isolation('joint_holding');

CREATE TABLE joint_holding_member (
    tenant_id        uuid NOT NULL,
    joint_holding_id uuid NOT NULL,
    -- 1 for the first-named holder; at most four, as most articles allow.
    ordinal          smallint NOT NULL CHECK (ordinal BETWEEN 1 AND 4),
    person_id        uuid NOT NULL,
    PRIMARY KEY (tenant_id, joint_holding_id, ordinal),
    UNIQUE (tenant_id, joint_holding_id, person_id),
    FOREIGN KEY (tenant_id, joint_holding_id) REFERENCES joint_holding (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id)
);
SELECT enable_tenant_isolation('joint_holding_member');
-- A person's joint holdings (their beneficial ownership counts them fully).
CREATE INDEX joint_holding_member_person ON joint_holding_member (tenant_id, person_id);

CREATE FUNCTION refuse_joint_holding_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'a joint holding never changes: transfer its shares to another joint holding (holding % of tenant %)',
        OLD.id, OLD.tenant_id
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER joint_holding_immutable
    BEFORE UPDATE ON joint_holding
    FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION refuse_joint_holding_change();

-- A joint holding is a third kind of holder wherever shares are held.
ALTER TABLE share_transaction
    ADD COLUMN from_joint_holding_id uuid,
    ADD COLUMN to_joint_holding_id uuid,
    ADD FOREIGN KEY (tenant_id, from_joint_holding_id) REFERENCES joint_holding (tenant_id, id),
    ADD FOREIGN KEY (tenant_id, to_joint_holding_id) REFERENCES joint_holding (tenant_id, id),
    DROP CONSTRAINT share_transaction_check,
    DROP CONSTRAINT share_transaction_check1,
    ADD CONSTRAINT share_transaction_one_from CHECK (num_nonnulls(from_person_id, from_entity_id, from_joint_holding_id) <= 1),
    ADD CONSTRAINT share_transaction_one_to CHECK (num_nonnulls(to_person_id, to_entity_id, to_joint_holding_id) <= 1);

ALTER TABLE share_holder
    ADD COLUMN joint_holding_id uuid,
    ADD FOREIGN KEY (tenant_id, joint_holding_id) REFERENCES joint_holding (tenant_id, id),
    DROP CONSTRAINT share_holder_check,
    ADD CONSTRAINT share_holder_one_holder CHECK (
        num_nonnulls(person_id, entity_id, joint_holding_id) = 1
        AND holder_id = coalesce(person_id, entity_id, joint_holding_id)
    );

ALTER TABLE share_certificate
    ADD COLUMN joint_holding_id uuid,
    ADD FOREIGN KEY (tenant_id, joint_holding_id) REFERENCES joint_holding (tenant_id, id),
    DROP CONSTRAINT share_certificate_check,
    ADD CONSTRAINT share_certificate_one_holder CHECK (num_nonnulls(person_id, entity_id, joint_holding_id) = 1);
