import 'reflect-metadata';
import { isId, newId } from '@meridian/dc';
import { ConfigError, DbEnv, loadEnv, settingProblems } from './config/app-config';
import { DomainError } from './common/domain-error';
import { idempotencyKey } from './common/idempotency-key';
import { createTypeOrmDataSource, mysqlPoolOf, remoteDataSources } from './database/data-source';
import { OrderDataSourceRouter } from './database/order-data-source.router';
import { PoolDataSource } from './database/pool-data-source';
import { AccountsRepository } from './accounts/accounts.repository';
import { PasswordHasher } from './accounts/password-hasher';
import { StockRepository } from './stock/stock.repository';
import { StockTransfersService } from './stock/stock-transfers.service';
import { DcFenceRepository } from './fencing/dc-fence.repository';
import { OrderRecoveryService } from './orders/order-recovery.service';
import { OrdersRepository } from './orders/orders.repository';
import { CartRepository } from './cart/cart.repository';
import { IdempotencyKeysRepository } from './idempotency/idempotency-keys.repository';
import { BENCH_SHAPE, CatalogShape, catalogSize, DEMO_SHAPE, seedCatalog, seedStock } from './seed/catalog-seed';

const USAGE = `usage: cli <command>
  migrate [--local]       apply pending schema migrations; --local: to this DC's database only, not binlogged
                          (every DC of a replicated topology migrates its own; needs a user allowed to skip the binlog)
  seed demo|bench         load the demo (1,200 products) or benchmark (60 products) catalog, if the catalog is empty
  seed stock              give this DC a stock allocation row (STOCK_UNITS, default 1000) for every variant lacking one
  create-admin            create the admin account ADMIN_EMAIL / ADMIN_PASSWORD unless it exists
  setup demo|bench        all three, in that order
  stock transfer SKU UNITS FROM TO [--key KEY]
                          move UNITS of SKU from DC FROM's allocation to DC TO's (REMOTE_DBS reaches the other DCs);
                          KEY (8 to 100 of A-Z a-z 0-9 . _ : -) makes it safe to repeat: a transfer made with it
                          before is reported, not made again
  stock show SKU          SKU's allocation in every DC and its units in transit, as this DC's database sees them
  take-over LOST BY      failover's data step, run at the surviving DC (DC_ID) that takes DC LOST's accounts: LOST fenced
                          (epoch + 1), its accounts re-homed here, its unsold stock allocation taken over; BY is who asked
  recover-orders LOST ORDER_ID...
                          failback's recovery, run at the survivor that took DC LOST's accounts (REMOTE_DBS reaches LOST):
                          each order LOST acknowledged and no survivor got, written here with its number and key (JSON lines)
  hand-back DC BY [--rehome]
                          failback's last data step, at that survivor: DC serves again at the next epoch, its stock taken over
                          given back as far as unsold; --rehome: the accounts the failover moved are homed in DC again
  check-env NAME=VALUE... check settings for commerce-api (names it reads, values it accepts) without starting it
environment: DC_ID, DB_HOST, DB_PORT or DB_SOCKET, DB_USER, DB_PASSWORD, DB_NAME, REMOTE_DBS; STOCK_DCS (default: DC_ID)`;

async function main(argv: string[]): Promise<void> {
  const [command, arg] = argv;
  const local = argv.includes('--local');
  if (!command || !['migrate', 'seed', 'create-admin', 'setup', 'stock', 'take-over', 'recover-orders', 'hand-back', 'check-env'].includes(command)) {
    process.stderr.write(`${USAGE}\n`);
    process.exit(2);
  }
  if (command === 'check-env') return checkEnv(argv.slice(1));
  const env = loadEnv(DbEnv);
  if (command === 'stock') return stock(env, argv.slice(1));
  if (command === 'take-over' || command === 'hand-back') return fencing(env, command, argv.slice(1));
  if (command === 'recover-orders') return recoverOrders(env, argv.slice(1));
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
      const n = await catalogSize(db);
      if (n > 0) {
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
      const made = await new AccountsRepository().insertAccount(db, { id: newId(env.DC_ID), email, name: 'Administrator', role: 'admin',
        home_dc: env.DC_ID, password_hash: await new PasswordHasher().hash(password), last_login_at: null });
      say(made ? `admin: created ${email}` : `admin: ${email} exists`);
    }
  } finally {
    await ds.destroy();
  }
}

/** The operator's stock commands: the same code as the admin endpoints, run from this DC. */
async function stock(env: DbEnv, argv: string[]): Promise<void> {
  const at = argv.indexOf('--key');
  const keyArg = at < 0 ? undefined : argv[at + 1] ?? '';
  const [action, sku, units, from, to, extra] = at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 2)];
  if (extra !== undefined || !((action === 'transfer' && sku && units && from && to) || (action === 'show' && sku && !units && at < 0))) {
    throw new ConfigError(USAGE);
  }
  const ds = await createTypeOrmDataSource({ host: env.DB_HOST, port: env.DB_PORT, socketPath: env.DB_SOCKET,
    user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME, poolSize: 2 }).initialize();
  const router = new OrderDataSourceRouter(new PoolDataSource(env.DC_ID, 'local', mysqlPoolOf(ds)));
  for (const remote of remoteDataSources(env, 1)) router.addRemote(remote);
  const transfers = new StockTransfersService(router, new StockRepository());
  try {
    if (action === 'transfer' && sku && units && from && to) {
      if (!/^[1-9]\d{0,9}$/.test(units)) throw new ConfigError('UNITS must be a whole number of at least 1');
      const key = idempotencyKey(keyArg, false);
      const { transfer: t, replayed } = await transfers.transfer({ sku, units: Number(units), from, to, requestedBy: 'operator', key });
      if (replayed) say(`already done with key ${key}: nothing moved now`);
      say(t.state === 'received'
        ? `moved ${t.units} units of ${sku} from DC ${t.from} to DC ${t.to} (transfer ${t.id})`
        : `${t.units} units of ${sku} left DC ${t.from} and are in transit to DC ${t.to}, which adds them once it is reachable (transfer ${t.id})`);
    } else {
      const variantId = await new StockRepository().variantIdOf(router.local, { sku });
      if (!variantId) throw new ConfigError(`no variant has SKU ${sku}`);
      const s = await transfers.stockOf(variantId);
      for (const a of s.allocations) say(`DC ${a.dc}: ${a.available}`);
      for (const t of s.inTransit) say(`in transit ${t.from} -> ${t.to}: ${t.units} (transfer ${t.id})`);
      for (const r of s.receivedAhead) say(`received ahead ${r.from} -> ${r.to}: ${r.units}, not yet off ${r.from}'s row here (transfer ${r.transferId})`);
      say(`total ${s.total} (as DC ${s.asSeenBy}'s database sees it)`);
    }
  } catch (err) {
    if (err instanceof DomainError) throw new ConfigError(err.message);
    throw err;
  } finally {
    await router.closeRemotes();
    await ds.destroy();
  }
}

/** Failover's and failback's data steps at the survivor (regionctl runs them): one transaction there, replicated to the other survivors. */
async function fencing(env: DbEnv, command: 'take-over' | 'hand-back', argv: string[]): Promise<void> {
  const rehome = command === 'hand-back' && argv.includes('--rehome');
  const [dc, by, extra] = argv.filter((a) => a !== '--rehome' || !rehome);
  if (!dc || !by || extra !== undefined || dc === env.DC_ID) throw new ConfigError(USAGE);
  const ds = await createTypeOrmDataSource({ host: env.DB_HOST, port: env.DB_PORT, socketPath: env.DB_SOCKET,
    user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME, poolSize: 1 }).initialize();
  try {
    const db = new PoolDataSource(env.DC_ID, 'local', mysqlPoolOf(ds));
    const repo = new DcFenceRepository();
    const now = new Date();
    say(JSON.stringify(command === 'take-over' ? await repo.takeOver(db, { lost: dc, to: env.DC_ID, by, now }) : await repo.handBack(db, { dc, by, now, rehome })));
  } finally {
    await ds.destroy();
  }
}

/** Failback's recovery of the lost DC's acknowledged orders, here at the survivor; one JSON line per order. */
async function recoverOrders(env: DbEnv, argv: string[]): Promise<void> {
  const [lost, ...ids] = argv;
  if (!lost || lost === env.DC_ID || ids.some((id) => !isId(id))) throw new ConfigError(USAGE);
  const ds = await createTypeOrmDataSource({ host: env.DB_HOST, port: env.DB_PORT, socketPath: env.DB_SOCKET,
    user: env.DB_USER, password: env.DB_PASSWORD, database: env.DB_NAME, poolSize: 2 }).initialize();
  const router = new OrderDataSourceRouter(new PoolDataSource(env.DC_ID, 'local', mysqlPoolOf(ds)));
  for (const remote of remoteDataSources(env, 1)) router.addRemote(remote);
  try {
    const recovery = new OrderRecoveryService(new OrdersRepository(), new IdempotencyKeysRepository(), new CartRepository());
    for (const id of ids) say(JSON.stringify(await recovery.recover(router.forOwner(lost), lost, router.local, id)));
  } finally {
    await router.closeRemotes();
    await ds.destroy();
  }
}

/** Settings as NAME=VALUE arguments, checked as commerce-api checks its environment at boot; exits 1 naming each problem. */
function checkEnv(args: string[]): void {
  const malformed = args.filter((a) => a.indexOf('=') < 1).map((a) => `  ${a}: give settings as NAME=VALUE`);
  const settings = Object.fromEntries(args.filter((a) => a.indexOf('=') >= 1).map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
  const problems = [...malformed, ...settingProblems(settings)];
  if (problems.length === 0) return say(`settings ok: ${Object.keys(settings).join(', ') || 'none given'}`);
  say(`invalid settings:\n${problems.join('\n')}`);
  process.exit(1);
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`${err instanceof ConfigError ? err.message : (err as Error).stack}\n`);
  process.exit(1);
});
