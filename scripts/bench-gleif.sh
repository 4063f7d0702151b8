#!/usr/bin/env bash
# The GLEIF import figures for docs/benchmarks.md: a fresh control plane,
# then `charter bench gleif` imports RECORDS records into a new tenant, then
# REPEAT times each the same again and a delta with CHANGED_PCT % changed.
# Usage: scripts/bench-gleif.sh   (RECORDS, CHANGED_PCT, REPEAT, JSON, KEEP)
set -euo pipefail
cd "$(dirname "$0")/.."

RECORDS=${RECORDS:-20000} CHANGED_PCT=${CHANGED_PCT:-5} REPEAT=${REPEAT:-5}
source scripts/lib/bench.sh
bench_setup charter_gleif

$bin bench gleif --records "$RECORDS" --changed-pct "$CHANGED_PCT" --repeat "$REPEAT" ${JSON:+--json}
