import { DataSource } from 'typeorm';
import { MIGRATE_USER } from '../../apps/regionctl/src/db/mariadb-node';
import { createTypeOrmDataSource } from '../../apps/commerce-api/src/database/data-source';
import { migrations } from '../../apps/commerce-api/src/database/migrations';
import { startMariaDb, MariaDbServer } from '../support/mariadb';
import { one } from '../support/rows';

/**
 * DDL commits as it goes and a migration is recorded only after its last statement: a Ctrl-C (or a
 * crash) in between leaves its changes made and unrecorded, and the next `up` runs it again.
 */
describe('migrations can be interrupted and resumed (real MariaDB)', () => {
  let db: MariaDbServer;
  let ds: DataSource;

  beforeAll(async () => {
    db = await startMariaDb();
    ds = await createTypeOrmDataSource({ host: db.host, port: db.port, socketPath: db.socket, ...MIGRATE_USER, database: db.database, poolSize: 1 })
      .initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.stop();
  });

  /** Every table of the shop's database as SHOW CREATE TABLE prints it. */
  async function schema(): Promise<Record<string, string>> {
    const tables = await db.rootQuery<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'meridian' ORDER BY t");
    const out: Record<string, string> = {};
    for (const { t } of tables) out[t] = (await one(db.rootQuery<Record<string, string>>(`SHOW CREATE TABLE \`${t}\``)))['Create Table'] ?? '';
    return out;
  }

  it('runs each migration a second time after it ran without being recorded, changing nothing; then migrate records them all', async () => {
    const runner = ds.createQueryRunner();
    const again: string[] = [];
    try {
      for (const M of migrations) {
        await new M().up(runner);
        const after = await schema();
        // before: the second run failed ("Table 'category' already exists", "Duplicate column name 'adopted_from'", ...)
        await new M().up(runner).catch((err: Error) => again.push(`${M.name}: ${err.message}`));
        expect([M.name, await schema()]).toEqual([M.name, after]);
      }
    } finally {
      await runner.release();
    }
    expect(again).toEqual([]);
    // the next `up` finds every migration unrecorded and runs them all again, without an error
    const applied = await ds.runMigrations({ transaction: 'each' });
    expect(applied.map((m) => m.name)).toEqual(migrations.map((M) => new M().name));
    expect(await ds.runMigrations({ transaction: 'each' })).toEqual([]);
  });
});
