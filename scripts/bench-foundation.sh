#!/usr/bin/env bash
# The foundation's figures for docs/benchmarks.md, measured in one run:
#  1. onboarding through the API: median time of a shared and of a
#     dedicated tenant (`charter bench onboarding`);
#  2. GET entity by id through the API (wrk) beside pgbench running the same
#     SQL (set tenant + the entity with its facts as of today, one
#     transaction) at the same concurrency,
#     alternating, ROUNDS times; medians and their ratio.
# Usage: scripts/bench-foundation.sh   (CLIENTS, DURATION, ROUNDS, ENTITIES, SHARED, DEDICATED, KEEP)
set -euo pipefail
cd "$(dirname "$0")/.."

CLIENTS=${CLIENTS:-8} DURATION=${DURATION:-20} ROUNDS=${ROUNDS:-3} ENTITIES=${ENTITIES:-10000}
SHARED=${SHARED:-200} DEDICATED=${DEDICATED:-5} PORT=${PORT:-18181}
command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null; }
source scripts/lib/bench.sh
bench_setup charter_bench

export CHARTER_KEY=$($bin admin-key create --name bench 2>/dev/null)
bench_serve "$PORT"

echo "## onboarding ($SHARED shared, $DEDICATED dedicated, one after another)"
$bin bench onboarding --api "http://127.0.0.1:$PORT" --shared "$SHARED" --dedicated "$DEDICATED"

seed=$($bin bench seed --slug bench --entities "$ENTITIES" --json)
tenant=$(echo "$seed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tenant_id"])')
database=$(echo "$seed" | python3 -c 'import json,sys; print(json.load(sys.stdin)["database"])')
app_password=$(psql "$CHARTER_DATABASE_URL" -Atc "SELECT value FROM control.settings WHERE key = 'app_role_password'")
app_url="postgres://charter_app:${app_password}@127.0.0.1:5432/$database"

sql=$(mktemp)
cat > "$sql" <<SQL
\set n random(1, $ENTITIES)
BEGIN;
SET LOCAL charter.tenant_id = '$tenant';
SELECT e.id, e.version, e.created_at, e.updated_at, f.fact, f.value
  FROM charter.legal_entity e
  LEFT JOIN charter.entity_fact f
    ON f.tenant_id = e.tenant_id AND f.entity_id = e.id AND f.valid @> current_date AND upper_inf(f.recorded)
 WHERE e.tenant_id = '$tenant'
   AND e.id = ANY (ARRAY[('00000000-0000-7000-8000-' || lpad(to_hex(:n::int), 12, '0'))::uuid]);
COMMIT;
SQL

# Warm both paths (pools, caches, prepared statements).
BENCH_ENTITIES=$ENTITIES wrk -t 2 -c "$CLIENTS" -d 3s -s scripts/bench/get-entity.lua "http://127.0.0.1:$PORT" >/dev/null
pgbench -n -c "$CLIENTS" -j 2 -T 3 -M prepared -f "$sql" "$app_url" >/dev/null

echo
echo "## GET entity by id: API (wrk) vs pgbench, $CLIENTS connections, ${DURATION}s each, $ROUNDS rounds"
api=() db=()
for round in $(seq 1 "$ROUNDS"); do
  p=$(pgbench -n -c "$CLIENTS" -j 2 -T "$DURATION" -M prepared -f "$sql" "$app_url" 2>/dev/null \
      | awk '/^tps/ {print $3; exit}')
  w=$(BENCH_ENTITIES=$ENTITIES wrk -t 2 -c "$CLIENTS" -d "${DURATION}s" -s scripts/bench/get-entity.lua \
      "http://127.0.0.1:$PORT" | grep '^RESULT')
  r=$(echo "$w" | sed -E 's/.*requests_per_s=([0-9.]+).*/\1/')
  echo "round $round: pgbench ${p} tx/s; API ${r} req/s ($w)"
  db+=("$p") api+=("$r")
done
python3 - "${db[*]}" "${api[*]}" <<'PY'
import statistics, sys
db = [float(x) for x in sys.argv[1].split()]
api = [float(x) for x in sys.argv[2].split()]
mdb, mapi = statistics.median(db), statistics.median(api)
print(f"median: pgbench {mdb:.0f} tx/s, API {mapi:.0f} req/s, API/pgbench = {mapi / mdb:.2f}")
PY
