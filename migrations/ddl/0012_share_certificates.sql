-- Share certificates: a register of certificates per class of shares, for
-- the classes that issue them (`share_class.certificated`).
--
-- A certificate (number, holder, shares, issue date, optionally the ledger
-- transaction it evidences) never changes once issued. What happens to it
-- afterwards (cancelled, reported lost, replaced by another certificate) is
-- history, kept as an append-only list of events rather than as a status
-- column edited in place or as effective-dated status rows: a status only
-- moves forward (issued → lost → replaced, issued → cancelled), on a date,
-- once, so an event per change says all there is (when, why, by whom, which
-- certificate replaced it) and its current status is simply its latest
-- event. Effective-dated rows would need the previous row's period closed,
-- an update; events are only ever inserted, and a trigger refuses updates to
-- both tables, as for the share ledger (0008). Deleting stays possible, for
-- the platform's own jobs that remove a whole tenant from a database (a
-- move's source, offboarding), as for the audit trail (0007).
--
-- Certificates are checked against the ledger by the domain
-- (`charter_domain::certificate`): no certificate for more shares than its
-- holder holds on its issue date, and a holder's outstanding certificates
-- never cover more than the holding.

ALTER TABLE share_class ADD COLUMN certificated boolean NOT NULL DEFAULT false;

CREATE TABLE share_certificate (
    tenant_id            uuid NOT NULL,
    id                   uuid NOT NULL,
    share_class_id       uuid NOT NULL,
    -- "ORD-001", "7": unique within the class.
    number               text NOT NULL CHECK (length(number) BETWEEN 1 AND 50),
    person_id            uuid,
    entity_id            uuid,
    shares               bigint NOT NULL CHECK (shares > 0),
    issued_on            date NOT NULL,
    -- The ledger transaction the certificate evidences, if recorded.
    share_transaction_id uuid,
    recorded_at          timestamptz NOT NULL DEFAULT now(),
    recorded_by          text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    CONSTRAINT share_certificate_number UNIQUE (tenant_id, share_class_id, number),
    FOREIGN KEY (tenant_id, share_class_id) REFERENCES share_class (tenant_id, id),
    FOREIGN KEY (tenant_id, person_id) REFERENCES person (tenant_id, id),
    FOREIGN KEY (tenant_id, entity_id) REFERENCES legal_entity (tenant_id, id),
    FOREIGN KEY (tenant_id, share_transaction_id) REFERENCES share_transaction (tenant_id, id),
    CHECK (num_nonnulls(person_id, entity_id) = 1)
);
SELECT enable_tenant_isolation('share_certificate');

-- What happened to a certificate, in the order recorded (UUIDv7 ids). The
-- first event of every certificate is `issued`, on its issue date.
CREATE TABLE share_certificate_event (
    tenant_id      uuid NOT NULL,
    id             uuid NOT NULL,
    certificate_id uuid NOT NULL,
    status         text NOT NULL CHECK (status IN ('issued', 'cancelled', 'lost', 'replaced')),
    effective_on   date NOT NULL,
    -- For `replaced`: the certificate issued in its place.
    replacement_id uuid,
    reason         text CHECK (length(reason) <= 500),
    recorded_at    timestamptz NOT NULL DEFAULT now(),
    recorded_by    text NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, certificate_id) REFERENCES share_certificate (tenant_id, id),
    FOREIGN KEY (tenant_id, replacement_id) REFERENCES share_certificate (tenant_id, id),
    CHECK ((status = 'replaced') = (replacement_id IS NOT NULL)),
    -- Each status at most once per certificate (and its history is read by this index)…
    CONSTRAINT share_certificate_event_once UNIQUE (tenant_id, certificate_id, status),
    -- … a certificate replaces at most one other.
    CONSTRAINT share_certificate_event_replacement UNIQUE (tenant_id, replacement_id)
);
SELECT enable_tenant_isolation('share_certificate_event');
-- A certificate ends once: cancelled or replaced, not both.
CREATE UNIQUE INDEX share_certificate_event_one_end ON share_certificate_event (tenant_id, certificate_id)
    WHERE status IN ('cancelled', 'replaced');

CREATE FUNCTION refuse_certificate_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'share certificates and their history are append-only: record an event instead (% % of tenant %)',
        TG_TABLE_NAME, OLD.id, OLD.tenant_id
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER share_certificate_append_only
    BEFORE UPDATE ON share_certificate
    FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION refuse_certificate_update();
CREATE TRIGGER share_certificate_event_append_only
    BEFORE UPDATE ON share_certificate_event
    FOR EACH ROW
    WHEN (OLD IS DISTINCT FROM NEW)
    EXECUTE FUNCTION refuse_certificate_update();
