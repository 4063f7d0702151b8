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
source scripts/lib/bench.sh
bench_setup charter_own

export CHARTER_KEY=$($bin admin-key create --name "bench-$$" 2>/dev/null)
bench_serve "$PORT"

$bin bench ownership --api "http://127.0.0.1:$PORT" --entities "$ENTITIES" --ledger "$LEDGER" \
  --gleif-records "$GLEIF_RECORDS" --requests "$REQUESTS" ${JSON:+--json}
