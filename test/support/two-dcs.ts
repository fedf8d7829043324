import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { newId } from '@meridian/dc';
import { APP_USER, MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { connectChannel, ownPosition, waitForPosition } from '../../apps/regionctl/src/db/replication';
import { WanLink } from '../../apps/regionctl/src/wan/wan-link';
import { createApp } from '../../apps/commerce-api/src/bootstrap';
import { loadAppEnv } from '../../apps/commerce-api/src/config/app-config';
import { createTypeOrmDataSource, mysqlPoolOf } from '../../apps/commerce-api/src/database/data-source';
import { PoolDataSource } from '../../apps/commerce-api/src/database/pool-data-source';
import { BENCH_SHAPE, seedCatalog, SeedResult } from '../../apps/commerce-api/src/seed/catalog-seed';
import { PasswordHasher } from '../../apps/commerce-api/src/accounts/password-hasher';
import { Shopper } from './client';
import { Factory, TestVariant, Tuple, variantIdsEverywhere, variantsEverywhere } from './factories';
import { ADMIN } from './shop';
import { dcNode } from './dc-node';
import { freePort } from './processes';

export interface TwoDcs {
  nodes: { a: MariaDbNode; b: MariaDbNode };
  /** [a -> b, b -> a]: the link each DC's replica and Order_DS_Remote use to reach the other's database */
  links: [WanLink, WanLink];
  /** commerce-api of a (index 0) and of b (index 1), in this process */
  apps: [NestFastifyApplication, NestFastifyApplication];
  url: { a: string; b: string };
  catalog: SeedResult;
  /** both databases have applied everything the other wrote */
  caughtUp(): Promise<void>;
  /** both channels connected and applying without error (waits for a reconnect after a heal) */
  replicationHealthy(): Promise<void>;
  close(): Promise<void>;
}

/** each DC migrates its own database without binlogging it: replicated DDL would collide with the other DC's */
async function migrate(db: MariaDbNode): Promise<void> {
  await db.createAppDatabase();
  const ds = await createTypeOrmDataSource({ host: db.o.host, port: db.o.port, socketPath: db.o.socket, user: 'root', password: '', database: 'meridian', poolSize: 1 }).initialize();
  await ds.query('SET sql_log_bin = 0');
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
}

/**
 * Two DCs in this process: a MariaDB each (127.0.1.10, 127.0.2.10), replicating both ways through
 * WAN links of `latencyMs` one way, a catalog made in a with stock rows in both, and a commerce-api
 * per DC (127.0.X.30) reaching the other DC's database through the link.
 */
export async function startTwoDcs(opts: { latencyMs?: number; env?: Record<string, string> } = {}): Promise<TwoDcs> {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-2dc-'));
  const nodes = { a: await dcNode(dir, 'a', 1), b: await dcNode(dir, 'b', 2) };
  await Promise.all([nodes.a.start(), nodes.b.start()]);
  await Promise.all([migrate(nodes.a), migrate(nodes.b)]);
  const latencyMs = opts.latencyMs ?? 10;
  const aToB = new WanLink({ listen: { host: '127.0.1.20', port: await freePort('127.0.1.20') }, target: { host: nodes.b.o.host, port: nodes.b.o.port }, latencyMs });
  const bToA = new WanLink({ listen: { host: '127.0.2.20', port: await freePort('127.0.2.20') }, target: { host: nodes.a.o.host, port: nodes.a.o.port }, latencyMs });
  const links: [WanLink, WanLink] = [aToB, bToA];
  await Promise.all(links.map((l) => l.start()));
  await connectChannel(nodes.a, 'b', aToB.options.listen);
  await connectChannel(nodes.b, 'a', bToA.options.listen);

  const caughtUp = async () => {
    if (!await waitForPosition(nodes.b, await ownPosition(nodes.a), 30)) throw new Error('b did not catch up with a within 30 s');
    if (!await waitForPosition(nodes.a, await ownPosition(nodes.b), 30)) throw new Error('a did not catch up with b within 30 s');
  };
  const replicationHealthy = async () => {
    for (const db of [nodes.a, nodes.b]) {
      let status: Record<string, unknown> = {};
      for (let i = 0; i < 50; i++) {
        [status = {}] = await db.rootQuery<Record<string, unknown>>('SHOW ALL SLAVES STATUS');
        if (status.Slave_IO_Running === 'Yes') break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect([status.Slave_IO_Running, status.Slave_SQL_Running, status.Last_SQL_Errno, status.Last_SQL_Error]).toEqual(['Yes', 'Yes', 0, '']);
    }
  };

  // the catalog is made in DC a and replicates; each DC makes its own stock allocation rows
  const dsA = await createTypeOrmDataSource({ host: nodes.a.o.host, port: nodes.a.o.port, user: APP_USER.user, password: APP_USER.password, database: 'meridian', poolSize: 2 }).initialize();
  const catalog = await seedCatalog(new PoolDataSource('a', 'local', mysqlPoolOf(dsA)), 'a', ['a'], { ...BENCH_SHAPE, products: 4, stock: 50 });
  await new PoolDataSource('a', 'local', mysqlPoolOf(dsA)).execute(
    `INSERT INTO account (id, email, password_hash, name, role, home_dc) VALUES (?, ?, ?, 'Admin', 'admin', 'a')`,
    [newId('a'), ADMIN.email, await new PasswordHasher().hash(ADMIN.password)]);
  await dsA.destroy();
  await caughtUp();
  await nodes.b.rootQuery(`INSERT INTO meridian.stock_allocation (id, variant_id, dc, available) VALUES ${catalog.variantIds.map(() => '(?, ?, ?, 50)').join(', ')}`,
    catalog.variantIds.flatMap((v) => [newId('b'), v, 'b']));
  await caughtUp();

  const apps: NestFastifyApplication[] = [];
  const url = { a: '', b: '' };
  for (const [dc, remote] of [['a', `b=127.0.1.20:${aToB.options.listen.port}`], ['b', `a=127.0.2.20:${bToA.options.listen.port}`]] as const) {
    const n = nodes[dc];
    const app = await createApp(loadAppEnv({
      DC_ID: dc, DB_HOST: n.o.host, DB_PORT: String(n.o.port), DB_USER: APP_USER.user, DB_PASSWORD: APP_USER.password, DB_NAME: 'meridian',
      REMOTE_DBS: remote, JWT_SECRET: 'two-dcs-secret-two-dcs-secret-2dc!', LOG_LEVEL: 'error', ACCESS_LOG: 'false', CATALOG_CACHE_MS: '0',
      ...opts.env,
    }));
    await app.listen(0, `127.0.${dc === 'a' ? 1 : 2}.30`);
    apps.push(app);
    url[dc] = `http://127.0.${dc === 'a' ? 1 : 2}.30:${(app.getHttpServer().address() as { port: number }).port}`;
  }

  return {
    nodes, links, apps: apps as [NestFastifyApplication, NestFastifyApplication], url, catalog, caughtUp, replicationHealthy,
    async close() {
      for (const app of apps) await app.close();
      await Promise.all(links.map((l) => l.close()));
      await Promise.all(Object.values(nodes).map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The two DCs of a test file: started before its first test, stopped after its last. The objects
 * returned are filled in when the topology is up, so a describe block can destructure them.
 */
export function useTwoDcs(opts: { latencyMs?: number; env?: Record<string, string> } = {}) {
  let t: TwoDcs | undefined;
  const nodes = {} as TwoDcs['nodes'];
  // filled in place when the DCs are up
  const links = [] as unknown as TwoDcs['links'];
  const apps = [] as unknown as TwoDcs['apps'];
  const url = { a: '', b: '' };
  let make: { a: Factory; b: Factory } | undefined;
  const started = () => {
    if (!t) throw new Error('the two DCs are not up yet');
    return t;
  };
  beforeAll(async () => {
    t = await startTwoDcs(opts);
    Object.assign(nodes, t.nodes);
    Object.assign(url, t.url);
    links.push(...t.links);
    apps.push(...t.apps);
    make = { a: new Factory(t.url.a), b: new Factory(t.url.b) };
  }, 180000);
  afterAll(async () => {
    await t?.close();
  });
  const factories = () => {
    started();
    return make!;
  };
  return {
    nodes, links, apps, url, caughtUp: () => started().caughtUp(), replicationHealthy: () => started().replicationHealthy(), topology: started,
    /** fresh data at DC a or b */
    make: factories,
    /** `count` variants of the test's own (made at a), with `stock` units (default 50) at both DCs */
    variants: <N extends number>(count: N, o: { stock?: number; price?: number } = {}): Promise<Tuple<TestVariant, N>> =>
      variantsEverywhere([factories().a, factories().b], count, o),
    /** the ids of `count` such variants */
    variantIds: <N extends number>(count: N): Promise<Tuple<string, N>> => variantIdsEverywhere([factories().a, factories().b], count),
  };
}

/** A shopper who has just registered at `base` (and is logged in there). */
export async function registerAt(base: string, email: string): Promise<Shopper> {
  const s = new Shopper(base);
  expect((await s.post('/api/accounts/register', { email, password: 'a long password', name: 'R' })).status).toBe(201);
  return s;
}
