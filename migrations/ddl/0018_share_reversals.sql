-- Reversals: a transaction recorded in error is taken back by a new one,
-- never edited or deleted. A reversal names the transaction it reverses
-- (`reverses`), of the same issuer and class and from its date; as known
-- from its recording on, the ledger stands as if the reversed transaction
-- had never been made, and as known before, it did (the ledger's recording
-- times keep both). Replays (`domain::shares::Ledger`) leave out both
-- rows; the database's sums leave out the reversed one as known at the time
-- asked about. A transaction is reversed at most once, and a reversal is
-- not itself reversed (record the transaction again instead).

ALTER TABLE share_transaction
    ADD COLUMN reverses uuid,
    ADD FOREIGN KEY (tenant_id, reverses) REFERENCES share_transaction (tenant_id, id),
    DROP CONSTRAINT share_transaction_kind_check,
    ADD CONSTRAINT share_transaction_kind_check
        CHECK (kind IN ('issuance', 'transfer', 'cancellation', 'split', 'conversion', 'reversal')),
    ADD CONSTRAINT share_transaction_reversal_names_its_transaction
        CHECK ((kind = 'reversal') = (reverses IS NOT NULL)
               AND (kind <> 'reversal' OR num_nonnulls(from_person_id, from_entity_id, from_joint_holding_id,
                                                       to_person_id, to_entity_id, to_joint_holding_id) = 0));

-- Reversed at most once; and the probe a sum makes for each transaction.
CREATE UNIQUE INDEX share_transaction_reversed_once ON share_transaction (tenant_id, reverses)
    WHERE reverses IS NOT NULL;
