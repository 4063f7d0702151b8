-- Positions (ddl 0010) for the ledgers recorded before them: the domain's
-- replay (`Ledger::positions`) in SQL, once per tenant. Each class-and-holder
-- series is walked in ledger order (date, then the order recorded); a split
-- multiplies the holdings of its class, integer division as in the replay.
-- The walk joins each step to the next event of its series, so it costs the
-- events times the longest series: fine for the ledgers of the releases
-- before 0010 (the share ledger is new in the same release); writes from
-- then on keep their positions themselves. Rows the application already
-- wrote (a transaction recorded between the two migrations) are the same
-- replay and are kept.
-- requires: ddl 0010

WITH RECURSIVE
legs AS (
    SELECT issuer_id, share_class_id AS class_id, from_person_id AS person_id, from_entity_id AS entity_id,
           effective_on, id, -shares AS delta
      FROM charter.share_transaction
     WHERE kind <> 'split' AND num_nonnulls(from_person_id, from_entity_id) = 1
    UNION ALL
    SELECT issuer_id, coalesce(to_share_class_id, share_class_id), to_person_id, to_entity_id,
           effective_on, id, coalesce(to_shares, shares)
      FROM charter.share_transaction
     WHERE kind <> 'split' AND num_nonnulls(to_person_id, to_entity_id) = 1
),
holders AS (
    SELECT DISTINCT issuer_id, class_id, coalesce(person_id, entity_id) AS holder_id, person_id, entity_id
      FROM legs
),
events AS (
    SELECT class_id, coalesce(person_id, entity_id) AS holder_id, effective_on, id, delta,
           1::bigint AS numerator, 1::bigint AS denominator
      FROM legs
    UNION ALL
    SELECT h.class_id, h.holder_id, t.effective_on, t.id, 0, t.ratio_numerator, t.ratio_denominator
      FROM charter.share_transaction t
      JOIN holders h ON h.class_id = t.share_class_id
     WHERE t.kind = 'split'
),
ordered AS (
    SELECT events.*, row_number() OVER (PARTITION BY class_id, holder_id ORDER BY effective_on, id, delta) AS n
      FROM events
),
replayed (class_id, holder_id, effective_on, n, shares) AS (
    SELECT class_id, holder_id, effective_on, n, delta FROM ordered WHERE n = 1
    UNION ALL
    SELECT o.class_id, o.holder_id, o.effective_on, o.n, r.shares * o.numerator / o.denominator + o.delta
      FROM replayed r
      JOIN ordered o ON o.class_id = r.class_id AND o.holder_id = r.holder_id AND o.n = r.n + 1
),
end_of_day AS (
    SELECT DISTINCT ON (class_id, holder_id, effective_on) class_id, holder_id, effective_on, shares
      FROM replayed
     ORDER BY class_id, holder_id, effective_on, n DESC
),
latest AS (
    SELECT DISTINCT ON (class_id, holder_id) class_id, holder_id, effective_on, shares
      FROM end_of_day
     ORDER BY class_id, holder_id, effective_on DESC
),
new_holders AS (
    INSERT INTO charter.share_holder
        (tenant_id, share_class_id, holder_id, issuer_id, person_id, entity_id, latest_on, latest_shares)
    SELECT charter.current_tenant(), h.class_id, h.holder_id, h.issuer_id, h.person_id, h.entity_id,
           l.effective_on, l.shares
      FROM holders h
      JOIN latest l ON l.class_id = h.class_id AND l.holder_id = h.holder_id
    ON CONFLICT (tenant_id, share_class_id, holder_id) DO NOTHING
    RETURNING 1
)
INSERT INTO charter.share_position (tenant_id, share_class_id, holder_id, effective_on, shares)
SELECT charter.current_tenant(), class_id, holder_id, effective_on, shares
  FROM end_of_day
ON CONFLICT (tenant_id, share_class_id, holder_id, effective_on) DO NOTHING;
