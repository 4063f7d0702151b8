#!/usr/bin/env bash
# The share-capital figures for docs/benchmarks.md, in one run: a fresh
# control plane and `charter serve`, then `charter bench ownership` loads a
# group of ENTITIES entities with 3 holdings each and a LEDGER-transaction
# ledger into a new tenant, times the ownership endpoints one request at a
# time, and times a GLEIF import of GLEIF_RECORDS records.
# Usage: scripts/bench-ownership.sh   (ENTITIES, LEDGER, GLEIF_RECORDS, REQUESTS, PORT, JSON, KEEP)
set -euo pipefail
cd "$(dirname "$0")/.."

ENTITIES=${ENTITIES:-10000} LEDGER=${LEDGER:-50000} GLEIF_RECORDS=${GLEIF_RECORDS:-20000}
REQUESTS=${REQUESTS:-100} PORT=${PORT:-18185}
server_url=$(scripts/ensure-postgres | tail -n 1)
cargo build --release -q -p charter
bin=target/release/charter

control_db="charter_own_$$"
psql "$server_url" -qc "CREATE DATABASE $control_db"
export CHARTER_DATABASE_URL="${server_url%/*}/$control_db" CHARTER_LOG=warn
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  # KEEP=1 leaves the databases for a look at the plans (drop them by hand).
  [ -n "${KEEP:-}" ] && { echo "kept: databases ${control_db}*" >&2; return; }
  for db in $(psql "$server_url" -Atc "SELECT datname FROM pg_database WHERE datname LIKE '${control_db}%'"); do
    psql "$server_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
  done
}
trap cleanup EXIT

export CHARTER_KEY=$($bin admin-key create --name "bench-$$" 2>/dev/null)
$bin serve --listen "127.0.0.1:$PORT" >/dev/null &
server_pid=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$PORT/livez" >/dev/null && break; sleep 0.2; done

$bin bench ownership --api "http://127.0.0.1:$PORT" --entities "$ENTITIES" --ledger "$LEDGER" \
  --gleif-records "$GLEIF_RECORDS" --requests "$REQUESTS" ${JSON:+--json}
