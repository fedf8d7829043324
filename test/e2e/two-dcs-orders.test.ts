import { newId } from '@meridian/dc';
import { MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { ReservationSweeper } from '../../apps/commerce-api/src/stock/reservation-sweeper';
import { PasswordHasher } from '../../apps/commerce-api/src/accounts/password-hasher';
import { registerAt, useTwoDcs } from '../support/two-dcs';
import { ADDRESS, Shopper } from '../support/client';
import { one } from '../support/rows';

describe('two DCs: checkout, stock and guest carts across DCs', () => {
  const { nodes, links, apps, url, caughtUp, variantIds: fresh } = useTwoDcs();

  const registerInA = (email: string) => registerAt(url.a, email);

  const stockIn = async (db: MariaDbNode, variant: string, dc: string) =>
    Number((await one(db.rootQuery<{ n: number }>('SELECT available AS n FROM meridian.stock_allocation WHERE variant_id = ? AND dc = ?', [variant, dc]))).n);

  it('checkout at DC b for an account homed in a: the order is written in a\'s database, the stock taken from b\'s own allocation in b\'s', async () => {
    const inA = await registerInA('remote-buyer@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email: 'remote-buyer@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    const variants = await fresh(3);
    for (const v of variants.slice(0, 3)) expect((await atB.post('/api/cart/items', { variantId: v, quantity: 2 })).status).toBe(200);
    const before = { bInB: await stockIn(nodes.b, variants[0], 'b'), aInA: await stockIn(nodes.a, variants[0], 'a') };

    const order = await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'remote-checkout-1' });
    expect(order.status).toBe(201);
    expect(order.body).toMatchObject({ placedDc: 'b', email: 'remote-buyer@example.com', status: 'placed' });
    expect(order.body.lines).toHaveLength(3);
    // the order is the home's: in a's database at once
    expect(await nodes.a.rootQuery('SELECT placed_dc FROM meridian.orders WHERE id = ?', [order.body.id])).toEqual([{ placed_dc: 'b' }]);
    // the units are b's: taken in b's database, with the reservation that can give them back
    expect(await stockIn(nodes.b, variants[0], 'b')).toBe(before.bInB - 2);
    expect(await nodes.b.rootQuery('SELECT dc, status FROM meridian.stock_reservation WHERE order_id = ?', [order.body.id])).toEqual([{ dc: 'b', status: 'held' }]);
    await caughtUp();
    expect(await stockIn(nodes.a, variants[0], 'b')).toBe(before.bInB - 2); // a sees b's row only by replication
    expect(await stockIn(nodes.a, variants[0], 'a')).toBe(before.aInA); // a's own allocation is untouched

    // the same key again, at either DC: the same order, nothing taken twice
    for (const shopper of [atB, inA]) {
      const again = await shopper.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'remote-checkout-1' });
      expect(again.body.id).toBe(order.body.id);
    }
    expect(await stockIn(nodes.b, variants[0], 'b')).toBe(before.bInB - 2);

    // cancelled at the home: the units go back to b's allocation, in b's database, once
    expect((await inA.post(`/api/orders/${order.body.id}/cancel`)).status).toBe(200);
    expect(await stockIn(nodes.b, variants[0], 'b')).toBe(before.bInB);
    expect(await nodes.b.rootQuery('SELECT status FROM meridian.stock_reservation WHERE order_id = ?', [order.body.id])).toEqual([{ status: 'released' }]);
    await caughtUp();
    expect(await stockIn(nodes.a, variants[0], 'b')).toBe(before.bInB);
  });

  it('a remote checkout priced from a stale replica notices the change at the home and charges what the cart really holds', async () => {
    const inA = await registerInA('stale-replica@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    await atB.post('/api/accounts/login', { email: 'stale-replica@example.com', password: 'a long password' });
    const variants = await fresh(5);
    await atB.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
    await caughtUp();
    const stockBefore = await stockIn(nodes.b, variants[4], 'b');
    await nodes.b.rootQuery("STOP SLAVE 'from_a'"); // b's replica stops seeing a's writes
    try {
      expect((await inA.post('/api/cart/items', { variantId: variants[4], quantity: 3 })).status).toBe(200); // written at the home
      const order = await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'stale-replica-1' });
      expect(order.status).toBe(201);
      expect(order.body.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity]).sort())
        .toEqual([[variants[0], 1], [variants[4], 3]].sort());
      expect(await stockIn(nodes.b, variants[4], 'b')).toBe(stockBefore - 3);
      // the first attempt's reservation was given back: one reservation per order, and no stray units gone
      expect(await nodes.b.rootQuery("SELECT COUNT(*) AS n FROM meridian.stock_reservation WHERE status = 'held' AND order_id = ?", [order.body.id])).toEqual([{ n: 1 }]);
    } finally {
      await nodes.b.rootQuery("START SLAVE 'from_a'");
    }
    await caughtUp();
  });

  it('the reservation sweeper gives back units no order took, only once the DC their order was sent to has been asked, and those of an order cancelled while its DC was cut off', async () => {
    const sweeper = apps[1].get(ReservationSweeper);
    const [variant] = await fresh(1);
    await caughtUp();
    // an order placed at b whose owner (a) b's replica has not heard from: its reservation is not an orphan
    await registerInA('swept@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    await atB.post('/api/accounts/login', { email: 'swept@example.com', password: 'a long password' });
    await atB.post('/api/cart/items', { variantId: variant, quantity: 1 });
    await nodes.b.rootQuery("STOP SLAVE 'from_a'");
    try {
      const real = await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'swept-real-1' });
      expect(real.status).toBe(201);
      // and what a checkout whose owner batch never answered leaves behind: units taken, no order anywhere
      const orphan = newId('b');
      await nodes.b.rootQuery(`UPDATE meridian.stock_allocation SET available = available - 3 WHERE variant_id = ? AND dc = 'b'`, [variant]);
      await nodes.b.rootQuery('INSERT INTO meridian.stock_reservation (id, order_id, dc, `lines`) VALUES (?, ?, ?, ?)',
        [newId('b'), orphan, 'b', JSON.stringify([{ v: variant, q: 3 }])]);
      await nodes.b.rootQuery('UPDATE meridian.stock_reservation SET created_at = created_at - INTERVAL 1 HOUR WHERE order_id IN (?, ?)', [orphan, real.body.id]);
      const stock = await stockIn(nodes.b, variant, 'b');

      await links[1].cut(); // a cannot be asked: what was sent to a (and the row naming no DC) stays held
      try {
        expect(await sweeper.sweep()).toEqual([]);
      } finally {
        await links[1].heal();
      }
      expect(await sweeper.sweep()).toEqual([orphan]); // a has the real order, nobody has the orphan's
      expect(await stockIn(nodes.b, variant, 'b')).toBe(stock + 3);
      expect(await nodes.b.rootQuery('SELECT order_id, status FROM meridian.stock_reservation WHERE order_id IN (?, ?) ORDER BY status',
        [orphan, real.body.id])).toEqual([{ order_id: real.body.id, status: 'held' }, { order_id: orphan, status: 'released' }]);
      expect(await sweeper.sweep()).toEqual([]); // once
      expect(await stockIn(nodes.b, variant, 'b')).toBe(stock + 3);
    } finally {
      await nodes.b.rootQuery("START SLAVE 'from_a'");
    }
    await caughtUp();

    // the real order, cancelled at its home a while a cannot reach b: its unit stays held in b until
    // the cancellation replicates to b, and then b's sweeper gives it back, once
    const { order_id: real } = await one(nodes.b.rootQuery<{ order_id: string }>(
      "SELECT order_id FROM meridian.stock_reservation WHERE status = 'held' AND dc = 'b' AND order_id IN (SELECT order_id FROM meridian.idempotency_key WHERE idem_key = 'swept-real-1')"));
    const atA = new Shopper(url.a);
    expect((await atA.post('/api/accounts/login', { email: 'swept@example.com', password: 'a long password' })).status).toBe(200);
    const held = await stockIn(nodes.b, variant, 'b');
    await links[0].cut();
    try {
      const cancelled = await atA.post(`/api/orders/${real}/cancel`);
      expect([cancelled.status, cancelled.body.status]).toEqual([200, 'cancelled']);
    } finally {
      await links[0].heal();
    }
    expect(await nodes.b.rootQuery('SELECT status FROM meridian.stock_reservation WHERE order_id = ?', [real])).toEqual([{ status: 'held' }]);
    await caughtUp();
    expect(await sweeper.sweep()).toEqual([real]);
    expect(await stockIn(nodes.b, variant, 'b')).toBe(held + 1);
    expect(await sweeper.sweep()).toEqual([]);
    expect(await stockIn(nodes.b, variant, 'b')).toBe(held + 1);
    await caughtUp();
  });

  it('a guest cart of DC a, while a cannot be reached from b: b adopts it from its replica, once, and the guest shops, checks out and logs in at b', async () => {
    const inA = new Shopper(url.a);
    const variants = await fresh(3);
    await inA.post('/api/cart/items', { variantId: variants[0], quantity: 2 });
    const original = (await inA.post('/api/cart/items', { variantId: variants[1], quantity: 1 })).body;
    expect(original.id).toMatch(/^a_/);
    const second = new Shopper(url.a); // another guest of a, who will log in at b
    await second.post('/api/cart/items', { variantId: variants[2], quantity: 4 });
    await caughtUp();
    const withCookiesOf = (from: Shopper, baseUrl: string) => {
      const s = new Shopper(baseUrl);
      for (const [k, v] of from.cookies) s.cookies.set(k, v);
      return s;
    };
    const atB = withCookiesOf(inA, url.b);
    const retrier = withCookiesOf(inA, url.b); // keeps the old cookie, as a client whose answer got lost
    expect((await atB.get('/api/cart')).body.id).toBe(original.id); // a reachable: a's cart, served by a

    await nodes.b.rootQuery('STOP SLAVE \'from_a\'');
    const late = new Shopper(url.a); // a cart b's replica will not have
    await late.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
    await links[1].cut(); // b -> a: b cannot reach a's database
    let adopted: string | undefined;
    try {
      const seen = await atB.get('/api/cart');
      expect(seen.status).toBe(200);
      expect(seen.body).toMatchObject({ id: original.id, totalQuantity: 3 }); // b's replica copy, read only

      const added = await atB.post('/api/cart/items', { variantId: variants[2], quantity: 5 });
      expect(added.status).toBe(200);
      expect(added.body.id).toMatch(/^b_/);
      adopted = added.body.id;
      expect(added.body.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity]))
        .toEqual([[variants[0], 2], [variants[1], 1], [variants[2], 5]]);
      expect(await nodes.b.rootQuery('SELECT id, owner_dc, status FROM meridian.cart WHERE adopted_from = ?', [original.id]))
        .toEqual([{ id: added.body.id, owner_dc: 'b', status: 'active' }]);

      // the old cookie again (the answer above lost): the same adopted cart, not a second copy
      const changed = await retrier.patch(`/api/cart/items/${variants[0]}`, { quantity: 7 });
      expect(changed.status).toBe(200);
      expect(changed.body.id).toBe(added.body.id);
      expect((await atB.get('/api/cart')).body).toMatchObject({ id: added.body.id, totalQuantity: 13 });

      const order = await atB.post('/api/checkout', { email: 'adopted@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'adopted-cart-1' });
      expect(order.status).toBe(201);
      expect(order.body.id).toMatch(/^b_/);
      expect(order.body.lines).toHaveLength(3);
      const again = await retrier.post('/api/checkout', { email: 'adopted@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'adopted-cart-1' });
      expect([again.status, again.body.id]).toEqual([200, order.body.id]); // a replay
      expect(await nodes.b.rootQuery('SELECT COUNT(*) AS n FROM meridian.orders WHERE email = ?', ['adopted@example.com'])).toEqual([{ n: 1 }]);

      // a cart b never received cannot be adopted: 503 naming why, nothing written
      const carts = await nodes.b.rootQuery('SELECT COUNT(*) AS n FROM meridian.cart');
      const refused = await withCookiesOf(late, url.b).post('/api/cart/items', { variantId: variants[1], quantity: 1 });
      expect(refused.status).toBe(503);
      expect(refused.body.message).toMatch(/has not been replicated to DC b/);
      expect(await nodes.b.rootQuery('SELECT COUNT(*) AS n FROM meridian.cart')).toEqual(carts);

      // log-in at b of an account homed in b, holding a guest cart of a: the lines join its cart at b
      const member = withCookiesOf(second, url.b);
      expect((await member.post('/api/accounts/register', { email: 'homed-in-b@example.com', password: 'a long password', name: 'B' })).status).toBe(201);
      expect((await member.get('/api/cart')).body).toMatchObject({ totalQuantity: 4, lines: [expect.objectContaining({ variantId: variants[2], quantity: 4 })] });
    } finally {
      await links[1].heal();
      await nodes.b.rootQuery('START SLAVE \'from_a\'');
    }
    await caughtUp();
    // a's own cart was never written by b; it stays in a, where no cookie names it any more
    expect(await nodes.a.rootQuery('SELECT status FROM meridian.cart WHERE id = ?', [original.id])).toEqual([{ status: 'active' }]);
    expect(await nodes.a.rootQuery('SELECT adopted_from FROM meridian.cart WHERE id = ?', [adopted])).toEqual([{ adopted_from: original.id }]);
  });

  describe('stock transfers between the DCs\' allocations', () => {
    const stockSql = 'SELECT dc, available FROM meridian.stock_allocation WHERE variant_id = ? ORDER BY dc';
    const sumIn = async (db: MariaDbNode, variant: string) => {
      const { s } = await one(db.rootQuery<{ s: string }>('SELECT SUM(available) AS s FROM meridian.stock_allocation WHERE variant_id = ?', [variant]));
      const { t } = await one(db.rootQuery<{ t: string | null }>(`SELECT SUM(t.units) AS t FROM meridian.stock_transfer t
        LEFT JOIN meridian.stock_transfer_receipt r ON r.transfer_id = t.id WHERE t.variant_id = ? AND r.transfer_id IS NULL`, [variant]));
      return Number(s) + Number(t ?? 0);
    };
    const admin = async (at: 'a' | 'b') => {
      const s = new Shopper(url[at]);
      expect((await s.post('/api/accounts/login', { email: 'stock-admin@example.com', password: 'an admin password' })).status).toBe(200);
      return s;
    };
    let variant: string;

    beforeAll(async () => {
      await nodes.a.rootQuery("INSERT INTO meridian.account (id, email, password_hash, name, role, home_dc) VALUES (?, 'stock-admin@example.com', ?, 'Admin', 'admin', 'a')",
        [newId('a'), await new PasswordHasher().hash('an admin password')]);
      [variant = ''] = await fresh(1);
      await caughtUp();
    });

    it('moves units out of a\'s allocation and into b\'s, once, the sum unchanged in both databases; bad requests change nothing', async () => {
      const total = await sumIn(nodes.a, variant);
      const [aBefore, bBefore] = [await nodes.a.rootQuery(stockSql, [variant]), await nodes.b.rootQuery(stockSql, [variant])];
      const atB = await admin('b');
      const moved = await atB.post(`/api/admin/variants/${variant}/stock-transfers`, { from: 'a', to: 'b', units: 5 });
      expect(moved.status).toBe(201);
      expect(moved.body).toMatchObject({ id: expect.stringMatching(/^a_/), variantId: variant, from: 'a', to: 'b', units: 5, state: 'received' });
      // each side written in its own DC's database: a's row down in a's, b's row up in b's
      const own = async (db: MariaDbNode, dc: string) => Number((await one(db.rootQuery<{ available: number }>(
        'SELECT available FROM meridian.stock_allocation WHERE variant_id = ? AND dc = ?', [variant, dc]))).available);
      const availableOf = (rows: { dc: string; available: number }[], dc: string) => Number(rows.find((r) => r.dc === dc)!.available);
      expect(await own(nodes.a, 'a')).toBe(availableOf(aBefore as never, 'a') - 5);
      expect(await own(nodes.b, 'b')).toBe(availableOf(bBefore as never, 'b') + 5);
      await caughtUp();
      expect(await sumIn(nodes.a, variant)).toBe(total);
      expect(await sumIn(nodes.b, variant)).toBe(total);
      expect(await nodes.a.rootQuery(stockSql, [variant])).toEqual(await nodes.b.rootQuery(stockSql, [variant]));
      expect((await atB.get(`/api/admin/stock-transfers/${moved.body.id}`)).body).toMatchObject({ state: 'received', units: 5 });
      const view = await (await admin('a')).get(`/api/admin/variants/${variant}/stock`);
      expect(view.body).toMatchObject({ variantId: variant, asSeenBy: 'a', total, inTransit: [], receivedAhead: [] });

      // bad requests: 4xx, nothing moved
      const snapshot = await nodes.a.rootQuery(stockSql, [variant]);
      const transfers = await nodes.a.rootQuery('SELECT COUNT(*) AS n FROM meridian.stock_transfer');
      const path = `/api/admin/variants/${variant}/stock-transfers`;
      for (const [body, status] of [
        [{ from: 'a', to: 'b', units: 0 }, 400], [{ from: 'a', to: 'b', units: -1 }, 400], [{ from: 'a', to: 'b', units: 1.5 }, 400],
        [{ from: 'a', to: 'b', units: '2' }, 400], [{ from: 'a', to: 'a', units: 1 }, 400], [{ from: 'a', to: 'z', units: 1 }, 400],
        [{ from: 'A!', to: 'b', units: 1 }, 400], [{ to: 'b', units: 1 }, 400], [{ from: 'a', to: 'b', units: 1_000_000 }, 409],
      ] as const) {
        const r = await atB.post(path, body);
        expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), status]);
        expect(r.body.statusCode).toBe(status);
      }
      const short = await atB.post(path, { from: 'b', to: 'a', units: 1_000_000 });
      expect(short.body).toMatchObject({ error: 'OUT_OF_STOCK', details: { dc: 'b', available: availableOf(bBefore as never, 'b') + 5 } });
      expect((await atB.post(`/api/admin/variants/${newId('a')}/stock-transfers`, { from: 'a', to: 'b', units: 1 })).status).toBe(404);
      expect((await atB.post('/api/admin/variants/not-an-id/stock-transfers', { from: 'a', to: 'b', units: 1 })).status).toBe(400);
      expect((await atB.request('POST', path, { raw: '{"from": "a",' })).status).toBe(400);
      expect((await atB.get(`/api/admin/stock-transfers/${newId('a')}`)).status).toBe(404);
      expect((await atB.get(`/api/admin/variants/${newId('b')}/stock`)).status).toBe(404);
      const customer = new Shopper(url.b);
      expect((await customer.post('/api/accounts/register', { email: 'not-an-admin@example.com', password: 'a long password', name: 'C' })).status).toBe(201);
      expect((await customer.post(path, { from: 'a', to: 'b', units: 1 })).status).toBe(403);
      expect((await new Shopper(url.b).post(path, { from: 'a', to: 'b', units: 1 })).status).toBe(401);
      expect(await nodes.a.rootQuery(stockSql, [variant])).toEqual(snapshot);
      expect(await nodes.a.rootQuery('SELECT COUNT(*) AS n FROM meridian.stock_transfer')).toEqual(transfers);
    });

    it('with an Idempotency-Key, asking again (at either DC, or 10 times at once) answers the same transfer and moves nothing more', async () => {
      const path = `/api/admin/variants/${variant}/stock-transfers`;
      const [atA, atB] = [await admin('a'), await admin('b')];
      const own = async (db: MariaDbNode, dc: string) => Number((await one(db.rootQuery<{ available: number }>(
        'SELECT available FROM meridian.stock_allocation WHERE variant_id = ? AND dc = ?', [variant, dc]))).available);
      await caughtUp();
      const [aBefore, total] = [await own(nodes.a, 'a'), await sumIn(nodes.a, variant)];
      const first = await atB.post(path, { from: 'a', to: 'b', units: 3 }, { 'Idempotency-Key': 'move-three-1' });
      expect([first.status, first.body.state]).toEqual([201, 'received']);
      const again = await atA.post(path, { from: 'a', to: 'b', units: 3 }, { 'Idempotency-Key': 'move-three-1' });
      expect([again.status, again.headers.get('idempotent-replayed'), again.body.id, again.body.state]).toEqual([200, 'true', first.body.id, 'received']);
      expect(await own(nodes.a, 'a')).toBe(aBefore - 3);
      // the key names that transfer: another one with it is refused; a malformed key is refused
      const other = await atB.post(path, { from: 'a', to: 'b', units: 4 }, { 'Idempotency-Key': 'move-three-1' });
      expect([other.status, other.body.error, other.body.details]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED', { transferId: first.body.id }]);
      expect((await atB.post(path, { from: 'a', to: 'b', units: 1 }, { 'Idempotency-Key': 'short' })).status).toBe(400);
      expect(await own(nodes.a, 'a')).toBe(aBefore - 3);
      // keys belong to the source DC: the same key for units leaving b is another transfer
      const fromB = await atA.post(path, { from: 'b', to: 'a', units: 1 }, { 'Idempotency-Key': 'move-three-1' });
      expect([fromB.status, fromB.body.id.startsWith('b_')]).toEqual([201, true]);

      // ten at once with one new key, from both DCs: one transfer, every answer names it
      const racing = await Promise.all(Array.from({ length: 10 }, (_, i) =>
        (i % 2 ? atA : atB).post(path, { from: 'a', to: 'b', units: 2 }, { 'Idempotency-Key': 'move-two-racing' })));
      expect(racing.every((r) => [200, 201, 202].includes(r.status))).toBe(true);
      expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
      expect(racing.filter((r) => r.status !== 200)).toHaveLength(1);
      expect(await nodes.a.rootQuery("SELECT COUNT(*) AS n FROM meridian.stock_transfer WHERE idem_key = 'move-two-racing'")).toEqual([{ n: 1 }]);
      expect(await own(nodes.a, 'a')).toBe(aBefore - 3 + 1 - 2); // 3 out, 1 in from b, 2 out once
      await caughtUp();
      expect(await sumIn(nodes.a, variant)).toBe(total);
      expect(await sumIn(nodes.b, variant)).toBe(total);
    });

    it('with the WAN cut, units leave a and stay in transit (counted in the sum), and arrive in b once it has replicated them; from the far side it is 503', async () => {
      const total = await sumIn(nodes.a, variant);
      const atA = await admin('a');
      const atB = await admin('b');
      await Promise.all(links.map((l) => l.cut()));
      let moving: string;
      try {
        const r = await atA.post(`/api/admin/variants/${variant}/stock-transfers`, { from: 'a', to: 'b', units: 3 });
        expect(r.status).toBe(202);
        expect(r.body).toMatchObject({ state: 'in_transit', from: 'a', to: 'b', units: 3 });
        moving = r.body.id;
        const view = (await atA.get(`/api/admin/variants/${variant}/stock`)).body;
        expect(view.total).toBe(total);
        expect(view.inTransit).toEqual([expect.objectContaining({ id: moving, units: 3, state: 'in_transit' })]);
        expect((await atA.get(`/api/admin/stock-transfers/${moving}`)).body.state).toBe('in_transit');

        const far = await atB.post(`/api/admin/variants/${variant}/stock-transfers`, { from: 'a', to: 'b', units: 1 });
        expect(far.status).toBe(503);
        expect(far.body).toMatchObject({ error: 'UNAVAILABLE', message: expect.stringMatching(/DC a/) });
        expect(await sumIn(nodes.a, variant)).toBe(total);
        expect(await sumIn(nodes.b, variant)).toBe(total);
      } finally {
        await Promise.all(links.map((l) => l.heal()));
      }
      // b's own receiver (every STOCK_RECEIVE_SECONDS) takes the transfer from its replica
      for (let i = 0; i < 60 && (await atA.get(`/api/admin/stock-transfers/${moving!}`)).body.state !== 'received'; i++) await new Promise((r) => setTimeout(r, 500));
      expect((await atA.get(`/api/admin/stock-transfers/${moving!}`)).body.state).toBe('received');
      await caughtUp();
      expect(await sumIn(nodes.a, variant)).toBe(total);
      expect(await sumIn(nodes.b, variant)).toBe(total);
      expect(await nodes.b.rootQuery('SELECT COUNT(*) AS n FROM meridian.stock_transfer_receipt WHERE transfer_id = ?', [moving!])).toEqual([{ n: 1 }]);
    });

    it('40 transfers at once, both ways from both DCs: every one received once, the sum unchanged, replication healthy', async () => {
      const total = await sumIn(nodes.a, variant);
      const atA = await admin('a');
      const atB = await admin('b');
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => {
        const [who, from, to] = [[atA, 'a', 'b'], [atB, 'b', 'a'], [atA, 'b', 'a'], [atB, 'a', 'b']][i % 4] as [Shopper, string, string];
        return who.post(`/api/admin/variants/${variant}/stock-transfers`, { from, to, units: 1 + (i % 3) });
      }));
      expect(answers.map((r) => r.status)).toEqual(answers.map(() => 201));
      await caughtUp();
      for (const db of [nodes.a, nodes.b]) {
        expect(await sumIn(db, variant)).toBe(total);
        const { n } = await one(db.rootQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM meridian.stock_transfer t
          JOIN meridian.stock_transfer_receipt r ON r.transfer_id = t.id WHERE t.id IN (?)`, [answers.map((r) => r.body.id)]));
        expect(Number(n)).toBe(40);
        const status = await one(db.rootQuery<Record<string, unknown>>('SHOW ALL SLAVES STATUS'));
        expect([status.Last_SQL_Errno, status.Last_IO_Errno]).toEqual([0, 0]);
      }
    });
  });
});
