#!/usr/bin/env bash
# The fleet's figures for docs/benchmarks.md (issue 3), measured in one run:
#  1. a DML across TENANTS tenants in one shared database (`charter migrate
#     apply`) beside pgbench running the same per-tenant transaction with 4
#     connections, 3 rounds alternating;
#  2. `charter migrate plan` with nothing to do over TENANTS tenants in 5
#     databases, 5 runs;
#  3. BASELINE tenants as shared tenants, as a schema each and as a database
#     each: onboarding time, migration time, disk used;
#  4. moving a tenant holding MOVE_ENTITIES entities: the write freeze, 3 moves.
# Usage: scripts/bench-fleet.sh      (TENANTS, BASELINE, MOVE_ENTITIES, SKIP_DB_PER_TENANT=1)
set -euo pipefail
cd "$(dirname "$0")/.."

TENANTS=${TENANTS:-10000} BASELINE=${BASELINE:-1000} MOVE_ENTITIES=${MOVE_ENTITIES:-10000} PORT=${PORT:-18282}
server_url=$(scripts/ensure-postgres | tail -n 1)
base_url=${server_url%/*}
cargo build --release -q -p charter
bin=$PWD/target/release/charter
run="fb$$"
work=$(mktemp -d)
export CHARTER_LOG=warn CHARTER_DB_POOL_SIZE=8 CHARTER_SHARED_CAPACITY=100000

sql() { psql "$1" -Atqc "$2"; }
now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.3f}')"; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.3f}')" "$@"; }
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  for db in $(sql "$server_url" "SELECT datname FROM pg_database WHERE datname LIKE 'charter_${run}%'"); do
    sql "$server_url" "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
control() { sql "$server_url" "CREATE DATABASE charter_${run}_$1" >/dev/null; echo "$base_url/charter_${run}_$1"; }
migrations_with() { # dir, then pairs of (file, contents)
  local dir=$1; shift
  mkdir -p "$dir"; cp -r migrations/ddl migrations/dml "$dir"/ 2>/dev/null || cp -r migrations/ddl "$dir"/
  mkdir -p "$dir/dml"
  while [ $# -gt 0 ]; do printf '%s\n' "$2" > "$dir/$1"; shift 2; done
}
touch_dml() { printf -- "-- requires: ddl 0002\nUPDATE charter.legal_entity SET version = version + 1, updated_at = now()\n WHERE tenant_id = charter.current_tenant();\n"; }

echo "# Fleet benchmarks — $(date -u +%F) — $(nproc) cores, PostgreSQL $(sql "$server_url" 'SHOW server_version')"

echo; echo "## 1. A DML across $TENANTS tenants in one shared database, beside pgbench (4 connections)"
export CHARTER_DATABASE_URL=$(control a)
$bin bench populate --tenants "$TENANTS" --databases 1 --entities 10 --concurrency 8
shared="charter_${run}_a_shared_1"
app_password=$(sql "$CHARTER_DATABASE_URL" "SELECT value FROM control.settings WHERE key = 'app_role_password'")
app_url="postgres://charter_app:${app_password}@127.0.0.1:5432/$shared"
sql "$base_url/$shared" "CREATE SCHEMA bench;
  CREATE TABLE bench.tenants AS SELECT (row_number() OVER (ORDER BY tenant_id))::int AS n, tenant_id FROM charter.tenant;
  CREATE UNIQUE INDEX ON bench.tenants (n);
  GRANT USAGE ON SCHEMA bench TO charter_app; GRANT SELECT ON bench.tenants TO charter_app;" >/dev/null
cat > "$work/dml.pgbench" <<SQL
\set n random(1, $TENANTS)
\set v random(1000000, 2000000000)
BEGIN;
SELECT set_config('charter.tenant_id', (SELECT tenant_id::text FROM bench.tenants WHERE n = :n), true);
UPDATE charter.legal_entity SET version = version + 1, updated_at = now() WHERE tenant_id = charter.current_tenant();
INSERT INTO charter.dml_ledger (tenant_id, version, name, checksum) VALUES (charter.current_tenant(), :v, 'bench', 'ab');
COMMIT;
SQL
charter_rates=() pgbench_rates=()
for round in 1 2 3; do
  files=()
  for v in $(seq 1 "$round"); do files+=("dml/000${v}_touch_entities.sql" "$(touch_dml)"); done
  migrations_with "$work/m$round" "${files[@]}"
  start=$(now)
  $bin --migrations "$work/m$round" migrate apply --jobs 1 --tenant-jobs 4 >/dev/null
  seconds=$(elapsed "$start" "$(now)")
  rate=$(python3 -c "print(f'{$TENANTS / $seconds:.0f}')")
  tps=$(pgbench -n -c 4 -j 2 -t $((TENANTS / 4)) -M prepared -f "$work/dml.pgbench" "$app_url" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3; exit}')
  # pgbench's ledger rows are not migrations Charter knows: remove them.
  sql "$base_url/$shared" "DELETE FROM charter.dml_ledger WHERE name = 'bench'" >/dev/null
  echo "round $round: charter migrate apply ${seconds}s = ${rate} tenants/s; pgbench ${tps} tenant transactions/s"
  charter_rates+=("$rate") pgbench_rates+=("$tps")
done
c=$(median "${charter_rates[@]}"); p=$(median "${pgbench_rates[@]}")
echo "median: charter ${c} tenants/s, pgbench ${p}/s, charter/pgbench = $(python3 -c "print(f'{$c / $p:.2f}')")"
sql "$base_url/$shared" "DROP SCHEMA bench CASCADE" >/dev/null

echo; echo "## 2. charter migrate plan, nothing to do, $TENANTS tenants in 5 databases"
export CHARTER_DATABASE_URL=$(control b)
$bin bench populate --tenants "$TENANTS" --databases 5 --entities 0 --concurrency 8
$bin migrate plan >/dev/null
times=()
for i in 1 2 3 4 5; do
  start=$(now); $bin migrate plan >/dev/null; times+=("$(elapsed "$start" "$(now)")")
done
echo "plan runs (s): ${times[*]}; median $(median "${times[@]}") s (the whole command, start-up included)"

echo; echo "## 3. $BASELINE tenants: shared vs schema per tenant vs database per tenant"
serve_on() { # control url → starts charter serve, sets server_pid and KEY
  CHARTER_DATABASE_URL=$1 CHARTER_DB_IDLE_TIMEOUT_MS=1000 $bin serve --listen "127.0.0.1:$PORT" >/dev/null &
  server_pid=$!
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/livez" >/dev/null && break; sleep 0.1; done
}
stop_server() { kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=; }
migration_pair=("ddl/0003_add_note.sql" "ALTER TABLE legal_entity ADD COLUMN note text;"
                "dml/0001_fill_note.sql" "$(printf -- "-- requires: ddl 0003\nUPDATE charter.tenant SET slug = slug WHERE tenant_id = charter.current_tenant();")")
migrations_with "$work/baseline" "${migration_pair[@]}"

# Shared (Charter's model).
export CHARTER_DATABASE_URL=$(control shared)
key=$($bin admin-key create --name bench 2>/dev/null)
serve_on "$CHARTER_DATABASE_URL"
start=$(now)
$bin bench onboarding --api "http://127.0.0.1:$PORT" --key "$key" --shared "$BASELINE" --dedicated 0
shared_onboard=$(elapsed "$start" "$(now)")
stop_server
start=$(now); $bin --migrations "$work/baseline" migrate apply >/dev/null; shared_migrate=$(elapsed "$start" "$(now)")
shared_disk=$(sql "$server_url" "SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname LIKE 'charter_${run}_shared_%'")
echo "shared: onboarding ${shared_onboard}s in all, migration ${shared_migrate}s, disk $((shared_disk / 1048576)) MiB"

# A schema per tenant (the same tables, without row-level security), in one database.
sql "$server_url" "CREATE DATABASE charter_${run}_schemas" >/dev/null
schemas="$base_url/charter_${run}_schemas"
python3 - "$BASELINE" > "$work/schemas.sql" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    s = f"t{i:05}"
    print(f"""BEGIN;
CREATE SCHEMA {s};
CREATE TABLE {s}.tenant (tenant_id uuid PRIMARY KEY, slug text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), write_frozen boolean NOT NULL DEFAULT false);
CREATE TABLE {s}.dml_ledger (tenant_id uuid NOT NULL REFERENCES {s}.tenant, version integer NOT NULL, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, version));
CREATE TABLE {s}.legal_entity (tenant_id uuid NOT NULL REFERENCES {s}.tenant, id uuid NOT NULL, legal_name text NOT NULL CHECK (length(legal_name) BETWEEN 1 AND 500), jurisdiction text, version bigint NOT NULL DEFAULT 1, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (tenant_id, id));
INSERT INTO {s}.tenant (tenant_id, slug) VALUES (gen_random_uuid(), '{s}');
COMMIT;""")
PY
python3 - "$BASELINE" > "$work/schemas-migrate.sql" <<'PY'
import sys
for i in range(int(sys.argv[1])):
    s = f"t{i:05}"
    print(f"""BEGIN;
ALTER TABLE {s}.legal_entity ADD COLUMN note text;
UPDATE {s}.tenant SET slug = slug;
INSERT INTO {s}.dml_ledger (tenant_id, version, name, checksum) SELECT tenant_id, 1, 'fill_note', 'ab' FROM {s}.tenant;
COMMIT;""")
PY
start=$(now); psql "$schemas" -q -f "$work/schemas.sql" >/dev/null; schema_onboard=$(elapsed "$start" "$(now)")
start=$(now); psql "$schemas" -q -f "$work/schemas-migrate.sql" >/dev/null; schema_migrate=$(elapsed "$start" "$(now)")
schema_disk=$(sql "$server_url" "SELECT pg_database_size('charter_${run}_schemas')")
echo "schema per tenant: onboarding ${schema_onboard}s in all (one psql session), migration ${schema_migrate}s, disk $((schema_disk / 1048576)) MiB"

# A database per tenant (Charter's dedicated placement).
if [ -z "${SKIP_DB_PER_TENANT:-}" ]; then
  export CHARTER_DATABASE_URL=$(control dbs)
  key=$($bin admin-key create --name bench 2>/dev/null)
  serve_on "$CHARTER_DATABASE_URL"
  start=$(now)
  $bin bench onboarding --api "http://127.0.0.1:$PORT" --key "$key" --shared 0 --dedicated "$BASELINE"
  db_onboard=$(elapsed "$start" "$(now)")
  stop_server
  start=$(now); $bin --migrations "$work/baseline" migrate apply --jobs 2 >/dev/null; db_migrate=$(elapsed "$start" "$(now)")
  db_disk=$(sql "$server_url" "SELECT sum(pg_database_size(datname)) FROM pg_database WHERE datname LIKE 'charter_${run}_dbs%'")
  echo "database per tenant: onboarding ${db_onboard}s in all, migration ${db_migrate}s, disk $((db_disk / 1048576)) MiB"
fi

echo; echo "## 4. Moving a tenant holding $MOVE_ENTITIES entities"
export CHARTER_DATABASE_URL=$(control move)
$bin bench seed --slug mover --entities "$MOVE_ENTITIES" --json >/dev/null
first=$(sql "$CHARTER_DATABASE_URL" "SELECT name FROM control.databases ORDER BY created_at LIMIT 1")
$bin db add --kind dedicated --url "$base_url/charter_${run}_move_ded" >/dev/null
freezes=()
for target in "charter_${run}_move_ded" "$first" "charter_${run}_move_ded"; do
  report=$($bin tenant move mover --to "$target" --grace-ms 0 --json)
  freeze=$(echo "$report" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["freeze_ms"])')
  echo "move to $target: writes frozen ${freeze} ms ($(echo "$report" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["rows_copied"], "rows copied,", r["rows_caught_up"], "caught up")'))"
  freezes+=("$freeze")
done
echo "median freeze: $(median "${freezes[@]}") ms"
