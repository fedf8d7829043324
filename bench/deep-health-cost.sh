#!/usr/bin/env bash
# What deep-health polling costs the shop (issue 18): one commerce-api on a durable MariaDB and a
# Redis (its job queue), the product and checkout scenarios without and with two pollers asking
# /health/deep twice a second each (what a DC's two aggregators do), interleaved SETS times, and the
# deep health's own latency under that load. Prints every run; JSON in bench/results/deep-health-<time>/.
# env: SETS (2) DURATION (15) WARMUP (5)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export DURATION="${DURATION:-15}" WARMUP="${WARMUP:-5}"
SETS="${SETS:-2}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="$ROOT/bench/results/deep-health-$STAMP"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/meridian-deep-bench-XXXXXX")"
DB_PORT="${BENCH_DB_PORT:-3417}" API_PORT="${BENCH_API_PORT:-3101}" REDIS_PORT="${BENCH_REDIS_PORT:-3479}"
mkdir -p "$OUT" "$WORK/logs"
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
record_commit "$OUT"
trap 'stop_ours; rm -rf "$WORK"' EXIT
PATH="$PATH:/usr/sbin" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" > "$WORK/logs/redis.log" 2>&1 &
pids+=("$!")
start_shop "$WORK" "$DB_PORT" "$API_PORT" REDIS_URL="redis://127.0.0.1:$REDIS_PORT"

run() { # scenario polled set
  local s="$1" polled="$2" set="$3" poll_pid=""
  if [[ "$polled" == with ]]; then
    DURATION=$(( DURATION + WARMUP + 10 )) node bench/deep-health-poller.js > "$OUT/$s-poll-$set.json" &
    poll_pid=$!
  fi
  if [[ "$s" == checkout ]]; then node bench/flow-bench.js checkout > "$OUT/$s-$polled-$set.json"; else node bench/http-bench.js "$s" > "$OUT/$s-$polled-$set.json"; fi
  [[ -z "$poll_pid" ]] || { kill -TERM "$poll_pid" 2>/dev/null || true; wait "$poll_pid" || true; }
  node -e '
    const r = require(process.argv[1]);
    const rate = r.reqPerSec ?? r.flowsPerSec, unit = r.reqPerSec !== undefined ? "req/s" : "orders/s";
    const lat = r.latencyMs ?? r.flowLatencyMs;
    console.log(`${process.argv[2].padEnd(9)} ${process.argv[3].padEnd(5)} set ${process.argv[4]}: ${rate} ${unit}, p50 ${lat.p50} ms, p99 ${lat.p99} ms, errors ${r.errors ?? r.failedFlows}, api cpu ${JSON.stringify(r.cpu)}`);
  ' "$OUT/$s-$polled-$set.json" "$s" "$polled" "$set"
}
# the poller's own figures: its whole run (longer than the measured window), under that scenario's load
for set in $(seq 1 "$SETS"); do
  for s in product checkout; do
    if (( set % 2 )); then run "$s" without "$set"; run "$s" with "$set"; else run "$s" with "$set"; run "$s" without "$set"; fi
    echo "   deep health under $s: $(cat "$OUT/$s-poll-$set.json")"
  done
done
echo "(results in $OUT)"
