#!/usr/bin/env bash
# add-item's SQL against a durable MariaDB of its own (same settings as make bench), without the API.
# Extra mariadbd options to compare (e.g. --transaction-isolation=READ-COMMITTED): MARIADB_EXTRA.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/meridian-replay-XXXXXX")"
DB_PID="$(node bench/mariadb.js "$WORK/db" "${REPLAY_DB_PORT:-3431}" "$WORK/db.sock" "$WORK/logs")"
trap 'kill "$DB_PID" 2>/dev/null; while kill -0 "$DB_PID" 2>/dev/null; do sleep 0.2; done; rm -rf "$WORK"' EXIT
env DC_ID=a DB_SOCKET="$WORK/db.sock" DB_USER=meridian_migrate DB_PASSWORD=meridian-migrate DB_NAME=meridian node dist/apps/commerce-api/src/cli.js migrate >/dev/null
env DC_ID=a DB_SOCKET="$WORK/db.sock" DB_USER=meridian DB_PASSWORD=meridian DB_NAME=meridian node dist/apps/commerce-api/src/cli.js setup bench >/dev/null
node bench/sql-replay.js "$WORK/db.sock" "$DB_PID"
