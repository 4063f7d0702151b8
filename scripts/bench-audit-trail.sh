#!/usr/bin/env bash
# How to read an entity's audit trail (`audit-events?entity_id=`), measured
# for docs/benchmarks.md: a scratch database with the tables the query
# reads (no row-level security, no other columns), one tenant with
# 1,000,000 audit events, an entity with 50,000 ledger transactions and one
# with 5; for both, EXPLAIN ANALYZE times the statement of
# `TenantTx::audit_events` (storage/src/data/audit.rs: a semi-join planned
# for the entity), the same guarded by `$2 IS NULL OR` (a first version),
# and a probe of the resource index per resource (a lateral join).
set -euo pipefail
cd "$(dirname "$0")/.."
server_url=$(scripts/ensure-postgres | tail -n 1)
db=charter_audit_trail_$$
psql "$server_url" -qc "CREATE DATABASE $db"
trap 'psql "$server_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"' EXIT
url="${server_url%/*}/$db"
psql "$url" -q <<'SQL'
CREATE SCHEMA charter;
CREATE TABLE charter.audit_event (tenant_id uuid NOT NULL, seq bigint NOT NULL, action text, resource_type text NOT NULL,
    resource_id text, after jsonb, PRIMARY KEY (tenant_id, seq));
CREATE INDEX audit_event_resource ON charter.audit_event (tenant_id, resource_type, resource_id, seq);
CREATE TABLE charter.share_transaction (tenant_id uuid, id uuid, issuer_id uuid, PRIMARY KEY (tenant_id, id));
CREATE INDEX share_transaction_ledger ON charter.share_transaction (tenant_id, issuer_id, id);
CREATE TABLE charter.share_class (tenant_id uuid, id uuid, entity_id uuid, PRIMARY KEY (tenant_id, id));
CREATE TABLE charter.share_certificate (tenant_id uuid, id uuid, share_class_id uuid, PRIMARY KEY (tenant_id, id));
CREATE TABLE charter.appointment (tenant_id uuid, id uuid, entity_id uuid, PRIMARY KEY (tenant_id, id));
CREATE INDEX appointment_entity ON charter.appointment (tenant_id, entity_id);
INSERT INTO charter.share_transaction
SELECT '00000000-0000-0000-0000-000000000001', gen_random_uuid(),
       CASE WHEN g <= 50000 THEN '00000000-0000-0000-0000-00000000000b'::uuid
            WHEN g <= 50005 THEN '00000000-0000-0000-0000-00000000000c'::uuid ELSE gen_random_uuid() END
  FROM generate_series(1, 150000) g;
INSERT INTO charter.audit_event
SELECT '00000000-0000-0000-0000-000000000001', row_number() OVER (), 'share_transaction.create', 'share_transaction', id::text, '{}'
  FROM charter.share_transaction;
INSERT INTO charter.audit_event
SELECT '00000000-0000-0000-0000-000000000001', 150000 + g, 'entity.update', 'entity', gen_random_uuid()::text, '{}'
  FROM generate_series(1, 850000) g;
ANALYZE;
SQL
resources="SELECT 'entity' AS resource_type, \$2::uuid::text AS resource_id
  UNION ALL SELECT 'share_class', c.id::text FROM charter.share_class c WHERE c.tenant_id = \$1 AND c.entity_id = \$2
  UNION ALL SELECT 'share_transaction', t.id::text FROM charter.share_transaction t WHERE t.tenant_id = \$1 AND t.issuer_id = \$2
  UNION ALL SELECT 'share_certificate', s.id::text FROM charter.share_certificate s
              JOIN charter.share_class c ON c.tenant_id = s.tenant_id AND c.id = s.share_class_id
             WHERE s.tenant_id = \$1 AND c.entity_id = \$2
  UNION ALL SELECT 'appointment', a.id::text FROM charter.appointment a WHERE a.tenant_id = \$1 AND a.entity_id = \$2"
for entity in 0c 0b; do
  for strategy in semi-join or-null lateral; do
    if [ $strategy = semi-join ]; then
      sql="SELECT seq, action FROM charter.audit_event WHERE tenant_id = \$1
             AND (resource_type, resource_id) IN ($resources) ORDER BY seq LIMIT 201"
    elif [ $strategy = or-null ]; then
      sql="SELECT seq, action FROM charter.audit_event WHERE tenant_id = \$1
             AND (\$2::uuid IS NULL OR (resource_type, resource_id) IN ($resources)) ORDER BY seq LIMIT 201"
    else
      sql="SELECT e.* FROM ($resources) r CROSS JOIN LATERAL (SELECT seq, action FROM charter.audit_event a
             WHERE a.tenant_id = \$1 AND a.resource_type = r.resource_type AND a.resource_id = r.resource_id
             ORDER BY seq LIMIT 201 OFFSET 0) e ORDER BY e.seq LIMIT 201"
    fi
    ms=$(psql "$url" -At <<SQL | sed -n 's/^Execution Time: //p'
PREPARE q(uuid, uuid) AS $sql;
EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) EXECUTE q('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-0000000000$entity');
SQL
)
    printf '%-28s %-10s %s\n' "$([ $entity = 0c ] && echo 'entity with 5 transactions' || echo 'entity with 50,000')" "$strategy" "$ms"
  done
done
