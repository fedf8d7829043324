import { DataSource } from 'typeorm';
import { newId } from '@meridian/dc';
import { createTypeOrmDataSource, mysqlPoolOf } from '../../apps/commerce-api/src/database/data-source';
import { PoolDataSource } from '../../apps/commerce-api/src/database/pool-data-source';
import { Batch } from '../../apps/commerce-api/src/database/batch';
import { AccountsRepository, NotHomeError } from '../../apps/commerce-api/src/accounts/accounts.repository';
import { DcFenceRepository } from '../../apps/commerce-api/src/fencing/dc-fence.repository';
import { DomainError, ErrorCode } from '../../apps/commerce-api/src/common/domain-error';
import { startMariaDb, MariaDbServer } from '../support/mariadb';
import { prepareDatabase, startShop, TestShop } from '../support/shop';
import { Shopper } from '../support/client';
import { waitFor } from '../support/processes';
import { OrderRecoveryService } from '../../apps/commerce-api/src/orders/order-recovery.service';
import { OrdersRepository } from '../../apps/commerce-api/src/orders/orders.repository';
import { IdempotencyKeysRepository } from '../../apps/commerce-api/src/idempotency/idempotency-keys.repository';
import { CartRepository } from '../../apps/commerce-api/src/cart/cart.repository';
import { newOrderNumber } from '../../apps/commerce-api/src/orders/checkout.service';

/**
 * Failover's fencing in one DC's database: the takeover of a lost DC's accounts and stock (one
 * transaction, once per epoch), the home fence refusing a writer of an older epoch, and commerce-api
 * serving reads and refusing writes while its DC is fenced.
 */
describe('fencing a failed-over DC (real MariaDB)', () => {
  let db: MariaDbServer;
  let ds: DataSource;
  let sql: PoolDataSource;
  const repo = new DcFenceRepository();
  const accounts = new AccountsRepository();

  beforeAll(async () => {
    db = await startMariaDb();
    await prepareDatabase(db, 'a'); // a's catalog, a's stock (100 units per variant), an admin homed in a
    ds = await createTypeOrmDataSource({ host: db.host, port: db.port, user: db.user, password: db.password, database: db.database, poolSize: 2 }).initialize();
    sql = new PoolDataSource('b', 'local', mysqlPoolOf(ds)); // as DC b's processes see their database
  });
  afterAll(async () => {
    await ds?.destroy();
    await db?.stop();
  });

  const account = async (homeDc: string) => {
    const id = newId(homeDc);
    await sql.execute(`INSERT INTO account (id, email, password_hash, name, role, home_dc) VALUES (?, ?, 'x', 'T', 'customer', ?)`, [id, `${id}@example.com`, homeDc]);
    return id;
  };
  const homeOf = async (id: string) => (await sql.query<{ home_dc: string; home_epoch: number }>('SELECT home_dc, home_epoch FROM account WHERE id = ?', [id]))[0];
  const units = async (dc: string) => Number((await sql.query<{ u: number }>('SELECT COALESCE(SUM(available), 0) AS u FROM stock_allocation WHERE dc = ?', [dc]))[0]?.u);

  it('a takeover fences the lost DC, re-homes all its accounts in one statement and moves its unsold stock once; a second run changes nothing', async () => {
    const mine = [await account('a'), await account('a')];
    const elsewhere = await account('c');
    const aBefore = await units('a');
    expect(aBefore).toBeGreaterThan(0);
    const epochBefore = (await homeOf(elsewhere))!.home_epoch;
    const homedInA = Number((await sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM account WHERE home_dc = 'a'"))[0]?.n);

    const r = await repo.takeOver(sql, { lost: 'a', to: 'b', by: 'test', now: new Date() });
    expect(r).toMatchObject({ done: true, epoch: 1, movedTo: 'b', accountsMoved: homedInA, stockUnits: aBefore, guestCartsLeft: 0 });
    for (const id of mine) expect(await homeOf(id)).toEqual({ home_dc: 'b', home_epoch: epochBefore + 1 });
    expect(await homeOf(elsewhere)).toEqual({ home_dc: 'c', home_epoch: epochBefore });
    // the units left a's rows and arrived on b's (made for the takeover, owned by b): the sum is the same
    expect([await units('a'), await units('b')]).toEqual([0, aBefore]);
    expect(await sql.query("SELECT SUM(units) AS u FROM stock_takeover WHERE from_dc = 'a' AND epoch = 1")).toEqual([{ u: aBefore }]);
    expect((await repo.view(sql)).fences).toEqual([expect.objectContaining({ dc: 'a', epoch: 1, state: 'failed_over', moved_to: 'b' })]);

    const again = await repo.takeOver(sql, { lost: 'a', to: 'b', by: 'test', now: new Date() });
    expect(again).toMatchObject({ done: false, epoch: 1, movedTo: 'b', accountsMoved: 0, stockUnits: 0 });
    expect([await units('a'), await units('b')]).toEqual([0, aBefore]);
  });

  it('a hand-back gives the lost DC back what the survivor has not sold of its stock, once, and the DC serves at the next epoch', async () => {
    // b sold 7 units of one SKU it took over (of its 100): 93 of them go back for that SKU
    const [sold] = await sql.query<{ variant_id: string }>("SELECT variant_id FROM stock_takeover WHERE from_dc = 'a' AND epoch = 1 LIMIT 1");
    await sql.execute("UPDATE stock_allocation SET available = available - 7 WHERE variant_id = ? AND dc = 'b'", [sold!.variant_id]);
    const total = (await units('a')) + (await units('b'));
    const homedIn = async (dc: string) => Number((await sql.query<{ n: number }>('SELECT COUNT(*) AS n FROM account WHERE home_dc = ?', [dc]))[0]?.n);
    const moved = Number((await sql.query<{ n: number }>("SELECT COUNT(*) AS n FROM failover_rehome WHERE from_dc = 'a' AND epoch = 1"))[0]?.n);
    const [inA, inB] = [await homedIn('a'), await homedIn('b')];
    const r = await repo.handBack(sql, { dc: 'a', by: 'test', now: new Date(), rehome: true });
    expect(r).toMatchObject({ handedBack: true, epoch: 2, stockUnits: total, accountsBack: moved });
    // --rehome: every account the failover moved is homed in a again
    expect(moved).toBeGreaterThan(0);
    expect([await homedIn('a'), await homedIn('b')]).toEqual([inA + moved, inB - moved]);
    expect([await units('a'), await units('b')]).toEqual([total, 0]);
    expect(await sql.query("SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = 'a'", [sold!.variant_id])).toEqual([{ available: 93 }]);
    expect((await repo.view(sql)).fences).toEqual([expect.objectContaining({ dc: 'a', epoch: 2, state: 'serving' })]);
    expect(await repo.handBack(sql, { dc: 'a', by: 'test', now: new Date() })).toMatchObject({ handedBack: false, epoch: 2, stockUnits: 0 });
    expect([await units('a'), await units('b')]).toEqual([total, 0]);
  });

  it('the home fence refuses a writer whose DC epoch is older than the fence row, and only that one', async () => {
    // e was failed over at epoch 1: its processes, which still believe epoch 0, are refused here
    await sql.execute(`INSERT INTO dc_fence (dc, epoch, state, moved_to, changed_at, changed_by) VALUES ('e', 1, 'failed_over', 'b', NOW(3), 'test')`);
    const id = await account('b');
    const fenced = (writer: { dc: string; epoch: number }) => sql.transaction((tx) => tx.batchAndCommit(Batch.of(accounts.homeFence(id, 'b', writer))));
    await expect(fenced({ dc: 'e', epoch: 0 })).rejects.toMatchObject({ code: ErrorCode.FailedOver, message: expect.stringMatching(/DC e was failed over/) });
    await expect(fenced({ dc: 'e', epoch: 1 })).resolves.toBeUndefined();
    await expect(fenced({ dc: 'b', epoch: 0 })).resolves.toBeUndefined();
    // and the home check still holds for the writers it lets through
    const homedInC = await account('c');
    await expect(sql.transaction((tx) => tx.batchAndCommit(Batch.of(accounts.homeFence(homedInC, 'b', { dc: 'b', epoch: 0 })))))
      .rejects.toBeInstanceOf(NotHomeError);
  });

  it('a write the database refuses as read-only (a DC that came back fenced) fails as FAILED_OVER, not as an unknown error', async () => {
    await db.rootQuery('SET GLOBAL read_only = ON');
    try {
      await expect(sql.execute("UPDATE account SET name = 'x' WHERE id = 'none'")).rejects.toMatchObject({ code: ErrorCode.FailedOver,
        message: expect.stringMatching(/^the database of DC b takes no writes \(it is read-only/) });
      await expect(sql.transaction((tx) => tx.execute("UPDATE account SET name = 'x' WHERE id = 'none'"))).rejects.toBeInstanceOf(DomainError);
      expect(await sql.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    } finally {
      await db.rootQuery('SET GLOBAL read_only = OFF');
    }
  });

  describe('commerce-api in a fenced DC', () => {
    let shop: TestShop;
    beforeAll(async () => {
      shop = await startShop(db, { dc: 'd' });
    });
    afterAll(async () => {
      await db.rootQuery('SET GLOBAL read_only = OFF');
      await shop?.close();
    });
    const register = () => new Shopper(shop.url).post('/api/accounts/register', { email: `${newId('d')}@example.com`, password: 'correct horse battery', name: 'Ada' });

    it('serves reads and refuses every write with 503 FAILED_OVER while its database is read-only or its fence row says failed over', async () => {
      expect((await register()).status).toBe(201);
      await db.rootQuery('SET GLOBAL read_only = ON');
      // refused by the database at once, then (each process reads its fence once a second) before anything is tried
      await waitFor('the shop to see its database read-only', async () => /this DC takes no writes/.test((await register()).text), 5000, 100);
      const refused = await register();
      expect(refused.body).toMatchObject({ statusCode: 503, error: 'FAILED_OVER', message: expect.stringMatching(/read-only \(fenced after a failover\): this DC takes no writes/),
        details: { dc: 'd' } });
      expect(refused.headers.get('retry-after')).toBe('30');
      expect((await new Shopper(shop.url).get('/api/products?pageSize=1')).status).toBe(200);
      await db.rootQuery('SET GLOBAL read_only = OFF');
      await waitFor('the shop to take writes again', async () => (await register()).status === 201, 5000, 100);

      // the same from its fence row (replicated from the survivor that took its accounts)
      await sql.execute(`INSERT INTO dc_fence (dc, epoch, state, moved_to, changed_at, changed_by) VALUES ('d', 1, 'failed_over', 'b', NOW(3), 'test')`);
      await waitFor('the shop to see its fence row', async () => (await register()).status === 503, 5000, 100);
      expect((await register()).body).toMatchObject({ error: 'FAILED_OVER', message: expect.stringMatching(/^DC d was failed over to DC b \(epoch 1\)/),
        details: { dc: 'd', movedTo: 'b' } });
      await sql.execute("UPDATE dc_fence SET epoch = 2, state = 'serving' WHERE dc = 'd'");
      await waitFor('the shop to take writes at epoch 2', async () => (await register()).status === 201, 5000, 100);
    });
  });

  describe('failback recovers the orders only the lost DC has', () => {
    let lostDb: MariaDbServer;
    let lostDs: DataSource;
    let lost: PoolDataSource;
    const recovery = new OrderRecoveryService(new OrdersRepository(), new IdempotencyKeysRepository(), new CartRepository());
    beforeAll(async () => {
      lostDb = await startMariaDb();
      await prepareDatabase(lostDb, 'a');
      lostDs = await createTypeOrmDataSource({ host: lostDb.host, port: lostDb.port, user: lostDb.user, password: lostDb.password, database: lostDb.database,
        poolSize: 2 }).initialize();
      lost = new PoolDataSource('a', 'remote', mysqlPoolOf(lostDs));
    });
    afterAll(async () => {
      await lostDs?.destroy();
      await lostDb?.stop();
    });

    /** a variant of the survivor's catalog with `units` in b's allocation */
    const variantAtB = async (units: number) => {
      const [v] = await sql.query<{ id: string; sku: string }>('SELECT id, sku FROM variant ORDER BY RAND() LIMIT 1');
      await sql.execute(`INSERT INTO stock_allocation (id, variant_id, dc, available) VALUES (?, ?, 'b', ?)
        ON DUPLICATE KEY UPDATE available = VALUES(available)`, [newId('b'), v!.id, units]);
      return v!;
    };
    /** an order as a's checkout writes it, in a's database only: the order, its line, its key */
    const orderAtA = async (v: { id: string; sku: string }, quantity: number, key: string, cartId = newId('a')) => {
      const id = newId('a');
      const number = newOrderNumber('a');
      await lost.execute(`INSERT INTO orders (id, number, account_id, cart_id, email, status, currency, subtotal, discount_total, shipping_total, tax_total, total,
        shipping_method_code, shipping_address, placed_dc) VALUES (?, ?, NULL, ?, 'g@example.com', 'placed', 'EUR', 100, 0, 0, 0, 100, 'standard', '{}', 'a')`,
      [id, number, cartId]);
      await lost.execute(`INSERT INTO order_line (id, order_id, variant_id, sku, product_name, variant_name, quantity, unit_price, tax_rate_bp, line_total)
        VALUES (?, ?, ?, ?, 'P', 'V', ?, 100, 0, 100)`, [newId('a'), id, v.id, v.sku, quantity]);
      await lost.execute(`INSERT INTO idempotency_key (id, scope, idem_key, request_hash, order_id) VALUES (?, ?, ?, REPEAT('0', 64), ?)`,
        [newId('a'), `cart:${cartId}`, key, id]);
      return { id, number, cartId };
    };
    const available = async (variantId: string) => Number((await sql.query<{ n: number }>("SELECT available AS n FROM stock_allocation WHERE variant_id = ? AND dc = 'b'",
      [variantId]))[0]?.n);

    it('writes the order at the survivor with its number, key and a recovered event, takes its units there, and does it once', async () => {
      const v = await variantAtB(5);
      const o = await orderAtA(v, 2, `k-${newId('a')}`);
      expect(await recovery.recover(lost, 'a', sql, o.id)).toEqual({ orderId: o.id, number: o.number, outcome: 'recovered', oversold: [], cart: 'not at the survivor' });
      expect(await sql.query('SELECT number FROM orders WHERE id = ?', [o.id])).toEqual([{ number: o.number }]);
      expect(await sql.query('SELECT order_id FROM idempotency_key WHERE scope = ?', [`cart:${o.cartId}`])).toEqual([{ order_id: o.id }]);
      expect(await sql.query('SELECT actor FROM order_event WHERE order_id = ?', [o.id])).toEqual([{ actor: 'recovered at the failback of DC a' }]);
      expect(await available(v.id)).toBe(3);
      expect(await recovery.recover(lost, 'a', sql, o.id)).toMatchObject({ outcome: 'already there' });
      expect(await available(v.id)).toBe(3);
      expect(await recovery.recover(lost, 'a', sql, newId('a'))).toMatchObject({ outcome: 'not at the lost DC' });
    });

    it('keeps an order the survivor has no units for, flagged oversold; leaves one whose key the survivor used since for another order', async () => {
      const v = await variantAtB(1);
      const short = await orderAtA(v, 4, `k-${newId('a')}`);
      expect(await recovery.recover(lost, 'a', sql, short.id)).toMatchObject({ outcome: 'recovered', oversold: [v.sku] });
      expect(await available(v.id)).toBe(1);
      expect((await sql.query<{ actor: string }>('SELECT actor FROM order_event WHERE order_id = ? ORDER BY id', [short.id])).map((e) => e.actor))
        .toEqual(['recovered at the failback of DC a', `failback: oversold ${v.sku}`]);

      const key = `k-${newId('a')}`;
      const again = await orderAtA(v, 1, key);
      const other = newId('b');
      await sql.execute(`INSERT INTO idempotency_key (id, scope, idem_key, request_hash, order_id) VALUES (?, ?, ?, REPEAT('0', 64), ?)`,
        [newId('b'), `cart:${again.cartId}`, key, other]);
      expect(await recovery.recover(lost, 'a', sql, again.id)).toMatchObject({ outcome: 'placed again', placedAgainAs: other });
      expect(await sql.query('SELECT id FROM orders WHERE id = ?', [again.id])).toEqual([]);
    });

    it('closes the cart the order came from when the survivor has it as it was ordered, and leaves it open when the shopper changed it since', async () => {
      const v = await variantAtB(10);
      const w = await variantAtB(10);
      const cart = async (lines: [string, number][]) => {
        const id = newId('a');
        await sql.execute(`INSERT INTO cart (id, owner_dc, currency) VALUES (?, 'a', 'EUR')`, [id]);
        for (const [variantId, quantity] of lines) {
          await sql.execute('INSERT INTO cart_line (id, cart_id, variant_id, quantity) VALUES (?, ?, ?, ?)',
            [newId('a'), id, variantId, quantity]);
        }
        return id;
      };
      const status = async (id: string) => (await sql.query<{ status: string }>('SELECT status FROM cart WHERE id = ?', [id]))[0]?.status;
      const asOrdered = await cart([[v.id, 1]]);
      const o1 = await orderAtA(v, 1, `k-${newId('a')}`, asOrdered);
      expect(await recovery.recover(lost, 'a', sql, o1.id)).toMatchObject({ outcome: 'recovered', cart: 'closed' });
      expect(await status(asOrdered)).toBe('ordered');
      const changed = await cart([[v.id, 1], [w.id, 3]]);
      const o2 = await orderAtA(v, 1, `k-${newId('a')}`, changed);
      expect(await recovery.recover(lost, 'a', sql, o2.id)).toMatchObject({ outcome: 'recovered', cart: 'changed since: left open' });
      expect(await status(changed)).toBe('active');
    });
  });
});
