-- A class's shares are issued no earlier than its authorised capital starts
-- (`shares::Breach::BeforeAuthorised`, from this release). A ledger recorded
-- before the rule may hold a transaction dated before its class's first
-- authorised period (a class created "from today" for shares issued years
-- ago); every later write to that issuer checks the whole ledger and would
-- be refused for it. Such a class's first period is recorded again from
-- the class's first transaction, with the same limit, as a correction: the
-- version it replaces keeps its recording time, so what was on record
-- before stays readable (`known_at`). Classes whose ledgers start on or
-- after their capital are left alone, so running it twice changes nothing.
-- requires: ddl 0018

WITH first_transaction AS (
    SELECT class_id, min(effective_on) AS first_day
      FROM (SELECT share_class_id AS class_id, effective_on FROM charter.share_transaction
            UNION ALL
            SELECT to_share_class_id, effective_on FROM charter.share_transaction
             WHERE to_share_class_id IS NOT NULL) AS t
     GROUP BY class_id
),
first_period AS (
    SELECT DISTINCT ON (share_class_id) tenant_id, id, share_class_id, lower(valid) AS starts
      FROM charter.share_class_authorised
     WHERE upper_inf(recorded)
     ORDER BY share_class_id, lower(valid)
),
superseded AS (
    UPDATE charter.share_class_authorised a
       SET recorded = tstzrange(lower(a.recorded), now())
      FROM first_period p
      JOIN first_transaction f ON f.class_id = p.share_class_id AND f.first_day < p.starts
     WHERE a.tenant_id = p.tenant_id AND a.id = p.id
    RETURNING a.tenant_id, a.share_class_id, a.valid, a.authorised, f.first_day
)
INSERT INTO charter.share_class_authorised (tenant_id, id, share_class_id, valid, recorded, authorised, reason, recorded_by)
SELECT tenant_id, gen_random_uuid(), share_class_id, daterange(first_day, upper(valid)), tstzrange(now(), NULL),
       authorised, 'dated back to the class''s first transaction', 'migration:0004_authorised_from_first_transaction'
  FROM superseded;
