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
echo "$(git rev-parse --short HEAD)$(git status --porcelain -- apps libs bench | grep -q . && echo ' (with uncommitted changes)')" > "$OUT/commit.txt"
pids=()
stop_ours() {
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
}
trap 'stop_ours; rm -rf "$WORK"' EXIT

DB_PID="$(node bench/mariadb.js "$WORK/db" "$DB_PORT" "$WORK/db.sock" "$WORK/logs")"
pids+=("$DB_PID")
PATH="$PATH:/usr/sbin" redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --dir "$WORK" > "$WORK/logs/redis.log" 2>&1 &
pids+=("$!")
meridian=(env DC_ID=a DB_HOST=127.0.0.1 DB_PORT="$DB_PORT" DB_SOCKET="$WORK/db.sock" DB_USER=meridian DB_PASSWORD=meridian DB_NAME=meridian
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT")
"${meridian[@]}" DB_USER=meridian_migrate DB_PASSWORD=meridian-migrate node dist/apps/commerce-api/src/cli.js migrate
"${meridian[@]}" node dist/apps/commerce-api/src/cli.js setup bench
"${meridian[@]}" JWT_SECRET="bench-secret-bench-secret-bench-secret" PORT="$API_PORT" NODE_ENV=production \
  node dist/apps/commerce-api/src/main.js > "$WORK/logs/api.log" 2>&1 &
API_PID=$!
pids+=("$API_PID")
for _ in $(seq 1 100); do node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$API_PORT/health/deep" && break; sleep 0.2; done
export API_URL="http://127.0.0.1:$API_PORT" API_PID DB_PID

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
