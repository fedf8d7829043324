import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import { newId } from '@meridian/dc';
import { GtidPosition } from '../../apps/regionctl/src/db/gtid-position';
import { runDirFor } from '../../apps/regionctl/src/topology/plan';
import { ADDRESS, Answer, Shopper } from '../support/client';
import { waitFor } from '../support/processes';
import { Factory, variantIdsEverywhere } from '../support/factories';
import { caughtUpEverywhere, differingTables, REGIONCTL_ADMIN, regionctlUp, statusOf, tearDown, Topology, writeRegions } from '../support/regionctl';
import { one } from '../support/rows';

type Dc = 'a' | 'b' | 'c';
const DCS: Dc[] = ['a', 'b', 'c'];

/**
 * Three DCs from `regionctl up`: every database replicates from both others (a full mesh, where
 * each DC also receives the third DC's transactions twice and applies them once; c semi-sync, the
 * others async), and an account
 * write routed on a home that moved while this DC's replica was behind follows the home.
 */
describe('three DCs as real processes: a replication mesh with one semi-sync DC, and writes that follow a moved home', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-3dc-'));
  const regions = join(dir, 'regions');
  const data = join(dir, 'data');
  const BLOCK = 34; // 127.0.34-36.0/24: no other suite uses them
  const base = 20000 + Math.floor(Math.random() * 300) * 100;
  const entry = (dc: Dc) => `http://127.0.${BLOCK + DCS.indexOf(dc)}.1:${base + 80}`;
  let topo: Topology | undefined;

  const factories = new Map<Dc, Factory>();
  const make = (dc: Dc) => factories.get(dc) ?? factories.set(dc, new Factory(entry(dc), REGIONCTL_ADMIN)).get(dc)!;
  /** ids of `count` variants of the test's own (made at a), with 50 units at every DC */
  const fresh = <N extends number>(count: N) => variantIdsEverywhere(DCS.map(make), count);
  const status = () => statusOf(topo!);
  const caughtUp = () => caughtUpEverywhere(topo!);
  /** as root over the DC's socket: the test plays the operator, and reads the databases directly */
  const root = (dc: Dc): Promise<Connection> =>
    createConnection({ socketPath: join(runDirFor(data), `db-${dc}.sock`), user: 'root', database: 'meridian' });
  const sql = async <T = Record<string, unknown>>(dc: Dc, text: string, params: unknown[] = []): Promise<T[]> => {
    const c = await root(dc);
    try {
      return (await one(c.query(text, params))) as T[];
    } finally {
      await c.end();
    }
  };
  const guestOrder = async (dc: Dc, variant: string, key: string) => {
    const s = new Shopper(entry(dc));
    expect((await s.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(200);
    return s.post('/api/checkout', { email: 'guest@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': key });
  };

  /**
   * A guest with a cart made at a (one unit of the first of four fresh variants), once every DC has it: the
   * four variants, the cart's id, a shopper at any DC holding the guest's cookie
   * (it names a's cart), and a checkout by such a shopper with Idempotency-Key `key`.
   */
  const guestOfA = async (key: string) => {
    const guest = new Shopper(entry('a'));
    const variants = await fresh(4);
    const made = await guest.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
    expect([made.status, made.body.id.startsWith('a_')]).toEqual([200, true]);
    await caughtUp();
    const at = (dc: Dc) => {
      const s = new Shopper(entry(dc));
      for (const [k, v] of guest.cookies) s.cookies.set(k, v);
      return s;
    };
    const order = (s: Shopper) => s.post('/api/checkout', { email: 'guest@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS },
      { 'Idempotency-Key': key });
    return { variants, cartId: made.body.id as string, at, order };
  };

  /**
   * Runs `checkout` (at b: its owner batch goes to a) while a holds the cart's row; once the batch waits there,
   * cuts a off from b and c and lets a commit it (within its deadline), so that its answer has nowhere to go.
   * Resolves with b's answer; the caller heals a's links.
   */
  const answerLostAfterCommit = async (cartId: string, checkout: () => Promise<Answer>): Promise<Answer> => {
    const holder = await root('a');
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM cart WHERE id = ? FOR UPDATE', [cartId]);
    let first: Promise<Answer> | undefined;
    try {
      first = checkout();
      await waitFor('b\'s batch to wait at a', async () => (await sql('a',
        "SELECT 1 FROM information_schema.PROCESSLIST WHERE USER = 'meridian' AND INFO LIKE 'SELECT id FROM cart WHERE id = % FOR UPDATE'")).length > 0, 5000, 100);
      for (const dc of ['b', 'c']) expect((await topo!.run('wan', 'cut', 'a', dc)).status).toBe(0);
    } finally {
      await holder.query('ROLLBACK'); // within the batch's deadline: a commits it
      await holder.end();
    }
    return first;
  };

  /** until `dc`'s channel from `source` has received every transaction of `source`'s own domain committed so far */
  const receivedAll = async (dc: Dc, source: Dc) => {
    const domain = DCS.indexOf(source) + 1;
    const seqOf = (text: string) => GtidPosition.parse(text).seq(domain);
    const { p } = await one(sql<{ p: string }>(source, 'SELECT @@gtid_binlog_pos AS p'));
    await waitFor(`${dc} to receive what ${source} wrote`, async () =>
      seqOf(String((await one(sql<{ Gtid_IO_Pos: string }>(dc, `SHOW SLAVE 'from_${source}' STATUS`))).Gtid_IO_Pos)) >= seqOf(p), 10000, 50);
  };

  beforeAll(async () => {
    // c's commits wait for another DC to have them (semi-sync); a's and b's do not
    // b's processes look for orphan stock reservations every second (default: every minute), and give a statement at
    // another DC's database 5 s (default 2: the cuts of the unknown-outcome test, two regionctl runs, fit in well)
    writeRegions(regions, DCS.map((code) => ({ code, durability: code === 'c' ? 'semi-sync' : 'async',
      ...(code === 'b' ? { env: { RESERVATION_SWEEP_SECONDS: 1, REMOTE_STATEMENT_TIMEOUT_MS: 5000 } } : {}) })), BLOCK);
    topo = await regionctlUp(regions, data, base, '--catalog', 'bench');
  }, 240000);

  afterAll(() => tearDown(topo, dir), 60000);

  it('every DC replicates from both others (gtid_ignore_duplicates on); orders from three DCs at once reach every database once; the semi-sync DC\'s commits were acknowledged', async () => {
    const s = await status();
    for (const d of s.dcs) {
      expect(d.channels).toEqual([expect.objectContaining({ io: 'Yes', sql: true, error: '' }), expect.objectContaining({ io: 'Yes', sql: true, error: '' })]);
    }
    for (const dc of DCS) expect(await sql(dc, 'SELECT @@gtid_ignore_duplicates AS d')).toEqual([{ d: 1 }]);

    const [variant] = await fresh(1);
    const orders = await Promise.all(Array.from({ length: 30 }, (_, i) => guestOrder(DCS[i % 3]!, variant, `mesh-order-${i}`)));
    expect(orders.map((o) => o.status)).toEqual(Array(30).fill(201));
    await caughtUp();
    const byPrefix = 'SELECT LEFT(id, 2) AS dc, COUNT(*) AS n FROM orders GROUP BY LEFT(id, 2) ORDER BY dc';
    const counts = await Promise.all(DCS.map((dc) => sql(dc, byPrefix)));
    expect(counts[0]?.map((r) => Number(r.n))).toEqual([10, 10, 10]);
    expect(counts[1]).toEqual(counts[0]);
    expect(counts[2]).toEqual(counts[0]);
    const units = 'SELECT dc, SUM(available) AS units FROM stock_allocation GROUP BY dc ORDER BY dc';
    const stock = await Promise.all(DCS.map((dc) => sql(dc, units)));
    expect(stock[1]).toEqual(stock[0]);
    expect(stock[2]).toEqual(stock[0]);
    // each GTID applied once everywhere, although it arrived twice: the same positions in all three. The aggregators'
    // beacons write in every domain every round, so three reads agree once none is in flight (under load, not at once)
    let positions: string[] = [];
    await waitFor('the three binlog positions to agree', async () => {
      positions = (await Promise.all(DCS.map((dc) => sql<{ p: string }>(dc, 'SELECT @@gtid_binlog_pos AS p')))).map((p) => p[0]?.p.split(',').sort().join(',') ?? '');
      return new Set(positions).size === 1;
    }, 10000, 50).catch(() => undefined);
    expect(positions).toEqual([positions[0], positions[0], positions[0]]);
    for (const d of (await status()).dcs) for (const c of d.channels as { error: string }[]) expect(c.error).toBe('');
    // c is semi-sync among async DCs: they acknowledged every commit of c's orders, none fell back to async
    const semiSync = (await status()).dcs.map((d) => [d.dc, d.durability, d.semiSync]);
    expect(semiSync).toEqual([['a', 'async', undefined], ['b', 'async', undefined],
      ['c', 'semi-sync', { enabled: true, active: true, yesTx: expect.any(Number), noTx: 0 }]]);
    expect((semiSync[2]?.[2] as { yesTx: number }).yesTx).toBeGreaterThanOrEqual(10);
    expect((await topo!.run('status')).stdout).toMatch(/semi-sync: active \(commits wait for another DC\)/);
  });

  it('b claims the home of an account that shops at c while c\'s replica is behind: c\'s writes are refused by a and follow the home to b', async () => {
    const email = 'follows@example.com';
    expect((await new Shopper(entry('a')).post('/api/accounts/register', { email, password: 'a long password', name: 'F' })).status).toBe(201);
    await caughtUp();
    const atC = new Shopper(entry('c'));
    expect((await atC.post('/api/accounts/login', { email, password: 'a long password' })).body.homeDc).toBe('a');
    const variants = await fresh(2);
    const cart = await atC.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
    expect(cart.status).toBe(200);
    expect(await sql('a', 'SELECT quantity FROM cart_line WHERE cart_id = ?', [cart.body.id])).toEqual([{ quantity: 1 }]);
    await caughtUp();

    await sql('c', 'STOP ALL SLAVES');
    try {
      // no log-in at a for two hours: a log-in at b claims the home (run on a's database; b waits for it)
      await sql('a', 'UPDATE account SET last_login_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE email = ?', [email]);
      expect((await new Shopper(entry('b')).post('/api/accounts/login', { email, password: 'a long password' })).body.homeDc).toBe('b');
      expect(await sql('c', 'SELECT home_dc FROM account WHERE email = ?', [email])).toEqual([{ home_dc: 'a' }]); // c has not seen it

      const added = await atC.post('/api/cart/items', { variantId: variants[1], quantity: 2 });
      expect(added.status).toBe(200);
      // c sent it to a (its replica's home); a refused it and said b; it was written at b
      expect(await sql('b', 'SELECT variant_id, quantity FROM cart_line WHERE cart_id = ? ORDER BY quantity', [cart.body.id]))
        .toEqual([{ variant_id: variants[0], quantity: 1 }, { variant_id: variants[1], quantity: 2 }]);
      const order = await atC.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'follows-1' });
      expect(order.status).toBe(201);
      expect(order.body.lines).toHaveLength(2);
      expect(await sql('b', 'SELECT placed_dc FROM orders WHERE id = ?', [order.body.id])).toEqual([{ placed_dc: 'c' }]);
      // the units are c's, taken in c's own database
      expect(await sql('c', 'SELECT status FROM stock_reservation WHERE order_id = ?', [order.body.id])).toEqual([{ status: 'held' }]);
    } finally {
      await sql('c', 'START ALL SLAVES');
    }
    await caughtUp();
    for (const dc of DCS) {
      expect(await sql(dc, 'SELECT home_dc, home_epoch FROM account WHERE email = ?', [email])).toEqual([{ home_dc: 'b', home_epoch: 2 }]);
      expect(await sql(dc, "SELECT COUNT(*) AS n FROM orders WHERE id IN (SELECT order_id FROM idempotency_key WHERE idem_key = 'follows-1')")).toEqual([{ n: 1 }]);
    }
  });

  it('an account moves a → b and shops at b while c applies a\'s writes late: c applies each DC\'s writes after what they depended on; every channel runs, every table is equal', async () => {
    const email = 'moves-late@example.com';
    const password = 'a long password';
    expect((await new Shopper(entry('a')).post('/api/accounts/register', { email, password, name: 'L' })).status).toBe(201);
    const atA = new Shopper(entry('a'));
    expect((await atA.post('/api/accounts/login', { email, password })).body.homeDc).toBe('a');
    const { id: accountId } = await one(sql<{ id: string }>('a', 'SELECT id FROM account WHERE email = ?', [email]));
    const variants = await fresh(3);
    await caughtUp();
    // a's transactions reach c only through b (whose binlog holds them, log_slave_updates), and c's applier of
    // them waits on a row lock (as it may wait for CPU, or for a slower link): b's own, later ones are at c first
    expect((await topo!.run('wan', 'cut', 'a', 'c')).status).toBe(0);
    const holder = await root('c');
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM cart WHERE active_account_id = ? FOR UPDATE', [accountId]); // the gap a's new cart goes in
    let order;
    let cart;
    try {
      cart = await atA.post('/api/cart/items', { variantId: variants[0], quantity: 1 }); // made at a
      expect(cart.status).toBe(200);
      await sql('a', 'UPDATE account SET last_login_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE id = ?', [accountId]);
      const atB = new Shopper(entry('b'));
      expect((await atB.post('/api/accounts/login', { email, password })).body.homeDc).toBe('b');
      // changed at b, the new home: a line added to a's cart, then the cart ordered and closed
      const added = await atB.post('/api/cart/items', { variantId: variants[1], quantity: 2 });
      expect([added.status, added.body.id, added.body.lines.length]).toEqual([200, cart.body.id, 2]);
      order = await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'moves-late-1' });
      expect(order.status).toBe(201);
      // c has received all of it from b, and has had time to apply what it would
      await receivedAll('c', 'b');
      await new Promise((r) => setTimeout(r, 1500));
      // before: b's writes were applied ahead of the cart they change, and c's channel from b stopped (error 1452/1032)
      const errors = (await sql<{ Connection_name: string; Last_SQL_Error: string }>('c', 'SHOW ALL SLAVES STATUS'))
        .map((r) => `${r.Connection_name}: ${r.Last_SQL_Error}`);
      expect(errors).toEqual(['from_a: ', 'from_b: ']);
      expect(await sql('c', 'SELECT id FROM orders WHERE id = ?', [order.body.id])).toEqual([]); // it waits for the cart
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      await topo!.run('wan', 'heal', 'a', 'c');
    }
    await caughtUp();
    for (const dc of DCS) {
      expect(await sql(dc, 'SELECT c.status, COUNT(l.id) AS n FROM cart c JOIN cart_line l ON l.cart_id = c.id WHERE c.id = ? GROUP BY c.status',
        [cart.body.id]))
        .toEqual([{ status: 'ordered', n: 2 }]);
      expect(await sql(dc, 'SELECT home_dc, home_epoch FROM account WHERE id = ?', [accountId])).toEqual([{ home_dc: 'b', home_epoch: 2 }]);
    }
    expect(await differingTables(DCS, sql)).toEqual([]);
  });

  it('an account homed at c orders at c with a key, moves to a and then to b while b lacks that order: b gives the claim back, and the key repeated at b answers the order (no second one)', async () => {
    const email = 'key-follows@example.com';
    const password = 'a long password';
    expect((await new Shopper(entry('c')).post('/api/accounts/register', { email, password, name: 'K' })).status).toBe(201);
    const atC = new Shopper(entry('c'));
    expect((await atC.post('/api/accounts/login', { email, password })).body.homeDc).toBe('c');
    const { id: accountId } = await one(sql<{ id: string }>('c', 'SELECT id FROM account WHERE email = ?', [email]));
    const [variant] = await fresh(1);
    expect((await atC.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(200);
    await caughtUp();
    // b applies c's checkout late (its applier waits on a row lock the checkout's stock decrement needs); a has it at once
    const holder = await root('b');
    await holder.query('BEGIN');
    await holder.query("SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = 'c' FOR UPDATE", [variant]);
    const checkout = (s: Shopper) => s.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'key-follows-1' });
    let orderId = '';
    try {
      const first = await checkout(atC);
      expect(first.status).toBe(201);
      orderId = first.body.id;
      await waitFor('a to apply c\'s order', async () => (await sql('a', 'SELECT id FROM orders WHERE id = ?', [orderId])).length === 1, 10000, 50);
      // the home moves c → a (a has everything c had), then a → b: a's binlog holds c's order before its claim
      await sql('c', 'UPDATE account SET last_login_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE id = ?', [accountId]);
      expect((await new Shopper(entry('a')).post('/api/accounts/login', { email, password })).body.homeDc).toBe('a');
      await sql('a', 'UPDATE account SET last_login_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE id = ?', [accountId]);
      const atB = new Shopper(entry('b'));
      // b waits for all a had (c's order too), not only a's own writes: it cannot have it, and gives the claim back.
      // Before: b became the home without c's order, and the repeated key below made a second order at b
      const login = await atB.post('/api/accounts/login', { email, password });
      expect([login.status, login.body.homeDc]).toEqual([200, 'a']);
      const again = await checkout(atB);
      expect([again.status, again.body.id]).toEqual([200, orderId]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await caughtUp();
    for (const dc of DCS) {
      expect(await sql(dc, "SELECT COUNT(*) AS n FROM orders WHERE id IN (SELECT order_id FROM idempotency_key WHERE idem_key = 'key-follows-1')")).toEqual([{ n: 1 }]);
      expect(await sql(dc, 'SELECT home_dc FROM account WHERE id = ?', [accountId])).toEqual([{ home_dc: 'a' }]);
    }
    expect(await differingTables(DCS, sql)).toEqual([]);
  });

  it('a guest cart of a, with a cut off from b and c: b adopts it, c follows it to b\'s copy (no second one), and a checkout repeated at c answers b\'s order', async () => {
    const { variants, cartId, at, order } = await guestOfA('adopted-once-1');
    for (const dc of ['b', 'c']) expect((await topo!.run('wan', 'cut', 'a', dc)).status).toBe(0);
    let placed;
    try {
      const atB = at('b');
      const adopted = await atB.post('/api/cart/items', { variantId: variants[1], quantity: 2 });
      expect([adopted.status, adopted.body.id.startsWith('b_'), adopted.body.lines.length]).toEqual([200, true, 2]);
      await waitFor('b\'s adoption to reach c', async () => (await sql('c', 'SELECT id FROM cart WHERE adopted_from = ?', [cartId])).length === 1, 10000, 50);
      // c sees that b has the cart now: it writes there (before: a second copy of its own, and with it a second order below)
      const followed = await at('c').post('/api/cart/items', { variantId: variants[2], quantity: 1 });
      expect([followed.status, followed.body.id, followed.body.lines.length]).toEqual([200, adopted.body.id, 3]);
      // read at c with the old cookie, a still cut off: b's copy as c's replica has it (before: a's original, one line)
      await waitFor('c\'s replica to have b\'s copy with its three lines', async () =>
        (await sql('c', 'SELECT id FROM cart_line WHERE cart_id = ?', [adopted.body.id])).length === 3, 10000, 50);
      const read = await at('c').get('/api/cart');
      expect([read.status, read.body.id, read.body.lines.length]).toEqual([200, adopted.body.id, 3]);
      placed = await order(atB);
      expect(placed.status).toBe(201);
      // the shopper never saw that answer and repeats at c with its old cookie: the same order, not a new one
      const repeated = await order(at('c'));
      expect([repeated.status, repeated.body.id]).toEqual([200, placed.body.id]);
    } finally {
      for (const dc of ['b', 'c']) await topo!.run('wan', 'heal', 'a', dc);
    }
    await caughtUp(); // a replication error would stop a channel here
    for (const dc of DCS) {
      expect(await sql(dc, 'SELECT owner_dc FROM cart WHERE adopted_from = ?', [cartId])).toEqual([{ owner_dc: 'b' }]);
      expect(await sql(dc, `SELECT o.id FROM orders o JOIN cart c ON c.id = o.cart_id WHERE c.id = ? OR c.adopted_from = ?`,
        [cartId, cartId])).toEqual([{ id: placed.body.id }]);
    }
  });

  it('a guest cart of a cut off, adopted by b and asked at c before c has b\'s copy: c adopts it at b (one copy in the topology), one order for the key', async () => {
    const { variants, cartId, at, order } = await guestOfA('adopted-within-lag-1');
    for (const dc of ['b', 'c']) expect((await topo!.run('wan', 'cut', 'a', dc)).status).toBe(0);
    // c applies b's adoption late, as within one replication lag: its applier of b's writes waits on a row lock held
    // at c, on a row b writes just before (c's own writes are not held up by it)
    const { id: categoryId } = await one(sql<{ id: string }>('b', 'SELECT id FROM category ORDER BY id LIMIT 1'));
    const holder = await root('c');
    await holder.query('BEGIN');
    await holder.query('SELECT id FROM category WHERE id = ? FOR UPDATE', [categoryId]);
    await sql('b', 'UPDATE category SET updated_at = NOW(3) + INTERVAL 1 SECOND WHERE id = ?', [categoryId]);
    let placed;
    try {
      const atB = at('b');
      const adopted = await atB.post('/api/cart/items', { variantId: variants[1], quantity: 2 });
      expect([adopted.status, adopted.body.id.startsWith('b_'), adopted.body.lines.length]).toEqual([200, true, 2]);
      await new Promise((r) => setTimeout(r, 500));
      expect(await sql('c', 'SELECT id FROM cart WHERE adopted_from = ?', [cartId])).toEqual([]); // c has not got b's copy
      // before: c made a copy of its own (a second cart, and with the key below a second order after the heal)
      const atC = at('c');
      const atCopy = await atC.post('/api/cart/items', { variantId: variants[2], quantity: 1 });
      expect([atCopy.status, atCopy.body.id, atCopy.body.lines.length]).toEqual([200, adopted.body.id, 3]);
      placed = await order(atC);
      expect([placed.status, placed.body.lines.length]).toEqual([201, 3]);
      const repeated = await order(atB);
      expect([repeated.status, repeated.body.id]).toEqual([200, placed.body.id]);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
      for (const dc of ['b', 'c']) await topo!.run('wan', 'heal', 'a', dc);
    }
    await caughtUp();
    for (const dc of DCS) {
      expect(await sql(dc, 'SELECT owner_dc FROM cart WHERE adopted_from = ?', [cartId])).toEqual([{ owner_dc: 'b' }]);
      expect(await sql(dc, "SELECT COUNT(*) AS n FROM idempotency_key WHERE idem_key = 'adopted-within-lag-1'")).toEqual([{ n: 1 }]);
    }
    expect(await differingTables(DCS, sql)).toEqual([]);
  });

  it('a guest cart of a checked out at b, the answer lost after a committed (outcome unknown): c does not adopt it while a is cut off, and after the heal the retry at c answers a\'s one order', async () => {
    const { cartId, at, order } = await guestOfA('unknown-outcome-3dc-1');
    const ordersOfKey = "SELECT o.id FROM orders o JOIN idempotency_key k ON k.order_id = o.id WHERE k.idem_key = 'unknown-outcome-3dc-1'";
    try {
      const lost = await answerLostAfterCommit(cartId, () => order(at('b')));
      expect([lost.status, lost.body.message]).toEqual([503, expect.stringMatching(/cannot be reached|may have been done/)]);
      await waitFor('a to commit the batch it had', async () => (await sql('a', ordersOfKey)).length === 1, 5000, 50);
      // c sees b's reservation for a's cart without its order: the cart stays at a (before: c adopted it and ordered again)
      await waitFor('b\'s reservation to reach c', async () =>
        (await sql('c', "SELECT 1 FROM stock_reservation WHERE cart_id = ? AND status = 'held'", [cartId])).length === 1, 10000, 50);
      const retried = await order(at('c'));
      expect([retried.status, retried.body.message]).toEqual([503, expect.stringMatching(/may have placed the order/)]);
    } finally {
      for (const dc of ['b', 'c']) await topo!.run('wan', 'heal', 'a', dc);
    }
    await caughtUp();
    const { id: placed } = await one(sql<{ id: string }>('a', ordersOfKey));
    const again = await order(at('c'));
    expect([again.status, again.body.id]).toEqual([200, placed]);
    await caughtUp();
    for (const dc of DCS) {
      expect(await sql(dc, ordersOfKey)).toEqual([{ id: placed }]);
      expect(await sql(dc, 'SELECT COUNT(*) AS n FROM cart WHERE adopted_from = ?', [cartId])).toEqual([{ n: 0 }]);
    }
  });

  it('an account homed in a checking out at b, the answer lost after a committed: the retry at c is 503 while a is cut off (no copy for accounts), after the heal a\'s one order', async () => {
    const email = 'lost-answer@example.com';
    const password = 'a long password';
    expect((await new Shopper(entry('a')).post('/api/accounts/register', { email, password, name: 'A' })).status).toBe(201);
    const atA = new Shopper(entry('a'));
    expect((await atA.post('/api/accounts/login', { email, password })).body.homeDc).toBe('a');
    const [variant] = await fresh(1);
    const cart = await atA.post('/api/cart/items', { variantId: variant, quantity: 1 });
    expect(cart.status).toBe(200);
    await caughtUp();
    // logged in at b and at c while a saw a log-in just now: the home stays at a, and their writes go there
    const [atB, atC] = [new Shopper(entry('b')), new Shopper(entry('c'))];
    for (const s of [atB, atC]) expect((await s.post('/api/accounts/login', { email, password })).body.homeDc).toBe('a');
    const order = (s: Shopper) => s.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'lost-answer-1' });
    const ordersOfKey = "SELECT o.id FROM orders o JOIN idempotency_key k ON k.order_id = o.id WHERE k.idem_key = 'lost-answer-1'";
    try {
      const lost = await answerLostAfterCommit(cart.body.id, () => order(atB));
      expect([lost.status, lost.body.message]).toEqual([503, expect.stringMatching(/may have been done/)]);
      await waitFor('a to commit the batch it had', async () => (await sql('a', ordersOfKey)).length === 1, 5000, 50);
      const retried = await order(atC);
      expect([retried.status, retried.body.message]).toEqual([503, expect.stringMatching(/DC a cannot be reached/)]);
    } finally {
      for (const dc of ['b', 'c']) await topo!.run('wan', 'heal', 'a', dc);
    }
    await caughtUp();
    const { id: placed } = await one(sql<{ id: string }>('a', ordersOfKey));
    const again = await order(atC);
    expect([again.status, again.body.id]).toEqual([200, placed]);
    await caughtUp();
    for (const dc of DCS) expect(await sql(dc, ordersOfKey)).toEqual([{ id: placed }]);
  });

  it('the reservation sweeper settles what it can while a DC cannot be asked: b gives back an orphan sent to c and keeps one sent to a until a answers', async () => {
    const [variant] = await fresh(1);
    const stock = async () => Number((await one(sql<{ available: number }>('b', "SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = 'b'", [variant]))).available);
    const statusOf = async (orderId: string) => (await one(sql<{ status: string }>('b', 'SELECT status FROM stock_reservation WHERE order_id = ?', [orderId]))).status;
    // two checkouts at b whose owner batches never answered, past the grace: 1 unit for an order sent to c, 3 for one sent to a
    const [toC, toA] = [newId('b'), newId('b')];
    await sql('b', "UPDATE stock_allocation SET available = available - 4 WHERE variant_id = ? AND dc = 'b'", [variant]);
    const before = await stock();
    await topo!.run('wan', 'cut', 'a', 'b');
    try {
      await sql('b', `INSERT INTO stock_reservation (id, order_id, dc, \`lines\`, owner_dc, created_at) VALUES
        (?, ?, 'b', ?, 'c', NOW(3) - INTERVAL 1 HOUR), (?, ?, 'b', ?, 'a', NOW(3) - INTERVAL 1 HOUR)`,
      [newId('b'), toC, JSON.stringify([{ v: variant, q: 1 }]), newId('b'), toA, JSON.stringify([{ v: variant, q: 3 }])]);
      // before: a round that could not ask a failed whole, and nothing was released while the cut lasted
      await waitFor('b to give back the orphan sent to c', async () => (await statusOf(toC)) === 'released', 15000, 200);
      expect(await statusOf(toA)).toBe('held');
      expect(await stock()).toBe(before + 1);
    } finally {
      await topo!.run('wan', 'heal', 'a', 'b');
    }
    await waitFor('b to give back the orphan sent to a, now that a answers', async () => (await statusOf(toA)) === 'released', 20000, 200);
    expect(await stock()).toBe(before + 4);
  });

  it('regionctl stock transfer moves allocation between two DCs of three; the sum is the same in every database; bad commands are refused', async () => {
    const { sku, id } = await one(sql<{ sku: string; id: string }>('a', 'SELECT sku, id FROM variant ORDER BY sku LIMIT 1'));
    const stockIn = (dc: Dc) => sql<{ dc: string; available: number }>(dc, 'SELECT dc, available FROM stock_allocation WHERE variant_id = ? ORDER BY dc', [id]);
    const before = await stockIn('a');
    const sum = (rows: { available: number }[]) => rows.reduce((s, r) => s + Number(r.available), 0);

    const moved = await topo!.run('stock', 'transfer', sku, '7', 'a', 'c');
    expect(moved.stdout).toMatch(new RegExp(`moved 7 units of ${sku} from DC a to DC c`));
    expect(moved.status).toBe(0);
    await caughtUp();
    for (const dc of DCS) {
      const rows = await stockIn(dc);
      expect(sum(rows)).toBe(sum(before));
      expect(rows).toEqual(before.map((r) => ({ dc: r.dc, available: Number(r.available) + (r.dc === 'a' ? -7 : r.dc === 'c' ? 7 : 0) })));
    }
    // asked again with the key of a transfer made (an operator unsure it happened): reported, not made again
    const key = `drill-${Date.now()}`;
    const keyed = await topo!.run('stock', 'transfer', sku, '3', 'a', 'c', '--key', key);
    expect([keyed.status, keyed.stdout]).toEqual([0, expect.stringMatching(/moved 3 units/)]);
    const again = await topo!.run('stock', 'transfer', sku, '3', 'a', 'c', '--key', key);
    expect([again.status, again.stdout]).toEqual([0, expect.stringContaining(`already done with key ${key}: nothing moved now`)]);
    expect(again.stdout).toContain(keyed.stdout.match(/\(transfer (\S+)\)/)![1]);
    const other = await topo!.run('stock', 'transfer', sku, '4', 'a', 'c', '--key', key);
    expect(other.status).not.toBe(0);
    expect(other.stderr).toMatch(/Idempotency-Key was used for transfer/);
    await topo!.run('stock', 'transfer', sku, '3', 'c', 'a', '--key', `${key}-back`);
    await caughtUp();
    expect(await stockIn('b')).toEqual(before.map((r) => ({ dc: r.dc, available: Number(r.available) + (r.dc === 'a' ? -7 : r.dc === 'c' ? 7 : 0) })));

    const shown = await topo!.run('stock', 'show', sku, 'b');
    expect(shown.stdout).toContain(`DC c: ${Number(before.find((r) => r.dc === 'c')!.available) + 7}`);
    expect(shown.stdout).toContain(`total ${sum(before)} (as DC b's database sees it)`);

    for (const [args, message] of [
      [['transfer', sku, '1000000', 'a', 'c'], /DC a has \d+ units of this variant; cannot move 1000000/],
      [['transfer', 'NO-SUCH-SKU', '1', 'a', 'c'], /variant NO-SUCH-SKU not found/],
      [['transfer', sku, '1', 'a', 'x'], /no DC "x"/],
      [['transfer', sku, '1', 'a', 'a'], /two different DCs/],
      [['transfer', sku, '0', 'a', 'c'], /units must be/],
      [['transfer', sku, 'many', 'a', 'c'], /stock needs/],
      [['move', sku], /stock needs/],
      [['transfer', sku, '1', 'a', 'c', '--key', 'short'], /Idempotency-Key|8 to 100/],
      [['show', sku, '--key', 'long-enough-key'], /--key goes with stock transfer only/],
    ] as const) {
      const r = await topo!.run('stock', ...args);
      expect([args.join(' '), r.status]).toEqual([args.join(' '), expect.any(Number)]);
      expect(r.status).not.toBe(0);
      expect(r.stderr + r.stdout).toMatch(message);
    }
    await caughtUp();
    expect(await stockIn('b')).toEqual(await stockIn('a'));
    expect(sum(await stockIn('c'))).toBe(sum(before));
  });

  it('a third DC whose applier of a transfer is held applies the receipt only after it: the units are never counted twice or nowhere', async () => {
    const { sku, id } = await one(sql<{ sku: string; id: string }>('a', 'SELECT sku, id FROM variant ORDER BY sku LIMIT 1 OFFSET 1'));
    await caughtUp();
    const shownAtC = async () => (await topo!.run('stock', 'show', sku, 'c')).stdout;
    const before = Number((await shownAtC()).match(/total (\d+) /)![1]);
    // c's applier of a's transaction waits on a row lock (as it may wait for CPU or a slower link); b's
    // receipt, another GTID domain, comes after the transfer in b's binlog. Before, c's parallel appliers
    // committed it first ("received ahead" in stock show); in order, it waits for the transfer
    const holder = await root('c');
    await holder.query('BEGIN');
    await holder.query("SELECT available FROM stock_allocation WHERE variant_id = ? AND dc = 'a' FOR UPDATE", [id]);
    let transferId: string;
    try {
      const moved = await topo!.run('stock', 'transfer', sku, '5', 'a', 'b');
      expect(moved.stdout).toMatch(/moved 5 units/);
      transferId = moved.stdout.match(/\(transfer (\S+)\)/)![1]!;
      await new Promise((r) => setTimeout(r, 1500)); // before, the receipt was there by now
      expect(await sql('c', 'SELECT transfer_id FROM stock_transfer_receipt WHERE transfer_id = ?', [transferId])).toEqual([]);
      // c's channel from b waits for the one from a (it applies a's domain); SHOW ALL SLAVES STATUS waits with it, for as long
      // as the lock is held. regionctl status answers anyway, within its deadline, with what the appliers are doing
      const started = Date.now();
      const cNow = (await status()).dcs.find((d) => d.dc === 'c')!;
      expect(Date.now() - started).toBeLessThan(10000);
      expect(cNow.channels).toEqual({ error: expect.stringMatching(/did not answer within 2000 ms; appliers: .*"Waiting for other master connection to process the same GTID"/) });
      const shown = await shownAtC();
      expect(shown).not.toContain('received ahead');
      expect(shown).toContain(`total ${before} (as DC c's database sees it)`);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await caughtUp();
    expect(await sql('c', 'SELECT id FROM stock_transfer WHERE id = ?', [transferId])).toEqual([{ id: transferId }]);
    expect(await sql('c', 'SELECT transfer_id FROM stock_transfer_receipt WHERE transfer_id = ?', [transferId])).toEqual([{ transfer_id: transferId }]);
    // c committed them in b's order: in c's binlog (log_slave_updates) the transfer comes before the receipt
    const events: string[] = [];
    for (const f of await sql<{ Log_name: string }>('c', 'SHOW BINARY LOGS')) {
      events.push(...(await sql<{ Info: string }>('c', `SHOW BINLOG EVENTS IN '${f.Log_name}'`)).map((e) => e.Info));
    }
    const lastWrite = (table: string) => events.findLastIndex((e) => e.includes(`(meridian.${table})`));
    expect(lastWrite('stock_transfer')).toBeLessThan(lastWrite('stock_transfer_receipt'));
    const after = await shownAtC();
    expect(after).not.toContain('received ahead');
    expect(after).toContain(`total ${before} (as DC c's database sees it)`);
  });
});
