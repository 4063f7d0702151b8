#!/usr/bin/env bash
# The register's figures for docs/benchmarks.md, measured in one run:
#  1. loads one shared database with TENANTS tenants holding TOTAL entities
#     with their histories: one tenant with BIG entities, one with SMALL,
#     the rest sharing what is left (`charter bench register-data`);
#  2. times list, filter, search and get-by-id-as-of requests at the API,
#     one at a time, for the big tenant, the small one and random tenants
#     (`charter bench register-latency`);
#  3. as the yardstick, pgbench runs the SQL of a get-by-id as of a date
#     in the big tenant (random ids), one client.
# KEEP=1 keeps the loaded databases for another run (then CONTROL_DB=name
# reuses them).
# Usage: scripts/bench-register.sh   (TENANTS, TOTAL, BIG, SMALL, REQUESTS, PORT, KEEP, CONTROL_DB)
set -euo pipefail
cd "$(dirname "$0")/.."

TENANTS=${TENANTS:-10000} TOTAL=${TOTAL:-1000000} BIG=${BIG:-100000} SMALL=${SMALL:-100}
REQUESTS=${REQUESTS:-400} PORT=${PORT:-18182}
source scripts/lib/bench.sh
bench_setup charter_reg
export CHARTER_DB_POOL_SIZE=8 CHARTER_SHARED_CAPACITY=100000

layout=(--tenants "$TENANTS" --total "$TOTAL" --big "$BIG" --small "$SMALL")
echo "## load: $TENANTS tenants, $TOTAL entities ($BIG in one tenant, $SMALL in another)"
$bin bench register-data "${layout[@]}"
shared=$(psql "$CHARTER_DATABASE_URL" -Atc "SELECT name FROM control.databases WHERE kind = 'shared' ORDER BY created_at LIMIT 1")
shared_url="${server_url%/*}/$shared"
psql "$shared_url" -qc "VACUUM ANALYZE"
psql "$shared_url" -Atc "SELECT 'entities: ' || count(*) FROM charter.legal_entity"
psql "$shared_url" -Atc "SELECT 'fact versions: ' || count(*) FROM charter.entity_fact"
psql "$shared_url" -Atc "SELECT 'tenants: ' || count(*) FROM charter.tenant"
psql "$shared_url" -Atc "SELECT 'database size: ' || pg_size_pretty(pg_database_size(current_database()))"

export CHARTER_KEY=$($bin admin-key create --name "bench-$$" 2>/dev/null)
bench_serve "$PORT"

echo
echo "## API latency, one request at a time, $REQUESTS requests per probe and tenant"
$bin bench register-latency --api "http://127.0.0.1:$PORT" "${layout[@]}" --requests "$REQUESTS"

echo
echo "## yardstick: pgbench, the get-by-id-as-of SQL on the big tenant, 1 client, 20 s"
tenant=$(psql "$CHARTER_DATABASE_URL" -Atc "SELECT id FROM control.tenants WHERE slug = 'reg-big'")
app_password=$(psql "$CHARTER_DATABASE_URL" -Atc "SELECT value FROM control.settings WHERE key = 'app_role_password'")
app_url="postgres://charter_app:${app_password}@127.0.0.1:5432/$shared"
sql=$(mktemp)
cat > "$sql" <<SQL
\set n random(0, $((BIG - 1)))
\set d random(0, 10000)
BEGIN READ ONLY;
SET LOCAL charter.tenant_id = '$tenant';
SELECT e.id, e.version, e.created_at, e.updated_at, f.fact, f.value
  FROM charter.legal_entity e
  LEFT JOIN charter.entity_fact f
    ON f.tenant_id = e.tenant_id AND f.entity_id = e.id
   AND f.valid @> (date '2000-01-01' + (:d)::int) AND upper_inf(f.recorded)
 WHERE e.tenant_id = '$tenant'
   AND e.id = ANY (ARRAY[('00000000-0000-7000-8000-0000' || lpad(to_hex(:n::int), 8, '0'))::uuid]);
COMMIT;
SQL
pgbench -n -c 1 -j 1 -T 20 -M prepared -f "$sql" "$app_url" | grep -E "latency average|tps"
