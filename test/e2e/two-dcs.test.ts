import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { newId } from '@meridian/dc';
import { MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { WanLink } from '../../apps/regionctl/src/wan/wan-link';
import { ReservationSweeper } from '../../apps/commerce-api/src/stock/reservation-sweeper';
import { RetentionSweeper } from '../../apps/commerce-api/src/retention/retention-sweeper';
import { PasswordHasher } from '../../apps/commerce-api/src/accounts/password-hasher';
import { startTwoDcs, TwoDcs } from '../support/two-dcs';
import { ADDRESS, Shopper } from '../support/client';

describe('two DCs: an account homed in DC a shopping at DC b (Order_DS_Remote)', () => {
  let t: TwoDcs;
  const nodes = {} as Record<string, MariaDbNode> & TwoDcs['nodes'];
  const links: WanLink[] = [];
  const apps: NestFastifyApplication[] = [];
  const url: Record<string, string> = {};
  const caughtUp = () => t.caughtUp();
  const replicationHealthy = () => t.replicationHealthy();

  beforeAll(async () => {
    t = await startTwoDcs();
    Object.assign(nodes, t.nodes);
    Object.assign(url, t.url);
    links.push(...t.links);
    apps.push(...t.apps);
  }, 180000);

  afterAll(async () => {
    await t?.close();
  });

  it('its session and cart writes land in DC a\'s database and reach DC b by replication', async () => {
    const inA = new Shopper(url.a);
    const reg = await inA.post('/api/accounts/register', { email: 'homed-in-a@example.com', password: 'a long password', name: 'A' });
    expect(reg.status).toBe(201);
    expect(reg.body.homeDc).toBe('a');
    await caughtUp();

    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email: 'homed-in-a@example.com', password: 'a long password' })).status).toBe(200);
    const variant = (await atB.get('/api/products?pageSize=1')).body.items[0].variants[0].id;
    const cart = await atB.post('/api/cart/items', { variantId: variant, quantity: 2 });
    expect(cart.status).toBe(200);
    expect(cart.body.id).toMatch(/^b_/); // made by DC b ...

    // ... but written into DC a's database, the account's home, through the WAN link
    const inHome = await nodes.a.rootQuery('SELECT c.account_id, l.quantity FROM meridian.cart c JOIN meridian.cart_line l ON l.cart_id = c.id WHERE c.id = ?', [cart.body.id]);
    expect(inHome).toEqual([{ account_id: reg.body.id, quantity: 2 }]);
    const sessions = await nodes.a.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM meridian.session WHERE account_id = ?', [reg.body.id]);
    expect(Number(sessions[0].n)).toBe(2); // the registration's and the log-in at b

    await caughtUp();
    expect(await nodes.b.rootQuery('SELECT quantity FROM meridian.cart_line WHERE cart_id = ?', [cart.body.id])).toEqual([{ quantity: 2 }]);
    expect((await atB.get('/api/accounts/me')).body.email).toBe('homed-in-a@example.com');
  });

  const homeIn = async (db: MariaDbNode, email: string) =>
    (await db.rootQuery<{ home_dc: string; home_epoch: number }>('SELECT home_dc, home_epoch FROM meridian.account WHERE email = ?', [email]))[0];
  const registerInA = async (email: string) => {
    const s = new Shopper(url.a);
    expect((await s.post('/api/accounts/register', { email, password: 'a long password', name: 'R' })).status).toBe(201);
    return s;
  };
  /** as if the account's last log-in at home were two hours ago (written at the home, so it replicates) */
  const ageLastLogin = (email: string) =>
    nodes.a.rootQuery('UPDATE meridian.account SET last_login_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE email = ?', [email]);

  it('a log-in elsewhere keeps the home while the home saw a recent log-in', async () => {
    await registerInA('active-in-a@example.com');
    await caughtUp();
    expect((await new Shopper(url.b).post('/api/accounts/login', { email: 'active-in-a@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    await caughtUp();
    for (const db of [nodes.a, nodes.b]) expect(await homeIn(db, 'active-in-a@example.com')).toEqual({ home_dc: 'a', home_epoch: 1 });
  });

  it('with no recent log-in at home, a log-in at DC b claims the home (epoch + 1) and first sees everything DC a had', async () => {
    const inA = await registerInA('moving@example.com');
    const variants = (await inA.get('/api/products?pageSize=2')).body.items.flatMap((p: { variants: { id: string }[] }) => p.variants.map((v) => v.id));
    await inA.post('/api/cart/items', { variantId: variants[0], quantity: 3 });
    await ageLastLogin('moving@example.com');

    const atB = new Shopper(url.b);
    const login = await atB.post('/api/accounts/login', { email: 'moving@example.com', password: 'a long password' });
    expect(login.status).toBe(200);
    expect(login.body.homeDc).toBe('b');
    // the claim ran on a's database; b waited for it (and everything before it) before answering
    expect(await homeIn(nodes.a, 'moving@example.com')).toEqual({ home_dc: 'b', home_epoch: 2 });
    expect(await homeIn(nodes.b, 'moving@example.com')).toEqual({ home_dc: 'b', home_epoch: 2 });
    const cart = await atB.get('/api/cart');
    expect(cart.body.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity])).toEqual([[variants[0], 3]]);

    // from now on its writes are b's: they land in b's database at once
    const added = await atB.post('/api/cart/items', { variantId: variants[1], quantity: 1 });
    expect(added.status).toBe(200);
    expect(await nodes.b.rootQuery('SELECT quantity FROM meridian.cart_line WHERE cart_id = ? ORDER BY id', [cart.body.id])).toEqual([{ quantity: 3 }, { quantity: 1 }]);
    await caughtUp();
    expect(await nodes.a.rootQuery('SELECT quantity FROM meridian.cart_line WHERE cart_id = ? ORDER BY id', [cart.body.id])).toEqual([{ quantity: 3 }, { quantity: 1 }]);

    // the session a issued before the move is still a's row: logging it out revokes it there
    expect((await inA.post('/api/accounts/logout')).status).toBe(204);
    const revoked = (db: MariaDbNode) => db.rootQuery<{ n: number }>(
      `SELECT COUNT(*) AS n FROM meridian.session s JOIN meridian.account a ON a.id = s.account_id
       WHERE a.email = 'moving@example.com' AND s.revoked_at IS NOT NULL AND s.id LIKE 'a\\_%'`);
    expect(Number((await revoked(nodes.a))[0].n)).toBe(1);
    await caughtUp();
    expect(Number((await revoked(nodes.b))[0].n)).toBe(1);
    expect((await atB.get('/api/accounts/me')).status).toBe(200); // b's own session is untouched
  });

  it('100 concurrent log-ins of one account from both DCs: one home per epoch, never two', async () => {
    await registerInA('racing@example.com');
    await ageLastLogin('racing@example.com');
    await caughtUp();
    const attempts = Array.from({ length: 100 }, (_, i) =>
      new Shopper(i % 2 ? url.a : url.b).post('/api/accounts/login', { email: 'racing@example.com', password: 'a long password' }));
    const answers = await Promise.all(attempts);
    expect(answers.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    expect(answers.filter((r) => r.status === 200).length).toBeGreaterThan(50);
    await caughtUp();
    const [inA, inB] = [await homeIn(nodes.a, 'racing@example.com'), await homeIn(nodes.b, 'racing@example.com')];
    expect(inA).toEqual(inB);
    // every claim carried epoch 1: at most one could win
    expect([1, 2]).toContain(inA.home_epoch);
    expect(inA.home_dc).toBe(inA.home_epoch === 2 ? 'b' : 'a');
    // and every session was written in the home its log-in was told
    for (const r of answers.filter((x) => x.status === 200)) expect(['a', 'b']).toContain(r.body.homeDc);
    const homes = new Set(answers.filter((x) => x.status === 200).map((x) => x.body.homeDc));
    if (inA.home_epoch === 1) expect([...homes]).toEqual(['a']);
  });

  const stockIn = async (db: MariaDbNode, variant: string, dc: string) =>
    Number((await db.rootQuery<{ n: number }>('SELECT available AS n FROM meridian.stock_allocation WHERE variant_id = ? AND dc = ?', [variant, dc]))[0].n);

  it('checkout at DC b for an account homed in a: the order is written in a\'s database, the stock taken from b\'s own allocation in b\'s', async () => {
    const inA = await registerInA('remote-buyer@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email: 'remote-buyer@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    const variants = (await atB.get('/api/products?pageSize=2')).body.items.flatMap((p: { variants: { id: string }[] }) => p.variants.map((v) => v.id));
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
    const variants = (await atB.get('/api/products?pageSize=2')).body.items.flatMap((p: { variants: { id: string }[] }) => p.variants.map((v) => v.id));
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

  it('its session is checked against b\'s own replica: with the link to a cut it still reads at b, and a log-out reaches b by replication', async () => {
    await registerInA('reads-at-b@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    const login = await atB.post('/api/accounts/login', { email: 'reads-at-b@example.com', password: 'a long password' });
    expect(login.body.homeDc).toBe('a');
    const variant = (await atB.get('/api/products?pageSize=1')).body.items[0].variants[0].id;
    expect((await atB.post('/api/cart/items', { variantId: variant, quantity: 2 })).status).toBe(200);
    expect(atB.cookies.get('meridian_rw')).toMatch(/^1-1-\d+$/); // the GTID of that write in a's database
    await caughtUp(); // the session row and the cart (written at a) are now in b's database too
    await links[1].cut(); // b -> a
    try {
      const me = await atB.get('/api/accounts/me');
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ email: 'reads-at-b@example.com', homeDc: 'a' });
      // reads come from b's replica, which has applied the client's last write
      const cart = await atB.get('/api/cart');
      expect(cart.status).toBe(200);
      expect(cart.body.lines.map((l: { variantId: string; quantity: number }) => [l.variantId, l.quantity])).toEqual([[variant, 2]]);
      expect((await atB.get('/api/orders')).status).toBe(200);
      expect((await atB.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(503); // writes need the home
    } finally {
      await links[1].heal();
    }
    expect((await atB.post('/api/accounts/logout')).status).toBe(204); // revoked in a's database, where the row lives
    await caughtUp();
    expect((await atB.get('/api/accounts/me')).status).toBe(401);
  });

  /** replica_reads_total of a DC's process, by "<data> <served>" */
  const replicaReads = async (base: string): Promise<Record<string, number>> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^replica_reads_total\{([^}]*)\} (\d+)$/gm)) {
      const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1])?.[1];
      counts[`${label('data')} ${label('served')}`] = Number(m[2]);
    }
    return counts;
  };
  const countsSince = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => n !== 0));

  it('read-your-writes: reads at b wait for the client\'s last write at a on b\'s replica, and ask a when the replica lags', async () => {
    await registerInA('ryw@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email: 'ryw@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    const variants = (await atB.get('/api/products?pageSize=2')).body.items.flatMap((p: { variants: { id: string }[] }) => p.variants.map((v) => v.id));
    await atB.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
    await caughtUp();
    const before = await replicaReads(url.b);
    await nodes.b.rootQuery("STOP SLAVE 'from_a'");
    try {
      expect((await atB.post('/api/cart/items', { variantId: variants[1], quantity: 2 })).status).toBe(200); // written at a; b never gets it
      const lines = (r: { body: { lines: { variantId: string; quantity: number }[] } }) => r.body.lines.map((l) => [l.variantId, l.quantity]);
      expect(lines(await atB.get('/api/cart'))).toEqual([[variants[0], 1], [variants[1], 2]]);
      const order = await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'read-your-writes-1' });
      expect(order.status).toBe(201);
      expect(lines(order)).toEqual([[variants[0], 1], [variants[1], 2]]);
      const mine = await atB.get('/api/orders');
      expect(mine.body.items.map((o: { id: string }) => o.id)).toEqual([order.body.id]); // not in b's replica: read at a
      // counted at b: the cart read, the checkout's cart read and the orders read all went to the home
      expect(countsSince(before, await replicaReads(url.b))).toEqual({ 'cart home': 2, 'orders home': 1 });
    } finally {
      await nodes.b.rootQuery("START SLAVE 'from_a'");
    }
    await caughtUp();
    const caught = await replicaReads(url.b);
    expect((await atB.get('/api/orders')).body.total).toBe(1);
    expect(countsSince(caught, await replicaReads(url.b))).toEqual({ 'orders replica': 1 }); // b has the order now
    // a forged or garbled cookie only costs this client a bounded wait: the answer is still right
    for (const forged of ['1-1-99999999999', 'not-a-gtid', "1-1-1' OR 1=1"]) {
      atB.cookies.set('meridian_rw', encodeURIComponent(forged));
      const r = await atB.get('/api/orders');
      expect(r.status).toBe(200);
      expect(r.body.total).toBe(1);
    }
  });

  it('a write routed on a stale home (a claim b has not seen yet) is refused by the old home, writes nothing, and goes through once b has caught up', async () => {
    await registerInA('fenced@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email: 'fenced@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    const variants = (await atB.get('/api/products?pageSize=2')).body.items.flatMap((p: { variants: { id: string }[] }) => p.variants.map((v) => v.id));
    const cart = await atB.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
    await caughtUp();
    const lines = (db: MariaDbNode) => db.rootQuery('SELECT variant_id, quantity FROM meridian.cart_line WHERE cart_id = ? ORDER BY variant_id', [cart.body.id]);
    const held = "SELECT COUNT(*) AS n FROM meridian.stock_reservation WHERE status = 'held'";
    await nodes.b.rootQuery("STOP SLAVE 'from_a'");
    try {
      // what a claim of the home for DC b does in a's database, which b has not received
      await nodes.a.rootQuery("UPDATE meridian.account SET home_dc = 'b', home_epoch = home_epoch + 1 WHERE email = 'fenced@example.com'");
      const [linesInA, linesInB, heldInB] = [await lines(nodes.a), await lines(nodes.b), await nodes.b.rootQuery(held)];
      const r = await atB.post('/api/cart/items', { variantId: variants[1], quantity: 2 });
      expect(r.status).toBe(503);
      expect(r.body.message).toMatch(/moving to another DC/);
      const order = await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'stale-home-1' });
      expect(order.status).toBe(503);
      // neither the old home nor b took a write, and every reservation b made was given back
      expect(await lines(nodes.a)).toEqual(linesInA);
      expect(await lines(nodes.b)).toEqual(linesInB);
      expect(await nodes.a.rootQuery("SELECT COUNT(*) AS n FROM meridian.idempotency_key WHERE idem_key = 'stale-home-1'")).toEqual([{ n: 0 }]);
      expect(await nodes.b.rootQuery(held)).toEqual(heldInB);
    } finally {
      await nodes.b.rootQuery("START SLAVE 'from_a'");
    }
    await caughtUp();
    const added = await atB.post('/api/cart/items', { variantId: variants[1], quantity: 2 });
    expect(added.status).toBe(200);
    // written at the new home straight away
    expect(await lines(nodes.b)).toEqual([{ variant_id: variants[0], quantity: 1 }, { variant_id: variants[1], quantity: 2 }]
      .sort((x, y) => x.variant_id.localeCompare(y.variant_id)));
  });

  it('a guest cart of DC b joins, at log-in at b, the cart of an account homed in a: in a\'s database, once, and the guest cart is closed in b', async () => {
    const inA = await registerInA('merging@example.com');
    const variants = (await inA.get('/api/products?pageSize=2')).body.items.flatMap((p: { variants: { id: string }[] }) => p.variants.map((v) => v.id));
    const mine = await inA.post('/api/cart/items', { variantId: variants[0], quantity: 1 });
    await caughtUp();
    const atB = new Shopper(url.b);
    const guest = await atB.post('/api/cart/items', { variantId: variants[0], quantity: 2 });
    await atB.post('/api/cart/items', { variantId: variants[2], quantity: 1 });
    expect(guest.body.id).toMatch(/^b_/);
    const guestCookie = atB.cookies.get('meridian_cart');

    const login = await atB.post('/api/accounts/login', { email: 'merging@example.com', password: 'a long password' });
    expect(login.status).toBe(200);
    expect(login.body.homeDc).toBe('a');
    expect(atB.cookies.has('meridian_cart')).toBe(false);
    const want = [{ variant_id: variants[0], quantity: 3 }, { variant_id: variants[2], quantity: 1 }].sort((x, y) => x.variant_id.localeCompare(y.variant_id));
    expect(await nodes.a.rootQuery('SELECT variant_id, quantity FROM meridian.cart_line WHERE cart_id = ? ORDER BY variant_id', [mine.body.id])).toEqual(want);
    expect(await nodes.b.rootQuery('SELECT status FROM meridian.cart WHERE id = ?', [guest.body.id])).toEqual([{ status: 'merged' }]);
    await caughtUp();
    const cart = await atB.get('/api/cart');
    expect(cart.body.id).toBe(mine.body.id);
    expect(cart.body.lines.map((l: { variantId: string; quantity: number }) => ({ variant_id: l.variantId, quantity: l.quantity }))
      .sort((x: { variant_id: string }, y: { variant_id: string }) => x.variant_id.localeCompare(y.variant_id))).toEqual(want);

    // the same guest cookie at a second log-in: the cart is closed, nothing is added twice
    const again = new Shopper(url.b);
    again.cookies.set('meridian_cart', guestCookie!);
    expect((await again.post('/api/accounts/login', { email: 'merging@example.com', password: 'a long password' })).status).toBe(200);
    expect(await nodes.a.rootQuery('SELECT variant_id, quantity FROM meridian.cart_line WHERE cart_id = ? ORDER BY variant_id', [mine.body.id])).toEqual(want);
  });

  it('the reservation sweeper gives back units no order took, only once the DC their order was sent to has been asked, and those of an order cancelled while its DC was cut off', async () => {
    const sweeper = apps[1].get(ReservationSweeper);
    const variant = (await new Shopper(url.b).get('/api/products?pageSize=1')).body.items[0].variants[2].id;
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
      await nodes.b.rootQuery("UPDATE meridian.stock_reservation SET created_at = created_at - INTERVAL 1 HOUR WHERE order_id IN (?, ?)", [orphan, real.body.id]);
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
    const [{ order_id: real }] = await nodes.b.rootQuery<{ order_id: string }>(
      "SELECT order_id FROM meridian.stock_reservation WHERE status = 'held' AND dc = 'b' AND order_id IN (SELECT order_id FROM meridian.idempotency_key WHERE idem_key = 'swept-real-1')");
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

  it('while the link to DC a is cut, writing that account\'s cart at DC b fails cleanly with 503, and nothing is half-written', async () => {
    const atB = new Shopper(url.b);
    await atB.post('/api/accounts/login', { email: 'homed-in-a@example.com', password: 'a long password' });
    const variant = (await atB.get('/api/products?pageSize=1')).body.items[0].variants[1].id;
    const before = await nodes.a.rootQuery('SELECT COUNT(*) AS n FROM meridian.cart_line');
    await links[1].cut(); // b -> a
    try {
      const r = await atB.post('/api/cart/items', { variantId: variant, quantity: 1 });
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ statusCode: 503, error: 'UNAVAILABLE', message: expect.stringMatching(/DC a/) });
      // a checkout priced from b's replica: the owner refuses the connection, so b gives its reservation back
      const held = "SELECT COUNT(*) AS n FROM meridian.stock_reservation WHERE status = 'held'";
      const [heldBefore, stockBefore] = [await nodes.b.rootQuery(held), await nodes.b.rootQuery("SELECT SUM(available) AS s FROM meridian.stock_allocation WHERE dc = 'b'")];
      const order = await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'during-the-cut' });
      expect(order.status).toBe(503);
      expect(await nodes.b.rootQuery(held)).toEqual(heldBefore);
      expect(await nodes.b.rootQuery("SELECT SUM(available) AS s FROM meridian.stock_allocation WHERE dc = 'b'")).toEqual(stockBefore);
    } finally {
      await links[1].heal();
    }
    expect(await nodes.a.rootQuery('SELECT COUNT(*) AS n FROM meridian.cart_line')).toEqual(before);
  });

  it('one e-mail registered at a and b within one replication lag: replication keeps running, and the earlier registration owns the address in both DCs', async () => {
    const email = 'raced@example.com';
    await Promise.all([nodes.a.rootQuery("STOP SLAVE 'from_b'"), nodes.b.rootQuery("STOP SLAVE 'from_a'")]);
    let first: string;
    try {
      const atA = await new Shopper(url.a).post('/api/accounts/register', { email, password: 'password of a', name: 'A' });
      const atB = await new Shopper(url.b).post('/api/accounts/register', { email, password: 'password of b', name: 'B' });
      expect([atA.status, atB.status]).toEqual([201, 201]); // neither DC could know of the other
      first = atA.body.id;
    } finally {
      await Promise.all([nodes.a.rootQuery("START SLAVE 'from_b'"), nodes.b.rootQuery("START SLAVE 'from_a'")]);
    }
    await caughtUp();
    for (const db of [nodes.a, nodes.b]) {
      const [status] = await db.rootQuery<Record<string, unknown>>('SHOW ALL SLAVES STATUS');
      expect([status.Slave_SQL_Running, status.Last_SQL_Errno]).toEqual(['Yes', 0]);
      expect(await db.rootQuery('SELECT COUNT(*) AS n FROM meridian.account WHERE email = ?', [email])).toEqual([{ n: 2 }]);
    }
    for (const dc of ['a', 'b']) {
      const won = await new Shopper(url[dc]).post('/api/accounts/login', { email, password: 'password of a' });
      expect([dc, won.status, won.body.id]).toEqual([dc, 200, first!]);
      expect((await new Shopper(url[dc]).post('/api/accounts/login', { email, password: 'password of b' })).status).toBe(401);
      // and a third registration anywhere is refused
      const again = await new Shopper(url[dc]).post('/api/accounts/register', { email, password: 'a third password', name: 'C' });
      expect([again.status, again.body.error]).toEqual([409, 'EMAIL_TAKEN']);
    }
  });

  it('a guest cart of DC a, while a cannot be reached from b: b adopts it from its replica, once, and the guest shops, checks out and logs in at b', async () => {
    const inA = new Shopper(url.a);
    const variants = (await inA.get('/api/products?pageSize=2')).body.items.flatMap((p: { variants: { id: string }[] }) => p.variants.map((v) => v.id));
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

  it('old sessions, Idempotency-Keys and failed log-in counts are purged by the database that wrote them, whatever DC made them; replication keeps running', async () => {
    const email = 'purged@example.com';
    await registerInA(email);
    const [{ id: accountId }] = await nodes.a.rootQuery<{ id: string }>('SELECT id FROM meridian.account WHERE email = ?', [email]);
    await caughtUp();
    // an account homed in a, logged in at b: both sessions are a's rows (the second one's id is b's)
    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email, password: 'a long password' })).body.homeDc).toBe('a');
    const variant = (await atB.get('/api/products?pageSize=1')).body.items[0].variants[0].id;
    expect((await atB.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(200);
    // its checkout at b: the key is written with the order, at the home (a)
    expect((await atB.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'purge-account-1' })).status).toBe(201);
    // a guest's checkout at b: b's key
    const guest = new Shopper(url.b);
    expect((await guest.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(200);
    expect((await guest.post('/api/checkout', { email: 'purge-guest@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS },
      { 'Idempotency-Key': 'purge-guest-1' })).status).toBe(201);
    // failed log-ins counted at both DCs, each in its own row
    for (const dc of ['a', 'b']) expect((await new Shopper(url[dc]).post('/api/accounts/login', { email: 'purge-nobody@example.com', password: 'wrong password' })).status).toBe(401);
    await caughtUp();

    const rows = (db: MariaDbNode) => db.rootQuery<{ t: string; id: string; w: number }>(
      `SELECT 'session' AS t, s.id, s.written_domain AS w FROM meridian.session s WHERE s.account_id = ?
       UNION ALL SELECT 'key', k.idem_key, k.written_domain FROM meridian.idempotency_key k WHERE k.idem_key IN ('purge-account-1', 'purge-guest-1')
       UNION ALL SELECT 'throttle', t.id, t.written_domain FROM meridian.login_throttle t WHERE t.throttle_key = 'email:purge-nobody@example.com'
       ORDER BY 1, 2`, [accountId]);
    const before = await rows(nodes.a);
    expect(await rows(nodes.b)).toEqual(before);
    const written = (t: string) => before.filter((r) => r.t === t).map((r) => [r.id.slice(0, 2), r.w]).sort();
    expect(written('session')).toEqual([['a_', 1], ['b_', 1]]); // made by a and by b, both written in a (domain 1)
    expect(before.filter((r) => r.t === 'key').map((r) => [r.id, r.w])).toEqual([['purge-account-1', 1], ['purge-guest-1', 2]]);
    expect(written('throttle')).toEqual([['a_', 1], ['b_', 2]]);

    // all of them old enough to go, each aged by the database that wrote it (so the change replicates in order)
    for (const db of [nodes.a, nodes.b]) {
      await db.rootQuery(`UPDATE meridian.session SET expires_at = UTC_TIMESTAMP(3) - INTERVAL 2 DAY WHERE id IN (?) AND written_domain = @@gtid_domain_id;
        UPDATE meridian.idempotency_key SET created_at = UTC_TIMESTAMP(3) - INTERVAL 8 DAY WHERE idem_key IN ('purge-account-1', 'purge-guest-1') AND written_domain = @@gtid_domain_id;
        UPDATE meridian.login_throttle SET window_start = UTC_TIMESTAMP(3) - INTERVAL 1 HOUR WHERE id IN (?) AND written_domain = @@gtid_domain_id`,
      [before.filter((r) => r.t === 'session').map((r) => r.id), before.filter((r) => r.t === 'throttle').map((r) => r.id)]);
    }
    await caughtUp();
    // a session that has not expired stays
    const fresh = new Shopper(url.a);
    expect((await fresh.post('/api/accounts/login', { email, password: 'a long password' })).status).toBe(200);

    // b purges only what b wrote: the guest's key and its own failed-log-in row, not a's rows with b's ids
    const sweep = (i: number) => apps[i].get(RetentionSweeper).sweep();
    expect(await sweep(1)).toMatchObject({ session: 0, idempotency_key: 1, login_throttle: 1 });
    await caughtUp();
    const left = (await rows(nodes.a)).map((r) => r.id);
    expect(left).toEqual(expect.arrayContaining(before.filter((r) => r.w === 1).map((r) => r.id)));
    expect(left).not.toContain('purge-guest-1');
    expect(await rows(nodes.b)).toEqual(await rows(nodes.a));

    expect(await sweep(0)).toMatchObject({ session: 2, idempotency_key: 1, login_throttle: 1 });
    expect(await sweep(0)).toMatchObject({ session: 0, idempotency_key: 0, login_throttle: 0 });
    await caughtUp();
    await replicationHealthy();
    for (const db of [nodes.a, nodes.b]) {
      const now = await rows(db);
      expect(now).toHaveLength(1); // the fresh session
      expect(now[0]).toMatchObject({ t: 'session', w: 1 });
    }
    expect((await fresh.get('/api/accounts/me')).status).toBe(200);
    expect((await atB.get('/api/accounts/me')).status).toBe(401); // its session has gone with its expiry
  });

  describe('catalog rows written by their owner DC; slugs, SKUs and codes taken at two DCs at once', () => {
    const admin = async (at: string) => {
      const s = new Shopper(url[at]);
      expect((await s.post('/api/accounts/login', { email: 'catalog-admin@example.com', password: 'an admin password' })).status).toBe(200);
      return s;
    };
    let categoryId: string;

    beforeAll(async () => {
      await nodes.a.rootQuery("INSERT INTO meridian.account (id, email, password_hash, name, role, home_dc) VALUES (?, 'catalog-admin@example.com', ?, 'Admin', 'admin', 'a')",
        [newId('a'), await new PasswordHasher().hash('an admin password')]);
      [{ id: categoryId }] = await nodes.a.rootQuery<{ id: string }>('SELECT id FROM meridian.category ORDER BY id LIMIT 1');
      await caughtUp();
    });

    it('a change made at b to a product of a is written in a\'s database, and b answers once its replica has it', async () => {
      const atB = await admin('b');
      const [product] = (await atB.get('/api/products?pageSize=1')).body.items;
      expect(product.id.startsWith('a_')).toBe(true);
      await caughtUp();
      await nodes.b.rootQuery("STOP SLAVE 'from_a'");
      try {
        const renamed = await atB.request('PATCH', `/api/admin/products/${product.id}`, { json: { name: 'Renamed at b' } });
        expect(renamed.status).toBe(204);
        // a's database has it; b's has it only by replication, which is stopped
        expect(await nodes.a.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [product.id])).toEqual([{ name: 'Renamed at b' }]);
        expect(await nodes.b.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [product.id])).toEqual([{ name: product.name }]);
      } finally {
        await nodes.b.rootQuery("START SLAVE 'from_a'");
      }
      await caughtUp();
      expect((await new Shopper(url.b).get(`/api/products/${product.slug}`)).body.name).toBe('Renamed at b');
      // with replication running, the admin reads its own change at b at once
      expect((await atB.request('PATCH', `/api/admin/products/${product.id}`, { json: { name: 'Renamed again' } })).status).toBe(204);
      expect((await new Shopper(url.b).get(`/api/products/${product.slug}`)).body.name).toBe('Renamed again');

      // a slug another DC's product holds is refused at the owner, changing nothing
      const made = await atB.post('/api/admin/products', { slug: 'made-at-b', name: 'Made at b', description: '', categoryId,
        variants: [{ sku: 'MADE-AT-B', name: 'One', price: 100 }] });
      expect([made.status, made.body.id.startsWith('b_')]).toEqual([201, true]);
      await caughtUp();
      const atA = await admin('a');
      const clash = await atA.request('PATCH', `/api/admin/products/${product.id}`, { json: { slug: 'made-at-b', name: 'Not this' } });
      expect([clash.status, clash.body.error]).toEqual([409, 'CONFLICT']);
      expect(await nodes.a.rootQuery('SELECT slug, name FROM meridian.product WHERE id = ?', [product.id])).toEqual([{ slug: product.slug, name: 'Renamed again' }]);
      // and b's product, changed from a, is written in b's database
      expect((await atA.request('PATCH', `/api/admin/products/${made.body.id}`, { json: { name: 'Changed from a' } })).status).toBe(204);
      expect(await nodes.b.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [made.body.id])).toEqual([{ name: 'Changed from a' }]);
      // an id of a DC this one does not know is not found; an owner DC that cannot be reached is 503
      expect((await atA.request('PATCH', `/api/admin/products/${newId('zz')}`, { json: { name: 'x' } })).status).toBe(404);
      await links[0].cut();
      try {
        const cut = await atA.request('PATCH', `/api/admin/products/${made.body.id}`, { json: { name: 'During the cut' } });
        expect([cut.status, cut.body.error]).toEqual([503, 'UNAVAILABLE']);
      } finally {
        await links[0].heal();
      }
      expect(await nodes.b.rootQuery('SELECT name FROM meridian.product WHERE id = ?', [made.body.id])).toEqual([{ name: 'Changed from a' }]);
      await caughtUp();
      await replicationHealthy();
    });

    it('the same slug, SKU and codes created at a and b within one lag, and failed log-ins counted at both: replication keeps running, the earliest row wins everywhere', async () => {
      const [atA, atB] = [await admin('a'), await admin('b')];
      const email = 'throttled@example.com';
      await Promise.all([nodes.a.rootQuery("STOP SLAVE 'from_b'"), nodes.b.rootQuery("STOP SLAVE 'from_a'")]);
      const ids: Record<string, Record<string, string>> = { a: {}, b: {} };
      try {
        for (const [dc, s, percent] of [['a', atA, 10], ['b', atB, 50]] as const) {
          const category = await s.post('/api/admin/categories', { slug: 'raced-category', name: `Raced at ${dc}` });
          const made = {
            category,
            product: await s.post('/api/admin/products', { slug: 'raced-product', name: `Raced at ${dc}`, description: '', categoryId: category.body.id,
              variants: [{ sku: 'RACED-SKU', name: 'One', price: 1000, stock: 10 }] }),
            discount: await s.post('/api/admin/discounts', { code: 'RACED', name: `Raced at ${dc}`, kind: 'percentage', value: percent }),
            shipping: await s.post('/api/admin/shipping-methods', { code: 'raced-post', name: `Raced at ${dc}`, price: 500 }),
          };
          for (const [what, r] of Object.entries(made)) {
            expect([dc, what, r.status]).toEqual([dc, what, 201]); // neither DC could know of the other
            ids[dc][what] = r.body.id;
          }
          for (let i = 0; i < (dc === 'a' ? 6 : 4); i++) {
            expect((await new Shopper(url[dc]).post('/api/accounts/login', { email, password: 'not the password' })).status).toBe(401);
          }
        }
      } finally {
        await Promise.all([nodes.a.rootQuery("START SLAVE 'from_b'"), nodes.b.rootQuery("START SLAVE 'from_a'")]);
      }
      await caughtUp();
      await replicationHealthy();
      for (const db of [nodes.a, nodes.b]) {
        const [counts] = await db.rootQuery<Record<string, number>>(`SELECT
          (SELECT COUNT(*) FROM meridian.category WHERE slug = 'raced-category') AS category,
          (SELECT COUNT(*) FROM meridian.product WHERE slug = 'raced-product') AS product,
          (SELECT COUNT(*) FROM meridian.variant WHERE sku = 'RACED-SKU') AS variant,
          (SELECT COUNT(*) FROM meridian.discount WHERE code = 'RACED') AS discount,
          (SELECT COUNT(*) FROM meridian.shipping_method WHERE code = 'raced-post') AS shipping`);
        expect(counts).toEqual({ category: 2, product: 2, variant: 2, discount: 2, shipping: 2 });
      }
      for (const dc of ['a', 'b']) {
        const guest = new Shopper(url[dc]);
        const product = await guest.get('/api/products/raced-product');
        expect([dc, product.body.id, product.body.name]).toEqual([dc, ids.a.product, 'Raced at a']);
        const listed = await guest.get('/api/products?category=raced-category');
        expect([dc, listed.body.items.map((p: { id: string }) => p.id)]).toEqual([dc, [ids.a.product]]); // the slug names a's category
        // listed once, as its slug shows it; so is the category
        const everything = await guest.get('/api/products?pageSize=100&q=raced');
        expect([dc, everything.body.items.map((p: { id: string }) => p.id), everything.body.total]).toEqual([dc, [ids.a.product], 1]);
        const categories = (await guest.get('/api/categories')).body.filter((c: { slug: string }) => c.slug === 'raced-category');
        expect([dc, categories]).toEqual([dc, [{ id: ids.a.category, slug: 'raced-category', name: 'Raced at a', products: 1 }]]);
        expect((await guest.post('/api/cart/items', { variantId: product.body.variants[0].id, quantity: 1 })).status).toBe(200);
        const discounted = await guest.put('/api/cart/discount', { code: 'raced' });
        expect([dc, discounted.status, discounted.body.totals.discount]).toEqual([dc, 200, 100]); // a's 10 %, once
        const shipped = await guest.put('/api/cart/shipping-method', { code: 'raced-post' });
        expect([dc, shipped.status, shipped.body.totals.shipping]).toEqual([dc, 200, 500]);
        expect((await guest.get('/api/shipping-methods')).body.filter((m: { code: string }) => m.code === 'raced-post')).toHaveLength(1);
        // a third of any of them is refused at either DC
        expect((await (dc === 'a' ? atA : atB).post('/api/admin/discounts', { code: 'RACED', name: 'again', kind: 'percentage', value: 5 })).status).toBe(409);
        expect((await (dc === 'a' ? atA : atB).post('/api/admin/categories', { slug: 'raced-category', name: 'again' })).status).toBe(409);
        // 6 failures counted at a and 4 at b: the address is at its limit (10) in both DCs
        const throttled = await guest.post('/api/accounts/login', { email, password: 'not the password' });
        expect([dc, throttled.status, throttled.body.error]).toEqual([dc, 429, 'RATE_LIMITED']);
      }
    });
  });

  describe('stock transfers between the DCs\' allocations', () => {
    const stockSql = 'SELECT dc, available FROM meridian.stock_allocation WHERE variant_id = ? ORDER BY dc';
    const sumIn = async (db: MariaDbNode, variant: string) => {
      const [{ s }] = await db.rootQuery<{ s: string }>('SELECT SUM(available) AS s FROM meridian.stock_allocation WHERE variant_id = ?', [variant]);
      const [{ t }] = await db.rootQuery<{ t: string | null }>(`SELECT SUM(t.units) AS t FROM meridian.stock_transfer t
        LEFT JOIN meridian.stock_transfer_receipt r ON r.transfer_id = t.id WHERE t.variant_id = ? AND r.transfer_id IS NULL`, [variant]);
      return Number(s) + Number(t ?? 0);
    };
    const admin = async (at: string) => {
      const s = new Shopper(url[at]);
      expect((await s.post('/api/accounts/login', { email: 'stock-admin@example.com', password: 'an admin password' })).status).toBe(200);
      return s;
    };
    let variant: string;

    beforeAll(async () => {
      await nodes.a.rootQuery("INSERT INTO meridian.account (id, email, password_hash, name, role, home_dc) VALUES (?, 'stock-admin@example.com', ?, 'Admin', 'admin', 'a')",
        [newId('a'), await new PasswordHasher().hash('an admin password')]);
      variant = (await new Shopper(url.a).get('/api/products?pageSize=1')).body.items[0].variants[2].id;
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
      const own = async (db: MariaDbNode, dc: string) => Number((await db.rootQuery<{ available: number }>(
        'SELECT available FROM meridian.stock_allocation WHERE variant_id = ? AND dc = ?', [variant, dc]))[0].available);
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
      const own = async (db: MariaDbNode, dc: string) => Number((await db.rootQuery<{ available: number }>(
        'SELECT available FROM meridian.stock_allocation WHERE variant_id = ? AND dc = ?', [variant, dc]))[0].available);
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
        const [{ n }] = await db.rootQuery<{ n: number }>(`SELECT COUNT(*) AS n FROM meridian.stock_transfer t
          JOIN meridian.stock_transfer_receipt r ON r.transfer_id = t.id WHERE t.id IN (?)`, [answers.map((r) => r.body.id)]);
        expect(Number(n)).toBe(40);
        for (const [status] of [await db.rootQuery<Record<string, unknown>>('SHOW ALL SLAVES STATUS')]) {
          expect([status.Last_SQL_Errno, status.Last_IO_Errno]).toEqual([0, 0]);
        }
      }
    });
  });
});
