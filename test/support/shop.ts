import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppEnv, loadAppEnv } from '../../apps/commerce-api/src/config/app-config';
import { createApp } from '../../apps/commerce-api/src/bootstrap';
import { createTypeOrmDataSource, mysqlPoolOf } from '../../apps/commerce-api/src/database/data-source';
import { PoolDataSource } from '../../apps/commerce-api/src/database/pool-data-source';
import { PasswordHasher } from '../../apps/commerce-api/src/accounts/password-hasher';
import { BENCH_SHAPE, CatalogShape, seedCatalog, SeedResult } from '../../apps/commerce-api/src/seed/catalog-seed';
import { newId } from '@meridian/dc';
import { MIGRATE_USER } from '../../apps/regionctl/src/db/mariadb-node';
import { Factory } from './factories';
import { MariaDbServer, startMariaDb } from './mariadb';
import { RedisServer, startRedis } from './redis';

export const ADMIN = { email: 'admin@test.local', password: 'admin-password-123' };

export interface TestShop {
  app: NestFastifyApplication;
  url: string;
  env: AppEnv;
  catalog: SeedResult;
  close(): Promise<void>;
}

/** Migrates and seeds a database the way `cli setup` does, with a small catalog and an admin. */
export async function prepareDatabase(db: MariaDbServer, dc: string, shape: CatalogShape = { ...BENCH_SHAPE, products: 12, stock: 100 }): Promise<SeedResult> {
  // the schema as the migration user over the socket, as regionctl does: the app user has no DDL rights
  const ds = await createTypeOrmDataSource({ host: db.host, port: db.port, socketPath: db.socket, ...MIGRATE_USER,
    database: db.database, poolSize: 2 }).initialize();
  try {
    await ds.runMigrations({ transaction: 'each' });
    const sql = new PoolDataSource(dc, 'local', mysqlPoolOf(ds));
    const seeded = await seedCatalog(sql, dc, [dc], shape);
    await sql.execute(`INSERT INTO account (id, email, password_hash, name, role, home_dc) VALUES (?, ?, ?, 'Admin', 'admin', ?)`,
      [newId(dc), ADMIN.email, await new PasswordHasher().hash(ADMIN.password), dc]);
    return seeded;
  } finally {
    await ds.destroy();
  }
}

/** commerce-api in this process, on a free port, against the given database. */
export async function startShop(db: MariaDbServer, opts: { dc?: string; env?: Record<string, string>; catalog?: SeedResult } = {}): Promise<TestShop> {
  const dc = opts.dc ?? 'a';
  const catalog = opts.catalog ?? await prepareDatabase(db, dc);
  const env = loadAppEnv({
    DC_ID: dc, DB_HOST: db.host, DB_PORT: String(db.port), DB_USER: db.user, DB_PASSWORD: db.password,
    DB_NAME: db.database, JWT_SECRET: 'test-secret-test-secret-test-secret!', LOG_LEVEL: 'error', ACCESS_LOG: 'false',
    CATALOG_CACHE_MS: '0', PORT: '0', ...opts.env,
  });
  const app = await createApp(env);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, env, catalog, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/**
 * A MariaDB and a commerce-api for the tests of one file: started before the first, stopped after
 * the last. Read the fields inside tests (they exist once the shop is up).
 */
export function useShop(opts: { env?: Record<string, string>; redis?: boolean } = {}) {
  let up: { db: MariaDbServer; shop: TestShop; make: Factory; redis?: RedisServer } | undefined;
  let db: MariaDbServer | undefined;
  let redis: RedisServer | undefined;
  let shop: TestShop | undefined;
  beforeAll(async () => {
    [db, redis] = await Promise.all([startMariaDb(), opts.redis ? startRedis() : undefined]);
    shop = await startShop(db, { env: { ...(redis ? { REDIS_URL: redis.url } : {}), ...opts.env } });
    up = { db, shop, make: new Factory(shop.url), redis };
  });
  afterAll(async () => {
    await shop?.close();
    await Promise.all([db?.stop(), redis?.stop()]);
  });
  const started = () => {
    if (!up) throw new Error('the shop is not up yet');
    return up;
  };
  return {
    get db() { return started().db; },
    get shop() { return started().shop; },
    /** fresh data for one test */
    get make() { return started().make; },
    /** the shop's Redis (with `redis: true`) */
    get redis() {
      const r = started().redis;
      if (!r) throw new Error('useShop({ redis: true }) starts a Redis');
      return r;
    },
    /** the seeded catalog's variants (prefer make.variant() where stock counts matter) */
    get variants() { return started().shop.catalog.variantIds; },
  };
}
