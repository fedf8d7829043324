#!/usr/bin/env bash
# A private MariaDB for `make up` and `make bench` (the tests start theirs from test/support).
#   scripts/mariadb.sh start <datadir> <port> <socket> <logdir>   initialise once, start, create db + user; prints the pid
# Durable settings: innodb_flush_log_at_trx_commit=1, sync_binlog=1, binlog on (ROW), as the
# multi-DC replication will need.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/usr/local/sbin"
cmd=${1:?start}; DATADIR=${2:?datadir}; PORT=${3:?port}; SOCK=${4:?socket}; LOGS=${5:?logdir}
[ "$cmd" = start ] || { echo "usage: $0 start <datadir> <port> <socket> <logdir>" >&2; exit 2; }
mkdir -p "$LOGS"
if [ ! -d "$DATADIR/mysql" ]; then
  mariadb-install-db --no-defaults --datadir="$DATADIR" --user="$(id -un)" \
    --auth-root-authentication-method=normal --skip-test-db >"$LOGS/mariadb-install.log" 2>&1
fi
mariadbd --no-defaults --datadir="$DATADIR" --port="$PORT" --bind-address=127.0.0.1 --socket="$SOCK" \
  --pid-file="$DATADIR/mariadbd.pid" --log-error="$LOGS/mariadb.err" --user="$(id -un)" \
  --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
  --innodb-flush-log-at-trx-commit=1 --sync-binlog=1 --log-bin=binlog --binlog-format=ROW \
  --server-id=1 --gtid-domain-id=1 --max-connections=500 --innodb-buffer-pool-size="${DB_BUFFER_POOL:-1G}" ${MARIADB_EXTRA:-} \
  >/dev/null 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 120); do mariadb --no-defaults -S "$SOCK" -u root -e 'select 1' >/dev/null 2>&1 && break; sleep 0.25; done
mariadb --no-defaults -S "$SOCK" -u root <<SQL
CREATE DATABASE IF NOT EXISTS meridian CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'meridian'@'%' IDENTIFIED BY 'meridian';
GRANT ALL ON meridian.* TO 'meridian'@'%';
SQL
echo "$pid"
