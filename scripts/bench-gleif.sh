#!/usr/bin/env bash
# The GLEIF import figures for docs/benchmarks.md: a fresh control plane,
# then `charter bench gleif` imports RECORDS records into a new tenant, then
# REPEAT times each the same again and a delta with CHANGED_PCT % changed.
# Usage: scripts/bench-gleif.sh   (RECORDS, CHANGED_PCT, REPEAT, JSON, KEEP)
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-20000} CHANGED_PCT=${CHANGED_PCT:-5} REPEAT=${REPEAT:-5}
server_url=$(scripts/ensure-postgres | tail -n 1)
cargo build --release -q -p charter
bin=target/release/charter

control_db="charter_gleif_$$"
psql "$server_url" -qc "CREATE DATABASE $control_db"
export CHARTER_DATABASE_URL="${server_url%/*}/$control_db" CHARTER_LOG=warn
cleanup() {
  # KEEP=1 leaves the databases for a look at the plans (drop them by hand).
  [ -n "${KEEP:-}" ] && { echo "kept: databases ${control_db}*" >&2; return; }
  for db in $(psql "$server_url" -Atc "SELECT datname FROM pg_database WHERE datname LIKE '${control_db}%'"); do
    psql "$server_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
  done
}
trap cleanup EXIT

$bin bench gleif --records "$RECORDS" --changed-pct "$CHANGED_PCT" --repeat "$REPEAT" ${JSON:+--json}
