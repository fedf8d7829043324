import { createTypeOrmDataSource, mysqlPoolOf } from '../../apps/commerce-api/src/database/data-source';
import { affectedOf, rowsOf } from '../../apps/commerce-api/src/database/sql';
import { PoolDataSource } from '../../apps/commerce-api/src/database/pool-data-source';
import { OrdersRepository, OUT_OF_STOCK_SIGNAL } from '../../apps/commerce-api/src/orders/orders.repository';
import { DataSource } from 'typeorm';
import { startMariaDb, MariaDbServer } from '../support/mariadb';

describe('the SQL layer: batches and transactions (real MariaDB)', () => {
  let db: MariaDbServer;
  let ds: DataSource;
  let sql: PoolDataSource;

  beforeAll(async () => {
    db = await startMariaDb();
    // one connection: a transaction left open would be seen by the next test
    ds = await createTypeOrmDataSource({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, poolSize: 1 }).initialize();
    sql = new PoolDataSource('a', 'local', mysqlPoolOf(ds));
    // the app user has no DDL rights (the migration user makes the schema)
    await db.rootQuery('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB');
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.stop();
  });
  beforeEach(() => sql.execute('DELETE FROM t'));

  it('runs a batch in one call and answers each statement in order', async () => {
    const [ins, sel, upd] = await sql.batch([
      { sql: 'INSERT INTO t VALUES (?, ?), (?, ?)', params: [1, 10, 2, 20] },
      { sql: 'SELECT id, v FROM t WHERE v > ? ORDER BY id', params: [5] },
      { sql: 'UPDATE t SET v = v + 1 WHERE id = ?', params: [2] },
    ]);
    expect(affectedOf(ins)).toBe(2);
    expect(rowsOf(sel)).toEqual([{ id: 1, v: 10 }, { id: 2, v: 20 }]);
    expect(affectedOf(upd)).toBe(1);
    expect(await sql.query('SELECT v FROM t WHERE id = 2')).toEqual([{ v: 21 }]);
  });

  it('escapes parameters: a value never becomes SQL', async () => {
    await sql.batch([{ sql: 'INSERT INTO t VALUES (?, ?)', params: [3, 1] }]);
    const [rows] = await sql.batch([{ sql: 'SELECT id FROM t WHERE id = ?', params: ['3; DELETE FROM t'] }]);
    expect(rowsOf(rows)).toEqual([{ id: 3 }]);
    expect(await sql.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 1 }]);
  });

  it('a transaction whose batch fails keeps nothing, and the connection is clean afterwards', async () => {
    await expect(sql.transaction(async (tx) => {
      await tx.batch([{ sql: 'INSERT INTO t VALUES (1, 1)' }]);
      await tx.batchAndCommit([{ sql: 'INSERT INTO t VALUES (2, 2)' }, { sql: 'INSERT INTO t VALUES (1, 9)' }, { sql: 'INSERT INTO t VALUES (3, 3)' }]);
    })).rejects.toMatchObject({ errno: 1062 });
    expect(await sql.query('SELECT id FROM t')).toEqual([]);
    expect(await sql.query('SELECT @@in_transaction AS t')).toEqual([{ t: 0 }]);
  });

  it('batchAndCommit commits with its last round trip', async () => {
    await sql.transaction(async (tx) => {
      const [r] = await tx.batch([{ sql: 'SELECT COUNT(*) AS n FROM t' }]);
      expect(rowsOf(r)).toEqual([{ n: 0 }]);
      await tx.batchAndCommit([{ sql: 'INSERT INTO t VALUES (5, 5)' }]);
    });
    expect(await sql.query('SELECT id FROM t')).toEqual([{ id: 5 }]);
  });

  it('the stock guard aborts the batch before COMMIT unless every row was decremented', async () => {
    const guard = new OrdersRepository().reserveStock('r', 'o', 'a', [{ v: 'x', q: 1 }, { v: 'y', q: 1 }], 'c', 'a')[1];
    await sql.execute('INSERT INTO t VALUES (1, 5), (2, 0)');
    await expect(sql.transaction((tx) => tx.batchAndCommit([
      { sql: 'UPDATE t SET v = v - 1 WHERE v >= 1' },
      guard,
      { sql: 'INSERT INTO t VALUES (9, 9)' },
    ]))).rejects.toMatchObject({ errno: 1644, message: OUT_OF_STOCK_SIGNAL });
    expect(await sql.query('SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 5 }, { id: 2, v: 0 }]);
    await sql.transaction((tx) => tx.batchAndCommit([{ sql: 'UPDATE t SET v = v + 1' }, guard]));
    expect(await sql.query('SELECT v FROM t ORDER BY id')).toEqual([{ v: 6 }, { v: 1 }]);
  });
});
