#!/usr/bin/env bash
# Where one commerce-api process spends its CPU under one scenario: node --cpu-prof for the window,
# then the self time by package and the top functions.   bench/profile.sh <list|product|add-item|add-item-new>
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
SCENARIO="${1:?scenario}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/meridian-profile-XXXXXX")"
DB_PID="$(node bench/mariadb.js "$WORK/db" "${PROFILE_DB_PORT:-3432}" "$WORK/db.sock" "$WORK/logs")"
trap 'kill "$DB_PID" 2>/dev/null; while kill -0 "$DB_PID" 2>/dev/null; do sleep 0.2; done; rm -rf "$WORK"' EXIT
meridian=(env DC_ID=a DB_SOCKET="$WORK/db.sock" DB_USER=meridian DB_PASSWORD=meridian DB_NAME=meridian)
"${meridian[@]}" DB_USER=meridian_migrate DB_PASSWORD=meridian-migrate node dist/apps/commerce-api/src/cli.js migrate >/dev/null
"${meridian[@]}" node dist/apps/commerce-api/src/cli.js setup bench >/dev/null
"${meridian[@]}" JWT_SECRET=profile-secret-profile-secret-profile PORT="${PROFILE_API_PORT:-3106}" \
  node --cpu-prof --cpu-prof-dir="$WORK/prof" dist/apps/commerce-api/src/main.js >/dev/null 2>&1 &
API=$!
for _ in $(seq 1 100); do node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:${PROFILE_API_PORT:-3106}/health/ready" && break; sleep 0.2; done
API_URL="http://127.0.0.1:${PROFILE_API_PORT:-3106}" DURATION="${DURATION:-6}" WARMUP=1 node bench/http-bench.js "$SCENARIO" >/dev/null
kill -TERM "$API"; wait "$API" || true
node bench/profile-top.js "$WORK"/prof/*.cpuprofile
