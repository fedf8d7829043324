#!/usr/bin/env bash
# `make bench`: one sitting, side by side. Runs the peer kit's five scenarios (plus an account
# flow and the single-connection runs) against one commerce-api process on its own durable
# MariaDB (binlog on), measures the node:http ceiling, then runs the Vendure peer kit with the
# same windows, and writes the table into docs/benchmarks.md.
# env: DURATION (15) WARMUP (5) VENDURE_KIT (../shared/peers/vendure; empty to skip) SKIP_VENDURE=1
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export DURATION="${DURATION:-15}" WARMUP="${WARMUP:-5}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/$STAMP"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/meridian-bench-XXXXXX")"
DB_PORT="${BENCH_DB_PORT:-3416}" API_PORT="${BENCH_API_PORT:-3100}" CEILING_PORT="${BENCH_CEILING_PORT:-3199}"
mkdir -p "$OUT"
echo "$(git rev-parse --short HEAD)$(git status --porcelain -- apps libs bench | grep -q . && echo ' (with uncommitted changes)')" > "$OUT/commit.txt"
pids=()
stop_ours() {
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
}
trap 'stop_ours; rm -rf "$WORK"' EXIT

echo "== MariaDB (durable: flush_log_at_trx_commit=1, sync_binlog=1, binlog ROW)"
DB_PID="$(node bench/mariadb.js "$WORK/db" "$DB_PORT" "$WORK/db.sock" "$WORK/logs")"
pids+=("$DB_PID")
# Meridian's settings go to Meridian's processes only: the peer kit reads variables of the same names
meridian=(env DC_ID=a DB_HOST=127.0.0.1 DB_PORT="$DB_PORT" DB_SOCKET="$WORK/db.sock" DB_USER=meridian DB_PASSWORD=meridian DB_NAME=meridian)
# the schema as the migration user (socket only; the app user has no DDL rights), then the catalog as the app
"${meridian[@]}" DB_USER=meridian_migrate DB_PASSWORD=meridian-migrate node dist/apps/commerce-api/src/cli.js migrate
"${meridian[@]}" node dist/apps/commerce-api/src/cli.js setup bench
echo "== commerce-api (one process, production settings: access log on; MariaDB over its Unix socket)"
"${meridian[@]}" JWT_SECRET="bench-secret-bench-secret-bench-secret" PORT="$API_PORT" NODE_ENV=production \
  node dist/apps/commerce-api/src/main.js > "$WORK/logs/api.log" 2>&1 &
API_PID=$!
pids+=("$API_PID")
for _ in $(seq 1 100); do node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$API_PORT/health/ready" && break; sleep 0.2; done
export API_URL="http://127.0.0.1:$API_PORT" API_PID DB_PID

for s in list product add-item add-item-new; do
  echo "== $s"; node bench/http-bench.js "$s" | tee "$OUT/$s.json"
done
for s in checkout account; do
  echo "== $s"; node bench/flow-bench.js "$s" | tee "$OUT/$s.json"
done
for s in list product add-item; do
  echo "== $s, 1 connection"; CONNECTIONS=1 SESSIONS=100 node bench/http-bench.js "$s" | tee "$OUT/$s-c1.json"
done
echo "== checkout, 1 VU"; VUS=1 node bench/flow-bench.js checkout | tee "$OUT/checkout-c1.json"

echo "== ceiling: bare node:http"
PORT="$CEILING_PORT" node bench/ceiling-server.js > /dev/null &
CEILING_PID=$!
pids+=("$CEILING_PID")
sleep 0.5
API_URL="http://127.0.0.1:$CEILING_PORT" API_PID="$CEILING_PID" DB_PID= node bench/http-bench.js ceiling | tee "$OUT/ceiling.json"
# the peer gets a quiet machine: stop everything of ours first
stop_ours
pids=()
unset API_URL API_PID DB_PID

KIT="${VENDURE_KIT-$ROOT/../shared/peers/vendure}"
if [ "${SKIP_VENDURE:-0}" != 1 ] && [ -n "$KIT" ] && [ -x "$KIT/setup.sh" ]; then
  echo "== Vendure peer kit ($KIT), same windows"
  VWORK="${VENDURE_WORKDIR:-${TMPDIR:-/tmp}/peer-vendure}"
  (cd "$KIT" && WORKDIR="$VWORK" FRESH=1 ./setup.sh && WORKDIR="$VWORK" ./run-bench.sh; rc=$?; WORKDIR="$VWORK" ./stop.sh; exit $rc)
  mkdir -p "$OUT/vendure"
  cp "$(ls -d "$VWORK"/results/2*/ | sort | tail -1)"/*.json "$OUT/vendure/"
else
  echo "== Vendure peer kit not found or skipped: the table will show only Meridian"
fi

node bench/report.js "$OUT" docs/benchmarks.md
echo "== results in $OUT; docs/benchmarks.md updated"
