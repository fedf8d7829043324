import { ReservationSweeper } from '../../apps/commerce-api/src/stock/reservation-sweeper';
import { useTwoDcs } from '../support/two-dcs';
import { Answer, ADDRESS, Shopper } from '../support/client';
import { one } from '../support/rows';

/**
 * Two DCs under faults the other suites do not inject: an owner that committed and whose answer
 * was lost, a link that silently holds everything back, a new home that cannot apply the old
 * home's writes. Each leaves one order per key, no units sold twice and nothing stuck.
 */
describe('two DCs under faults', () => {
  const { nodes, links, apps, url, caughtUp, replicationHealthy, variantIds } = useTwoDcs({ env: { HOME_CLAIM_WAIT_SECONDS: '1', REMOTE_STATEMENT_TIMEOUT_MS: '1000' } });
  /** four variants of each test's own, with stock at both DCs */
  let variants: [string, string, string, string];

  beforeEach(async () => {
    variants = await variantIds(4);
  });

  /** Placed orders of the cart (its adoptions included) in a database. */
  const ordersOf = async (dc: 'a' | 'b', cartId: string) => nodes[dc].rootQuery<{ id: string; status: string }>(
    `SELECT o.id, o.status FROM meridian.orders o JOIN meridian.cart c ON c.id = o.cart_id
     WHERE (c.id = ? OR c.adopted_from = ?) AND o.status <> 'cancelled' ORDER BY o.id`, [cartId, cartId]);
  const checkout = (s: Shopper, key: string, email?: string) =>
    s.post('/api/checkout', { ...(email ? { email } : {}), shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': key });
  const bToA = () => links[1];

  /**
   * Sends the checkout at b; the link from b to a delivers the owner batch (it claims the key) and
   * then holds everything back; once a's database has the key row (a committed), `lose` makes sure
   * the answer never arrives. Answers what b said.
   */
  async function checkoutWhoseAnswerIsLost(s: Shopper, key: string, lose: () => Promise<void>, email?: string): Promise<Answer> {
    const blackholed = bToA().blackholeAfter((chunk) => chunk.includes('INSERT INTO idempotency_key') && chunk.includes(key));
    const answer = checkout(s, key, email);
    await blackholed;
    for (let i = 0; ; i++) {
      const { n } = await one(nodes.a.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM meridian.idempotency_key WHERE idem_key = ?', [key]));
      if (Number(n) === 1) break;
      if (i > 100) throw new Error('DC a never committed the owner batch');
      await new Promise((r) => setTimeout(r, 50));
    }
    await lose();
    return answer;
  }

  /** A guest's cart made at a, and the same guest (its cookies) at b, once b has the cart. */
  async function guestOfAAtB(quantity: number): Promise<{ cartId: string; atB: Shopper }> {
    const guest = new Shopper(url.a);
    const cart = await guest.post('/api/cart/items', { variantId: variants[0], quantity });
    expect(cart.body.id).toMatch(/^a_/);
    await caughtUp();
    const atB = new Shopper(url.b);
    for (const [k, v] of guest.cookies) atB.cookies.set(k, v);
    return { cartId: cart.body.id, atB };
  }

  /** While the checkout's outcome is unknown the repeat is refused, and so is any write that would move the cart; b has no order of it. */
  async function refusedWhileUnresolved(atB: Shopper, key: string, cartId: string, email: string): Promise<void> {
    const retry = await checkout(atB, key, email);
    expect(retry.status).toBe(503);
    expect(retry.body.message).toMatch(/got no answer from DC a.*same Idempotency-Key/);
    expect((await atB.post('/api/cart/items', { variantId: variants[1], quantity: 1 })).status).toBe(503);
    expect(await ordersOf('b', cartId)).toEqual([]);
  }

  /** The repeat after the fault is over replays the one order, which both DCs hold once; the units were taken once, at b. */
  async function oneOrderAfterTheFault(atB: Shopper, key: string, cartId: string, email: string): Promise<void> {
    await replicationHealthy();
    const after = await checkout(atB, key, email);
    expect(after.status).toBe(200);
    expect(after.headers.get('idempotent-replayed')).toBe('true');
    await caughtUp();
    const inA = await ordersOf('a', cartId);
    expect(inA).toEqual([{ id: after.body.id, status: 'placed' }]);
    expect(await ordersOf('b', cartId)).toEqual(inA);
    const held = await nodes.b.rootQuery("SELECT order_id, status FROM meridian.stock_reservation WHERE cart_id = ? AND status = 'held'", [cartId]);
    expect(held).toEqual([{ order_id: after.body.id, status: 'held' }]);
  }

  /**
   * A checkout at DC b whose owner is DC a: a commits the owner batch, and its answer is lost (the
   * link blackholes right after delivering the batch, then is cut). The shopper repeats with the
   * same Idempotency-Key, as a careful client does: during the cut, after the heal.
   */
  describe('one Idempotency-Key, one order, when the owner committed and its answer was lost', () => {
    it('a guest\'s cart of DC a checked out at b: the retry during the cut is refused instead of adopting the cart and ordering it again', async () => {
      const { cartId, atB } = await guestOfAAtB(2);
      try {
        const lost = await checkoutWhoseAnswerIsLost(atB, 'lost-answer-guest-1', () => bToA().cut(), 'guest@example.com');
        expect(lost.status).toBe(503);
        expect(lost.body.message).toMatch(/cannot be reached/);
        // the careful client repeats: a refuses the connection now; before the fix b adopted the cart and answered 201
        await refusedWhileUnresolved(atB, 'lost-answer-guest-1', cartId, 'guest@example.com');
      } finally {
        await bToA().heal();
      }
      await oneOrderAfterTheFault(atB, 'lost-answer-guest-1', cartId, 'guest@example.com');
    });

    it('the same when a\'s database is killed (SIGKILL) after its COMMIT: refused while it is down, the order survives its crash recovery and is the one order', async () => {
      const { cartId, atB } = await guestOfAAtB(1);
      let killed = false;
      try {
        // a dies with the answer (and its binlog events for b's replica) still on their way; they are lost with it
        const lost = await checkoutWhoseAnswerIsLost(atB, 'lost-answer-killed-1', async () => {
          await nodes.a.kill();
          killed = true;
          await bToA().cut();
        }, 'killed@example.com');
        expect(lost.status).toBe(503);
        expect(lost.body.message).toMatch(/cannot be reached/);
        // the link heals while a is down: a itself refuses every connection now
        await bToA().heal();
        await refusedWhileUnresolved(atB, 'lost-answer-killed-1', cartId, 'killed@example.com');
      } finally {
        await bToA().heal();
        if (killed) await nodes.a.start();
      }
      await oneOrderAfterTheFault(atB, 'lost-answer-killed-1', cartId, 'killed@example.com');
    });

    it('an account homed in a checking out at b: the retry during the cut is refused (no adoption for accounts), after the heal it answers the one order', async () => {
      const home = new Shopper(url.a);
      const reg = await home.post('/api/accounts/register', { email: 'lost-answer@example.com', password: 'a long password', name: 'L' });
      expect(reg.status).toBe(201);
      await caughtUp();
      const atB = new Shopper(url.b);
      expect((await atB.post('/api/accounts/login', { email: 'lost-answer@example.com', password: 'a long password' })).status).toBe(200);
      const cart = await atB.post('/api/cart/items', { variantId: variants[2], quantity: 1 });
      expect(cart.status).toBe(200);
      await caughtUp();
      try {
        const lost = await checkoutWhoseAnswerIsLost(atB, 'lost-answer-account-1', () => bToA().cut());
        expect(lost.status).toBe(503);
        const retry = await checkout(atB, 'lost-answer-account-1');
        expect(retry.status).toBe(503);
        expect(retry.body.message).toMatch(/DC a cannot be reached/);
      } finally {
        await bToA().heal();
      }
      await replicationHealthy();
      const after = await checkout(atB, 'lost-answer-account-1');
      expect(after.status).toBe(200);
      expect(after.headers.get('idempotent-replayed')).toBe('true');
      await caughtUp();
      for (const dc of ['a', 'b'] as const) {
        expect(await nodes[dc].rootQuery("SELECT id FROM meridian.orders WHERE account_id = ? AND status <> 'cancelled'", [reg.body.id]))
          .toEqual([{ id: after.body.id }]);
      }
    });
  });

  describe('every call to another DC is bounded, and a batch that arrives late never commits', () => {
    it('a checkout at b while the link to a blackholes answers 503 (outcome unknown) at the deadline; the batch a gets at the heal is refused; the units come back once', async () => {
      const home = new Shopper(url.a);
      expect((await home.post('/api/accounts/register', { email: 'blackholed@example.com', password: 'a long password', name: 'B' })).status).toBe(201);
      await caughtUp();
      const atB = new Shopper(url.b);
      expect((await atB.post('/api/accounts/login', { email: 'blackholed@example.com', password: 'a long password' })).status).toBe(200);
      expect((await atB.post('/api/cart/items', { variantId: variants[1], quantity: 3 })).status).toBe(200);
      await caughtUp();
      const stockAtB = async () => Number((await one(nodes.b.rootQuery<{ available: number }>(
        "SELECT available FROM meridian.stock_allocation WHERE variant_id = ? AND dc = 'b'", [variants[1]]))).available);
      const before = await stockAtB();
      const order = () => atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'blackholed-1' });
      links[1].blackhole(); // b -> a: nothing arrives and nobody is told; what was sent arrives at the heal
      let first;
      try {
        // before: no deadline, the request waited for as long as the blackhole lasted (here: the test's own bound)
        first = await Promise.race([order(), new Promise<undefined>((r) => setTimeout(() => r(undefined), 15000))]);
        expect(first?.status).toBe(503);
        expect(first?.body.message).toMatch(/DC a did not answer in time.*may have been done.*same Idempotency-Key/);
        expect(await stockAtB()).toBe(before - 3); // reserved, and kept: the outcome is unknown
      } finally {
        await links[1].heal(); // the held batch reaches a now, after its deadline
      }
      await caughtUp();
      await new Promise((r) => setTimeout(r, 300));
      // a refused to commit it: no order, no key
      expect(await nodes.a.rootQuery("SELECT id FROM meridian.idempotency_key WHERE idem_key = 'blackholed-1'")).toEqual([]);
      // its reservation is an orphan: once past the grace the sweeper gives the units back, once
      await nodes.b.rootQuery("UPDATE meridian.stock_reservation SET created_at = created_at - INTERVAL 1 HOUR WHERE status = 'held' AND created_at > NOW() - INTERVAL 1 MINUTE");
      const released = await apps[1].get(ReservationSweeper).sweep();
      expect(released).toHaveLength(1);
      expect(await stockAtB()).toBe(before);
      // the shopper repeats: one order, the units taken once
      const again = await order();
      expect(again.status).toBe(201);
      await caughtUp();
      expect(await stockAtB()).toBe(before - 3);
      for (const dc of ['a', 'b'] as const) {
        expect(await nodes[dc].rootQuery("SELECT order_id FROM meridian.idempotency_key WHERE idem_key = 'blackholed-1'")).toEqual([{ order_id: again.body.id }]);
      }
      await replicationHealthy();
    });
  });

  describe('a home claim that cannot finish leaves nothing stuck', () => {
    it('a log-in at b while b\'s channel from a is stopped keeps the home at a (the claim is given back): writes work at both DCs', async () => {
      const home = new Shopper(url.a);
      const reg = await home.post('/api/accounts/register', { email: 'stuck-claim@example.com', password: 'a long password', name: 'S' });
      expect(reg.status).toBe(201);
      // last seen at a two hours ago: a log-in at b claims the home
      await nodes.a.rootQuery('UPDATE meridian.account SET last_login_at = NOW(3) - INTERVAL 2 HOUR WHERE id = ?', [reg.body.id]);
      await caughtUp();
      const homes = async () => Promise.all((['a', 'b'] as const).map(async (dc) =>
        (await one(nodes[dc].rootQuery<{ home_dc: string; home_epoch: number }>('SELECT home_dc, home_epoch FROM meridian.account WHERE id = ?', [reg.body.id])))));
      const before = await homes();
      await nodes.b.rootQuery("STOP SLAVE 'from_a'");
      const atB = new Shopper(url.b);
      try {
        // before: 503 after the wait, a said home = b and b said a, and every cart write at either DC answered 503 "moving"
        const login = await atB.post('/api/accounts/login', { email: 'stuck-claim@example.com', password: 'a long password' });
        expect([login.status, login.body.homeDc]).toEqual([200, 'a']);
        const inA = await one(homes());
        expect(inA).toEqual({ home_dc: 'a', home_epoch: before[0]!.home_epoch + 2 }); // claimed, then given back
        expect((await atB.post('/api/cart/items', { variantId: variants[3], quantity: 1 })).status).toBe(200);
        expect((await home.post('/api/cart/items', { variantId: variants[3], quantity: 1 })).status).toBe(200);
        expect((await atB.get('/api/cart')).body.lines).toEqual([expect.objectContaining({ variantId: variants[3], quantity: 2 })]);
      } finally {
        await nodes.b.rootQuery("START SLAVE 'from_a'");
      }
      await caughtUp();
      const after = await homes();
      expect(after[1]).toEqual(after[0]);
      await replicationHealthy();
    });
  });
});
