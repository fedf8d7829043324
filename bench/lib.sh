# Shared by the bench scripts (sourced): the commit measured, our processes, one commerce-api on its own MariaDB.

# record_commit DIR: the commit measured, and whether the tree had changes
record_commit() {
  echo "$(git rev-parse --short HEAD)$(git status --porcelain -- apps libs bench | grep -q . && echo ' (with uncommitted changes)')" > "$1/commit.txt"
}

# every process the script started, stopped in reverse order by its pid
pids=()
stop_ours() {
  for ((i=${#pids[@]}-1; i>=0; i--)); do kill "${pids[i]}" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.2; done; done
}

# start_shop WORK DB_PORT API_PORT [VAR=value ...]: a durable MariaDB (binlog on) in WORK/db, the schema and the
# bench catalog, then one commerce-api (production settings, MariaDB over its socket) with the extra settings;
# sets DB_PID, API_PID, exports API_URL. Meridian's settings go to Meridian's processes only (peer kits read the same names).
start_shop() {
  local work="$1" db_port="$2" api_port="$3"
  shift 3
  mkdir -p "$work/logs"
  echo "== MariaDB (durable: flush_log_at_trx_commit=1, sync_binlog=1, binlog ROW)"
  DB_PID="$(node bench/mariadb.js "$work/db" "$db_port" "$work/db.sock" "$work/logs")"
  pids+=("$DB_PID")
  local meridian=(env DC_ID=a DB_HOST=127.0.0.1 DB_PORT="$db_port" DB_SOCKET="$work/db.sock" DB_USER=meridian DB_PASSWORD=meridian DB_NAME=meridian "$@")
  # the schema as the migration user (socket only; the app user has no DDL rights), then the catalog as the app
  "${meridian[@]}" DB_USER=meridian_migrate DB_PASSWORD=meridian-migrate node dist/apps/commerce-api/src/cli.js migrate
  "${meridian[@]}" node dist/apps/commerce-api/src/cli.js setup bench
  echo "== commerce-api (one process, production settings: access log on; MariaDB over its Unix socket)"
  "${meridian[@]}" JWT_SECRET="bench-secret-bench-secret-bench-secret" PORT="$api_port" NODE_ENV=production \
    node dist/apps/commerce-api/src/main.js > "$work/logs/api.log" 2>&1 &
  API_PID=$!
  pids+=("$API_PID")
  for _ in $(seq 1 100); do node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$api_port/health/ready" && break; sleep 0.2; done
  export API_URL="http://127.0.0.1:$api_port" API_PID DB_PID
}
