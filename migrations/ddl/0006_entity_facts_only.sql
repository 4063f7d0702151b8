-- Contract: the legacy columns go once every tenant of the database has
-- its entities' names and jurisdictions as facts.
-- phase: contract
-- requires: dml 0001

ALTER TABLE legal_entity DROP COLUMN legal_name, DROP COLUMN jurisdiction;
