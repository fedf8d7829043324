#!/usr/bin/env node
// A private MariaDB for the benchmarks, started exactly as regionctl starts a DC's database
// (apps/regionctl/src/db/mariadb-node.ts: durable commits, ROW binlog, GTIDs), as DC a, with the
// shop's database and app user (meridian / meridian). Needs the build (dist/).
//   node bench/mariadb.js <datadir> <port> <socket> <logdir>   prints mariadbd's pid; the server keeps running
// env: DB_BUFFER_POOL (1G), MARIADB_EXTRA (more mariadbd options, separated by spaces, for experiments)
const { spawn } = require('child_process');
const path = require('path');
const { MariaDbNode } = require(path.join(__dirname, '../dist/apps/regionctl/src/db/mariadb-node'));

async function main() {
  const [dataDir, port, socket, logDir] = process.argv.slice(2);
  if (!logDir) throw new Error('usage: node bench/mariadb.js <datadir> <port> <socket> <logdir>');
  const node = new MariaDbNode({
    dc: 'a', serverId: 1, gtidDomainId: 1, host: '127.0.0.1', port: Number(port), dataDir: path.resolve(dataDir),
    socket: path.resolve(socket), logDir: path.resolve(logDir), bufferPool: process.env.DB_BUFFER_POOL || '1G',
    extraArgs: (process.env.MARIADB_EXTRA || '').split(/\s+/).filter(Boolean),
    // the server outlives this script: the benchmark stops it by its pid
    spawner: (command, args, options) => {
      const child = spawn(command, args, { ...options, detached: true, stdio: 'ignore' });
      child.unref();
      return child;
    },
  });
  await node.start();
  await node.createAppDatabase();
  console.log(node.pid);
}

main().then(() => process.exit(0), (err) => { console.error(err.message); process.exit(1); });
