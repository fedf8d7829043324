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
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
record_commit "$OUT"
trap 'stop_ours; rm -rf "$WORK"' EXIT
start_shop "$WORK" "$DB_PORT" "$API_PORT"

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
