import 'reflect-metadata';
import { newId } from '@meridian/dc';
import { ConfigError, DbEnv, loadEnv } from './config/app-config';
import { createTypeOrmDataSource, mysqlPoolOf } from './database/data-source';
import { PoolDataSource } from './database/sql';
import { PasswordHasher } from './accounts/password-hasher';
import { BENCH_SHAPE, CatalogShape, DEMO_SHAPE, seedCatalog, seedStock } from './seed/catalog-seed';

const USAGE = `usage: cli <command>
  migrate [--local]       apply pending schema migrations; --local: to this DC's database only, not binlogged
                          (every DC of a replicated topology migrates its own; needs a user allowed to skip the binlog)
  seed demo|bench         load the demo (1,200 products) or benchmark (60 products) catalog, if the catalog is empty
  seed stock              give this DC a stock allocation row (STOCK_UNITS, default 1000) for every variant lacking one
  create-admin            create the admin account ADMIN_EMAIL / ADMIN_PASSWORD unless it exists
  setup demo|bench        all three, in that order
environment: DC_ID, DB_HOST, DB_PORT or DB_SOCKET, DB_USER, DB_PASSWORD, DB_NAME; STOCK_DCS (default: DC_ID)`;

async function main(argv: string[]): Promise<void> {
  const [command, arg] = argv;
  const local = argv.includes('--local');
  if (!command || !['migrate', 'seed', 'create-admin', 'setup'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  const env = loadEnv(DbEnv);
  const ds = await createTypeOrmDataSource({ host: env.DB_HOST, port: env.DB_PORT, socketPath: env.DB_SOCKET,
    user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME, poolSize: local ? 1 : 2 }).initialize();
  // one connection, so the session setting holds for every statement of the migrations
  if (local) await ds.query('SET sql_log_bin = 0');
  const db = new PoolDataSource(env.DC_ID, 'local', mysqlPoolOf(ds));
  try {
    if (command === 'migrate' || command === 'setup') {
      const done = await ds.runMigrations({ transaction: 'each' });
      say(`migrations: ${done.length} applied`);
    }
    if (command === 'seed' && arg === 'stock') {
      const units = Number(process.env.STOCK_UNITS ?? DEMO_SHAPE.stock);
      if (!Number.isInteger(units) || units < 0) throw new ConfigError('STOCK_UNITS must be a whole number of units');
      say(`stock: ${await seedStock(db, env.DC_ID, units)} allocation rows added for DC ${env.DC_ID}`);
    } else if (command === 'seed' || command === 'setup') {
      const shape: CatalogShape | undefined = { demo: DEMO_SHAPE, bench: BENCH_SHAPE }[arg ?? ''];
      if (!shape) throw new ConfigError(`seed needs "demo" or "bench"\n${USAGE}`);
      const [{ n }] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM product');
      if (Number(n) > 0) {
        say(`catalog: already has ${n} products, left as it is`);
      } else {
        const dcs = (process.env.STOCK_DCS ?? env.DC_ID).split(',').map((s) => s.trim()).filter(Boolean);
        const r = await seedCatalog(db, env.DC_ID, dcs, shape);
        say(`catalog: ${r.products} products, ${r.variants} variants in ${r.categories} categories`);
      }
    }
    if (command === 'create-admin' || command === 'setup') {
      const email = (process.env.ADMIN_EMAIL ?? 'admin@meridian.local').toLowerCase();
      const password = process.env.ADMIN_PASSWORD ?? 'meridian-admin-password';
      const exists = await db.query('SELECT 1 FROM account WHERE email = ?', [email]);
      if (exists.length > 0) {
        say(`admin: ${email} exists`);
      } else {
        await db.execute(`INSERT INTO account (id, email, password_hash, name, role, home_dc) VALUES (?, ?, ?, 'Administrator', 'admin', ?)`,
          [newId(env.DC_ID), email, await new PasswordHasher().hash(password), env.DC_ID]);
        say(`admin: created ${email}`);
      }
    }
  } finally {
    await ds.destroy();
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
