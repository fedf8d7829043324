import { MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { registerAt, useTwoDcs } from '../support/two-dcs';
import { ADDRESS, Shopper } from '../support/client';
import { one } from '../support/rows';

describe('two DCs: an account\'s home, its sessions and its cart across DCs (Order_DS_Remote)', () => {
  const { nodes, links, url, caughtUp, variantIds: fresh } = useTwoDcs();

  const registerInA = (email: string) => registerAt(url.a, email);

  const homeIn = async (db: MariaDbNode, email: string) =>
    (await one(db.rootQuery<{ home_dc: string; home_epoch: number }>('SELECT home_dc, home_epoch FROM meridian.account WHERE email = ?', [email])));
  /** as if the account's last log-in at home were two hours ago (written at the home, so it replicates) */
  const ageLastLogin = (email: string) =>
    nodes.a.rootQuery('UPDATE meridian.account SET last_login_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE email = ?', [email]);

  /** replica_reads_total of a DC's process, by "<data> <served>" */
  const replicaReads = async (base: string): Promise<Record<string, number>> => {
    const text = await (await fetch(`${base}/metrics`)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^replica_reads_total\{([^}]*)\} (\d+)$/gm)) {
      const label = (name: string) => new RegExp(`${name}="([^"]*)"`).exec(m[1] ?? '')?.[1];
      counts[`${label('data')} ${label('served')}`] = Number(m[2]);
    }
    return counts;
  };
  const countsSince = (before: Record<string, number>, after: Record<string, number>) =>
    Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => n !== 0));

  it('its session and cart writes land in DC a\'s database and reach DC b by replication', async () => {
    const inA = new Shopper(url.a);
    const reg = await inA.post('/api/accounts/register', { email: 'homed-in-a@example.com', password: 'a long password', name: 'A' });
    expect(reg.status).toBe(201);
    expect(reg.body.homeDc).toBe('a');
    await caughtUp();

    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email: 'homed-in-a@example.com', password: 'a long password' })).status).toBe(200);
    const [variant] = await fresh(1);
    const cart = await atB.post('/api/cart/items', { variantId: variant, quantity: 2 });
    expect(cart.status).toBe(200);
    expect(cart.body.id).toMatch(/^b_/); // made by DC b ...

    // ... but written into DC a's database, the account's home, through the WAN link
    const inHome = await nodes.a.rootQuery('SELECT c.account_id, l.quantity FROM meridian.cart c JOIN meridian.cart_line l ON l.cart_id = c.id WHERE c.id = ?', [cart.body.id]);
    expect(inHome).toEqual([{ account_id: reg.body.id, quantity: 2 }]);
    const sessions = await one(nodes.a.rootQuery<{ n: number }>('SELECT COUNT(*) AS n FROM meridian.session WHERE account_id = ?', [reg.body.id]));
    expect(Number(sessions.n)).toBe(2); // the registration's and the log-in at b

    await caughtUp();
    expect(await nodes.b.rootQuery('SELECT quantity FROM meridian.cart_line WHERE cart_id = ?', [cart.body.id])).toEqual([{ quantity: 2 }]);
    expect((await atB.get('/api/accounts/me')).body.email).toBe('homed-in-a@example.com');
  });

  it('a log-in elsewhere keeps the home while the home saw a recent log-in', async () => {
    await registerInA('active-in-a@example.com');
    await caughtUp();
    expect((await new Shopper(url.b).post('/api/accounts/login', { email: 'active-in-a@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    await caughtUp();
    for (const db of [nodes.a, nodes.b]) expect(await homeIn(db, 'active-in-a@example.com')).toEqual({ home_dc: 'a', home_epoch: 1 });
  });

  it('with no recent log-in at home, a log-in at DC b claims the home (epoch + 1) and first sees everything DC a had', async () => {
    const inA = await registerInA('moving@example.com');
    const variants = await fresh(2);
    await inA.post('/api/cart/items', { variantId: variants[0], quantity: 3 });
    await ageLastLogin('moving@example.com');

    const atB = new Shopper(url.b);
    const login = await atB.post('/api/accounts/login', { email: 'moving@example.com', password: 'a long password' });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ homeDc: 'b', homeEpoch: 2 });
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
    expect(Number((await one(revoked(nodes.a))).n)).toBe(1);
    await caughtUp();
    expect(Number((await one(revoked(nodes.b))).n)).toBe(1);
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
    // every claim carried epoch 1: at most one could win (epoch 2 at b), or none did (epoch 1, still a)
    expect(inA.home_epoch).toBe(inA.home_dc === 'b' ? 2 : 1);
    // each log-in was told the home it was recorded in: a before any claim, b once b had won
    const homes = [...new Set(answers.filter((x) => x.status === 200).map((x) => x.body.homeDc as string))].sort();
    expect(homes).toEqual(inA.home_dc === 'b' ? expect.arrayContaining(['b']) : ['a']);
    expect(homes.filter((h) => h !== 'a' && h !== 'b')).toEqual([]);
    // and with the epoch it held there: one home per epoch (epoch 1 is a's, 2 is b's)
    for (const x of answers.filter((y) => y.status === 200)) expect([x.body.homeDc, x.body.homeEpoch]).toEqual(x.body.homeDc === 'a' ? ['a', 1] : ['b', 2]);
  });

  it('its session is checked against b\'s own replica: with the link to a cut it still reads at b, and a log-out reaches b by replication', async () => {
    await registerInA('reads-at-b@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    const login = await atB.post('/api/accounts/login', { email: 'reads-at-b@example.com', password: 'a long password' });
    expect(login.body.homeDc).toBe('a');
    const [variant] = await fresh(1);
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

  it('read-your-writes: reads at b wait for the client\'s last write at a on b\'s replica, and ask a when the replica lags', async () => {
    await registerInA('ryw@example.com');
    await caughtUp();
    const atB = new Shopper(url.b);
    expect((await atB.post('/api/accounts/login', { email: 'ryw@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    const variants = await fresh(2);
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
    const variants = await fresh(2);
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
    const variants = await fresh(3);
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

  it('while the link to DC a is cut, writing that account\'s cart at DC b fails cleanly with 503, and nothing is half-written', async () => {
    const atB = new Shopper(url.b);
    await atB.post('/api/accounts/login', { email: 'homed-in-a@example.com', password: 'a long password' });
    const [variant] = await fresh(1);
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
});
