#!/usr/bin/env node
// add-item's exact SQL straight against MariaDB (no HTTP, no Nest): what the database alone allows.
//   node bench/sql-replay.js <socket> <mariadbd pid>      (used by bench/sql-replay.sh)
// Needs the build (make build). Prints one line per statement form: rate, p50/p99, MariaDB CPU.
const fs = require('fs');
const path = require('path');
const dist = path.join(__dirname, '../dist');
const { createTypeOrmDataSource, mysqlPoolOf } = require(`${dist}/apps/commerce-api/src/database/data-source`);
const { PoolDataSource } = require(`${dist}/apps/commerce-api/src/database/sql`);
const { CartRepository } = require(`${dist}/apps/commerce-api/src/cart/cart.repository`);
const { newId } = require(`${dist}/libs/dc/src`);

const cpu = (pid) => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8'); const a = f.slice(f.lastIndexOf(')') + 2).split(' '); return (Number(a[11]) + Number(a[12])) / 100; };
const [socketPath, pid] = [process.argv[2], Number(process.argv[3])];
const SECONDS = Number(process.env.DURATION || 6);
const CONNECTIONS = Number(process.env.CONNECTIONS || 10);

(async () => {
  const ds = await createTypeOrmDataSource({ host: '127.0.0.1', port: 3306, socketPath, user: 'meridian', password: 'meridian', database: 'meridian', poolSize: CONNECTIONS }).initialize();
  const db = new PoolDataSource('a', 'local', mysqlPoolOf(ds));
  const repo = new CartRepository();
  const variants = (await db.query('SELECT id FROM variant ORDER BY id')).map((r) => r.id);
  const carts = [];
  for (let i = 0; i < 500; i++) {
    const id = newId('a');
    carts.push(id);
    await repo.createWithLine(db, { id, lineId: newId('a'), ownerDc: 'a', currency: 'USD' }, variants[(i * 7) % variants.length], 1, 'a');
  }
  const ref = (c) => ({ guestCartId: c });
  const forms = {
    'add-item as served (write + cart read, one batch)': (c, v) => repo.run(db, ref(c), 'a', repo.addLine(ref(c), newId('a'), v, 1)),
    'the write alone (INSERT ... SELECT ... ON DUPLICATE KEY)': (c, v) => db.batch([repo.addLine(ref(c), newId('a'), v, 1)]),
    'a plain UPDATE of the line': (c, v) => db.batch([{ sql: 'UPDATE cart_line SET quantity = LEAST(quantity + 1, 999) WHERE cart_id = ? AND variant_id = ?', params: [c, v] }]),
    'the cart read alone': (c) => repo.run(db, ref(c), 'a'),
  };
  for (const [name, op] of Object.entries(forms)) {
    let n = 0; let k = 0; const lat = []; const end = Date.now() + SECONDS * 1000; const c0 = cpu(pid);
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < end) {
        const j = k++; const s = j % 500; const t = performance.now();
        await op(carts[s], variants[(s * 7 + (Math.floor(j / 500) % 3)) % variants.length]);
        lat.push(performance.now() - t); n++;
      }
    }));
    lat.sort((a, b) => a - b);
    const dbCpu = cpu(pid) - c0;
    console.log(`${name}: ${(n / SECONDS).toFixed(0)}/s, p50 ${lat[lat.length >> 1].toFixed(2)} ms, p99 ${lat[Math.floor(lat.length * 0.99)].toFixed(2)} ms, MariaDB ${((dbCpu / SECONDS) * 100).toFixed(0)} % CPU (${((dbCpu / n) * 1000).toFixed(3)} ms per operation)`);
  }
  await ds.destroy();
})().catch((e) => { console.error(e); process.exit(1); });
