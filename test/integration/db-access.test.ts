import { createConnection } from 'mysql2/promise';
import { APP_USER, MIGRATE_USER, REPL_USER } from '../../apps/regionctl/src/db/mariadb-node';
import { startMariaDb, MariaDbServer } from '../support/mariadb';
import { prepareDatabase } from '../support/shop';
import { one } from '../support/rows';

/** A DC's database as regionctl runs it: each user can do its job and nothing more; strangers get nothing. */
describe('a DC database is closed to strangers (real MariaDB)', () => {
  let db: MariaDbServer;

  beforeAll(async () => {
    db = await startMariaDb();
    await prepareDatabase(db, 'a');
  });
  afterAll(async () => {
    await db?.stop();
  });

  const overTcp = (user: string, password = '') =>
    createConnection({ host: db.host, port: db.port, user, password, database: undefined, connectTimeout: 3000 });
  const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (err: { code?: string }) => err.code ?? String(err));
  async function asUser<T>(u: { user: string; password: string }, sql: string): Promise<T | string> {
    const c = await overTcp(u.user, u.password);
    try {
      return (await one(c.query(sql))) as T;
    } catch (err) {
      return (err as { code?: string }).code ?? String(err);
    } finally {
      c.destroy();
    }
  }

  it('refuses root and anonymous users over TCP on the DC address; root works on the Unix socket only', async () => {
    expect(await refusal(overTcp('root'))).toBe('ER_ACCESS_DENIED_ERROR');
    expect(await refusal(overTcp(''))).toBe('ER_ACCESS_DENIED_ERROR');
    expect(await refusal(overTcp('nobody'))).toBe('ER_ACCESS_DENIED_ERROR');
    expect(await db.rootQuery('SELECT 1 AS one')).toEqual([{ one: 1 }]);
  });

  it('lets the app user read and write rows but change no schema', async () => {
    expect(await asUser(APP_USER, 'SELECT COUNT(*) AS n FROM meridian.product')).toEqual([{ n: expect.any(Number) }]);
    expect(await asUser(APP_USER, 'CREATE TABLE meridian.stranger (id INT PRIMARY KEY)')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await asUser(APP_USER, 'ALTER TABLE meridian.product ADD COLUMN x INT')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await asUser(APP_USER, 'DROP TABLE meridian.product')).toBe('ER_TABLEACCESS_DENIED_ERROR');
    expect(await asUser(APP_USER, 'SET sql_log_bin = 0')).toBe('ER_SPECIFIC_ACCESS_DENIED_ERROR');
  });

  it('gives the replication user the binlog and not the data; the migration user is not reachable over TCP', async () => {
    expect(await asUser(REPL_USER, 'SELECT email FROM meridian.account')).toMatch(/ACCESS_DENIED/);
    expect(await asUser(REPL_USER, 'SELECT @@gtid_binlog_pos AS p')).toEqual([{ p: expect.any(String) }]);
    expect(await refusal(overTcp(MIGRATE_USER.user, MIGRATE_USER.password))).toBe('ER_ACCESS_DENIED_ERROR');
  });
});
