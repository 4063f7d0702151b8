# The set-up the bench scripts share; sourced from the repository's root.
#
# bench_setup PREFIX: PostgreSQL running ($server_url), the release binary
# built ($bin), a fresh control database PREFIX_<pid> ($control_db, exported
# as CHARTER_DATABASE_URL; CONTROL_DB=name reuses a kept one), and on exit
# the server stopped and every database of the run dropped (KEEP=1 keeps
# them for a look at the plans or another run).
bench_setup() {
  server_url=$(scripts/ensure-postgres | tail -n 1)
  cargo build --release -q -p charter
  bin=target/release/charter
  control_db="${CONTROL_DB:-${1}_$$}"
  if ! psql "$server_url" -Atc "SELECT 1 FROM pg_database WHERE datname = '$control_db'" | grep -q 1; then
    psql "$server_url" -qc "CREATE DATABASE $control_db"
  fi
  export CHARTER_DATABASE_URL="${server_url%/*}/$control_db" CHARTER_LOG=warn
  trap bench_cleanup EXIT
}

bench_cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null; fi
  if [ "${KEEP:-0}" != 0 ]; then echo "kept: databases ${control_db}* (CONTROL_DB=$control_db reuses them)" >&2; return; fi
  for db in $(psql "$server_url" -Atc "SELECT datname FROM pg_database WHERE datname LIKE '${control_db}%'"); do
    psql "$server_url" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
  done
}

# bench_serve PORT: `charter serve` in the background ($server_pid), once it answers.
bench_serve() {
  $bin serve --listen "127.0.0.1:$1" >/dev/null &
  server_pid=$!
  for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$1/livez" >/dev/null && break; sleep 0.2; done
}
