import { createTypeOrmDataSource, mysqlPoolOf } from '../../apps/commerce-api/src/database/data-source';
import { Batch, exec, failingAs, rows, write } from '../../apps/commerce-api/src/database/batch';
import { PoolDataSource } from '../../apps/commerce-api/src/database/pool-data-source';
import { isDuplicateKey } from '../../apps/commerce-api/src/database/sql-errors';
import { StockReservationsRepository, StockShortError } from '../../apps/commerce-api/src/stock/stock-reservations.repository';
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
    await db.rootQuery('CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, UNIQUE KEY uq_t_v (v)) ENGINE=InnoDB');
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.stop();
  });
  beforeEach(() => sql.execute('DELETE FROM t'));

  it('runs a batch in one call and hands each step its own answer', async () => {
    const b = new Batch();
    const inserted = b.add(write('INSERT INTO t VALUES (?, ?), (?, ?)', [1, 10, 2, 20]));
    const selected = b.add(rows<{ id: number; v: number }>('SELECT id, v FROM t WHERE v > ? ORDER BY id', [5]));
    b.add(exec({ sql: 'SET @x = 1' }, { sql: 'SET @y = 2' }));
    const updated = b.add(write('UPDATE t SET v = v + 1 WHERE id = ?', [2]));
    await sql.batch(b);
    expect(inserted.value).toBe(2);
    expect(selected.value).toEqual([{ id: 1, v: 10 }, { id: 2, v: 20 }]);
    expect(updated.value).toBe(1);
    expect(await sql.query('SELECT v FROM t WHERE id = 2')).toEqual([{ v: 21 }]);
  });

  it('escapes parameters: a value never becomes SQL', async () => {
    await sql.run(write('INSERT INTO t VALUES (?, ?)', [3, 1]));
    expect(await sql.run(rows('SELECT id FROM t WHERE id = ?', ['3; DELETE FROM t']))).toEqual([{ id: 3 }]);
    expect(await sql.query('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 1 }]);
  });

  it('a transaction whose batch fails keeps nothing, and the connection is clean afterwards', async () => {
    await expect(sql.transaction(async (tx) => {
      await tx.batch(Batch.of(exec({ sql: 'INSERT INTO t VALUES (1, 1)' })));
      await tx.batchAndCommit(Batch.of(exec({ sql: 'INSERT INTO t VALUES (2, 2)' }, { sql: 'INSERT INTO t VALUES (1, 9)' }, { sql: 'INSERT INTO t VALUES (3, 3)' })));
    })).rejects.toMatchObject({ errno: 1062 });
    expect(await sql.query('SELECT id FROM t')).toEqual([]);
    expect(await sql.query('SELECT @@in_transaction AS t')).toEqual([{ t: 0 }]);
  });

  it('batchAndCommit commits with its last round trip; batchCommitGtid answers the commit\'s GTID', async () => {
    await sql.transaction(async (tx) => {
      expect(await tx.run(rows('SELECT COUNT(*) AS n FROM t'))).toEqual([{ n: 0 }]);
      await tx.batchAndCommit(Batch.of(exec({ sql: 'INSERT INTO t VALUES (5, 5)' })));
    });
    expect(await sql.query('SELECT id FROM t')).toEqual([{ id: 5 }]);
    const b = new Batch();
    const changed = b.add(write('UPDATE t SET v = 6 WHERE id = 5'));
    const gtid = await sql.transaction((tx) => tx.batchCommitGtid(b));
    expect(changed.value).toBe(1);
    expect(gtid).toMatch(/^\d+-\d+-\d+$/);
    expect(await sql.query('SELECT @@last_gtid AS g')).toEqual([{ g: expect.any(String) }]);
  });

  it('a failed batch rejects with the domain error of the step that owns it, and a constraint is told apart by its name', async () => {
    await sql.execute('INSERT INTO t VALUES (1, 1)');
    class ValueTaken extends Error {}
    class IdTaken extends Error {}
    const insert = (id: number, v: number) => failingAs(exec({ sql: 'INSERT INTO t VALUES (?, ?)', params: [id, v] }),
      (err) => (isDuplicateKey(err, 'uq_t_v') ? new ValueTaken() : isDuplicateKey(err, 'PRIMARY') ? new IdTaken() : undefined));
    await expect(sql.transaction((tx) => tx.batchAndCommit(Batch.of(exec({ sql: 'SELECT 1' }), insert(2, 1))))).rejects.toBeInstanceOf(ValueTaken);
    await expect(sql.transaction((tx) => tx.batchAndCommit(Batch.of(insert(1, 7))))).rejects.toBeInstanceOf(IdTaken);
    // an error no step owns comes as it is
    await expect(sql.batch(Batch.of(exec({ sql: 'INSERT INTO t VALUES (3, NULL)' })))).rejects.toMatchObject({ errno: 1048 });
    expect(await sql.query('SELECT id FROM t')).toEqual([{ id: 1 }]);
  });

  it('the stock guard aborts the batch before COMMIT unless every row was decremented', async () => {
    const reserve = new StockReservationsRepository().reserve({ id: 'r', orderId: 'o', dc: 'a', lines: [{ v: 'x', q: 1 }, { v: 'y', q: 1 }], cartId: 'c', ownerDc: 'a' });
    const guard = failingAs(exec(reserve.statements[1]!), (err) => reserve.failure?.(err));
    await sql.execute('INSERT INTO t VALUES (1, 5), (2, 0)');
    await expect(sql.transaction((tx) => tx.batchAndCommit(Batch.of(
      exec({ sql: 'UPDATE t SET v = v - 1 WHERE v >= 1' }),
      guard,
      exec({ sql: 'INSERT INTO t VALUES (9, 9)' }),
    )))).rejects.toBeInstanceOf(StockShortError);
    expect(await sql.query('SELECT id, v FROM t ORDER BY id')).toEqual([{ id: 1, v: 5 }, { id: 2, v: 0 }]);
    await sql.transaction((tx) => tx.batchAndCommit(Batch.of(exec({ sql: 'UPDATE t SET v = v + 1 ORDER BY id DESC' }), guard)));
    expect(await sql.query('SELECT v FROM t ORDER BY id')).toEqual([{ v: 6 }, { v: 1 }]);
  });
});
