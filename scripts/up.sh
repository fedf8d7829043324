#!/usr/bin/env bash
# `make up`: one DC on this machine. Starts a private MariaDB (data kept in .data/, binlog on),
# applies migrations, loads the demo catalog once, starts commerce-api, and stops both on Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
export PATH="$PATH:/usr/sbin:/usr/local/sbin"

DC_ID="${DC_ID:-a}"
DB_PORT="${MERIDIAN_DB_PORT:-3406}"
API_PORT="${MERIDIAN_API_PORT:-3000}"
DATA="$ROOT/.data"
DATADIR="$DATA/mariadb"
LOGS="$DATA/logs"
# a unix socket path must stay short: keep it in the temp folder, named after this checkout
SOCK="${TMPDIR:-/tmp}/meridian-$(printf '%s' "$ROOT" | md5sum | cut -c1-10).sock"
mkdir -p "$DATA" "$LOGS"

[ -f "$DATA/jwt-secret" ] || head -c 48 /dev/urandom | base64 | tr -d '\n/+=' > "$DATA/jwt-secret"

pids=()
stop() {
  trap - INT TERM EXIT
  echo
  echo "== stopping"
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
  echo "stopped; data kept in .data/ (make up again to resume)"
}
trap stop EXIT
trap 'exit 0' INT TERM

echo "== starting MariaDB on 127.0.0.1:$DB_PORT (data in .data/mariadb)"
DB_BUFFER_POOL=256M scripts/mariadb.sh start "$DATADIR" "$DB_PORT" "$SOCK" "$LOGS" > "$DATA/mariadb.launcher"
pids+=("$(cat "$DATA/mariadb.launcher")")

# the local database over its Unix socket: loopback TCP makes every write run the TCP stack twice
export DC_ID DB_HOST=127.0.0.1 DB_PORT DB_SOCKET="$SOCK" DB_USER=meridian DB_PASSWORD=meridian DB_NAME=meridian
export JWT_SECRET="$(cat "$DATA/jwt-secret")" PORT="$API_PORT" HOST="${HOST:-127.0.0.1}"
node dist/apps/commerce-api/src/cli.js setup demo

echo "== starting commerce-api (logs: .data/logs/commerce-api.log)"
node dist/apps/commerce-api/src/main.js >>"$LOGS/commerce-api.log" 2>&1 &
pids+=($!)
ready() { node -e 'fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "http://127.0.0.1:$API_PORT/health/ready"; }
for _ in $(seq 1 120); do ready && break; kill -0 "${pids[1]}" 2>/dev/null || break; sleep 0.25; done
ready || { echo "commerce-api did not become ready; see .data/logs/commerce-api.log"; tail -20 "$LOGS/commerce-api.log"; exit 1; }

URL="http://127.0.0.1:$API_PORT"
cat <<EOT

Meridian is up: DC "$DC_ID", commerce-api at $URL/api (MariaDB on 127.0.0.1:$DB_PORT)
  OpenAPI:  $URL/api/docs
  health:   $URL/health/ready     metrics: $URL/metrics
  admin:    admin@meridian.local / meridian-admin-password

Try:
  curl -s '$URL/api/products?pageSize=2&q=jacket'
  curl -s -c /tmp/meridian.jar -H 'content-type: application/json' \\
       -d "{\"variantId\":\"\$(curl -s '$URL/api/products?pageSize=1' | sed -E 's/.*\"variants\":\\[\\{\"id\":\"([^\"]+)\".*/\\1/')\",\"quantity\":1}" $URL/api/cart/items
  curl -s -b /tmp/meridian.jar -H 'content-type: application/json' -H 'Idempotency-Key: my-first-order' \\
       -d '{"email":"me@example.com","shippingMethod":"standard","shippingAddress":{"fullName":"Ada Lovelace","line1":"1 Main St","city":"London","postalCode":"N1 7AA","countryCode":"GB"}}' \\
       $URL/api/checkout

Ctrl-C stops everything.
EOT
wait "${pids[1]}"
