import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ADDRESS, Shopper } from '../support/client';
import { Factory, variantsEverywhere } from '../support/factories';
import { caughtUpEverywhere, differingTables, REGIONCTL_ADMIN, regionctlUp, statusOf, tearDown, Topology, writeRegions } from '../support/regionctl';
import { runDirFor } from '../../apps/regionctl/src/topology/plan';
import { waitFor } from '../support/processes';
import { one } from '../support/rows';
import { dig } from '../support/dig';

/**
 * The operator fails a dead DC over (issue 19's report: with DC a killed, accounts homed in a could
 * read at b but not log in, add to the cart or check out, and nothing an operator ran changed that),
 * then the dead DC comes back by itself: fenced, it takes no write and replicates nothing.
 */
describe('regionctl failover (two DCs as real processes, DC a killed)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-failover-'));
  const regions = join(dir, 'regions');
  const data = join(dir, 'data');
  const BLOCK = 40; // 127.0.40-41.0/24: no other suite uses them
  const base = 20000 + Math.floor(Math.random() * 300) * 100;
  const entry = { a: `http://127.0.40.1:${base + 80}`, b: `http://127.0.41.1:${base + 80}` };
  type Dc = keyof typeof entry;
  const dbOf = (dc: Dc) => createConnection({ host: `127.0.${BLOCK + (dc === 'a' ? 0 : 1)}.2`, port: base + 306, user: 'meridian', password: 'meridian',
    database: 'meridian' });
  const query = async <T = Record<string, unknown>>(dc: Dc, sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = await dbOf(dc);
    try {
      return (await one(c.query(sql, params))) as T[];
    } finally {
      await c.end();
    }
  };
  /** SQL as root on a DC's database (its Unix socket), as an operator on that machine */
  const asRoot = async (dc: Dc, sql: string) => {
    const c = await createConnection({ socketPath: join(runDirFor(data), `db-${dc}.sock`), user: 'root' });
    try {
      return await one(c.query(sql));
    } finally {
      await c.end();
    }
  };
  const gslb = async (dc: Dc) => (await fetch(`http://127.0.${BLOCK + (dc === 'a' ? 0 : 1)}.7:${base + 90}/dc/${dc}`)).text();
  const resolvedFor = async (dc: Dc) => (await dig('127.0.0.21', base + 53, 'shop.meridian.test', { bind: `127.0.${BLOCK + (dc === 'a' ? 0 : 1)}.200` })).answers;
  /** the same browser (its cookies) pointed at another DC's entry, as the geo-DNS would send it */
  const movedTo = (s: Shopper, dc: Dc) => {
    const moved = new Shopper(entry[dc]);
    for (const [k, v] of s.cookies) moved.cookies.set(k, v);
    return moved;
  };
  const lines = (r: { body: { lines: { variantId: string; quantity: number }[] } }) => r.body.lines.map((l) => [l.variantId, l.quantity]);
  const order = (s: Shopper, key: string, guest = false) =>
    s.post('/api/checkout', { ...(guest ? { email: 'guest@example.com' } : {}), shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': key });
  let topo: Topology | undefined;
  /** a small load through the kill and the failover: guest checkouts at both DCs' entries, one every 100 ms or so, at most 600 */
  const load = { stop: false, acknowledged: [] as string[], refused: 0, seen: [] as string[], done: Promise.resolve() };
  const startLoad = (variantId: string) => {
    load.done = (async () => {
      for (let i = 0; !load.stop && i < 600; i++) {
        const s = new Shopper(entry[i % 2 ? 'a' : 'b']);
        const added = await s.post('/api/cart/items', { variantId, quantity: 1 }).catch(() => undefined);
        const placed = added?.status === 200 ? await order(s, `load-order-${i}`, true).catch(() => undefined) : undefined;
        if (placed?.status === 201) load.acknowledged.push(placed.body.number);
        else {
          load.refused++;
          if (i % 2 === 0) load.seen.push(`${added?.status ?? 'no answer'} ${placed?.status ?? ''} ${(placed ?? added)?.text.slice(0, 200) ?? ''}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
  };
  const shopper = { email: '', password: 'correct horse battery', browser: undefined as Shopper | undefined };
  let guest: Shopper | undefined;
  /** orders a acknowledged that b never received (b's channel from a held before the kill) */
  const errant: { number: string; key: string; shopper: Shopper; guest: boolean }[] = [];
  let variants: { variantId: string; sku: string }[] = [];
  let newcomerAtA: { s: Shopper; email: string } | undefined;

  beforeAll(async () => {
    writeRegions(regions, [{ code: 'a' }, { code: 'b' }], BLOCK);
    topo = await regionctlUp(regions, data, base, '--catalog', 'bench');
  }, 180000);

  afterAll(() => tearDown(topo, dir), 60000);

  it('a commerce-api process that crashes is started again by the supervisor (default), with back-off, and status counts it', async () => {
    const t = topo!;
    const pidOf = async () => (await statusOf(t)).processes.find((p) => p.name === 'api-a-1')!;
    for (const [n, delay] of [[1, 1], [2, 2]] as const) {
      const before = await pidOf();
      process.kill(before.pid!, 'SIGKILL');
      await waitFor(`regionctl to say it restarts api-a-1 (${n})`, async () =>
        t.lines.some((l) => l.includes(`!! api-a-1 (api of DC a, 127.0.40.11:${base + 100}) exited with signal SIGKILL; restarting it in ${delay} s (restart ${n})`)), 10000);
      await waitFor(`api-a-1 to be back and ready (${n})`, async () =>
        t.lines.filter((l) => /^regionctl: api-a-1 restarted by the supervisor: pid \d+, ready$/.test(l)).length === n, 30000, 100);
      expect(await pidOf()).toMatchObject({ state: 'running', restarts: n });
      expect((await pidOf()).pid).not.toBe(before.pid);
    }
    expect((await t.run('status')).stdout).toMatch(/api-a-1 +127\.0\.40\.11:\d+ +\d+ +running, restarted 2x/);
    // HAProxy takes it back once its own checks pass (a's only commerce-api: until then a's entry answers 503)
    await waitFor('a\'s entry to answer through api-a-1 again', async () => (await fetch(`${entry.a}/api/products?pageSize=1`)).status === 200, 15000, 100);
    expect(await t.run('status', '--supervise', 'none')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--supervise goes with up only/) });
  }, 60000);

  it('regionctl restart takes every kind of process: each comes back with its settings, replication resumes', async () => {
    const t = topo!;
    for (const name of ['mariadb-b', 'redis-a', 'haproxy-b', 'healthcheck-b-2', 'gslb-dns-ns2']) {
      const before = (await statusOf(t)).processes.find((p) => p.name === name)!;
      expect(await t.run('restart', name)).toMatchObject({ status: 0, stdout: expect.stringMatching(new RegExp(`^${name} restarted \\(was running\\): pid \\d+, ready\n$`)) });
      const after = (await statusOf(t)).processes.find((p) => p.name === name)!;
      expect([after.state, after.pid === before.pid]).toEqual(['running', false]);
    }
    await caughtUpEverywhere(t);
    expect((await dig('127.0.0.22', base + 53, 'shop.meridian.test', { bind: '127.0.40.200' })).answers).toEqual(['A 127.0.40.1']);
    await waitFor('b to answer through its restarted HAProxy', async () => (await fetch(`${entry.b}/api/products?pageSize=1`)).status === 200, 15000, 100);
    expect(await t.run('restart', 'mariadb-x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no process "mariadb-x"/) });
  }, 120000);

  it('kill a: its accounts cannot shop at b; failover a (refused until the operator confirms a is down) moves them, sessions and carts kept', async () => {
    const t = topo!;
    variants = await variantsEverywhere([new Factory(entry.a, REGIONCTL_ADMIN), new Factory(entry.b, REGIONCTL_ADMIN)], 3);
    const [v1, v2, v3] = variants;
    const [loaded] = await variantsEverywhere([new Factory(entry.a, REGIONCTL_ADMIN), new Factory(entry.b, REGIONCTL_ADMIN)], 1, { stock: 1000 });
    // an account homed in a, logged in at a, with an order and a line in its cart; a guest of a with a cart
    const made = await new Factory(entry.a).shopper();
    shopper.email = made.email;
    const s = shopper.browser = made.s;
    expect((await s.post('/api/cart/items', { variantId: v1!.variantId, quantity: 1 })).status).toBe(200);
    expect((await order(s, 'before-the-kill')).status).toBe(201);
    expect((await s.post('/api/cart/items', { variantId: v2!.variantId, quantity: 2 })).status).toBe(200);
    guest = new Shopper(entry.a);
    expect((await guest.post('/api/cart/items', { variantId: v3!.variantId, quantity: 1 })).status).toBe(200);
    // another account of a and another guest fill carts, which replicate; then b stops receiving a's writes and they check out at a
    const late = await new Factory(entry.a).shopper();
    const lateGuest = new Shopper(entry.a);
    for (const who of [late.s, lateGuest]) expect((await who.post('/api/cart/items', { variantId: v1!.variantId, quantity: 1 })).status).toBe(200);
    await caughtUpEverywhere(t);
    await asRoot('b', "STOP SLAVE 'from_a'");
    for (const [who, key, asGuest] of [[late.s, 'acknowledged-at-a-only', false], [lateGuest, 'guest-acknowledged-at-a-only', true]] as const) {
      const placed = await order(who, key, asGuest);
      expect(placed.status).toBe(201);
      errant.push({ number: placed.body.number, key, shopper: who, guest: asGuest });
    }

    expect((await t.run('kill', 'a')).status).toBe(0);
    startLoad(loaded!.variantId);
    // what the user saw: reads work at b, writes of accounts homed in a do not, and log-in neither
    const atB = movedTo(s, 'b');
    expect((await atB.get('/api/orders')).body.total).toBe(1);
    expect((await atB.post('/api/cart/items', { variantId: v3!.variantId, quantity: 1 })).body).toMatchObject({ statusCode: 503,
      message: expect.stringMatching(/the database of DC a cannot be reached/) });
    expect((await new Shopper(entry.b).post('/api/accounts/login', { email: shopper.email, password: shopper.password })).status).toBe(503);

    // failover is refused until the operator says a is down (two DCs cannot vote); bad requests change nothing
    const refused = await t.run('failover', 'a');
    expect(refused).toMatchObject({ status: 1, stderr: expect.stringMatching(/DC a does not answer here, which does not prove it is down.*With two DCs nobody can outvote it.*--confirm-down/s) });
    expect(await t.run('failover', 'a', '--to', 'a', '--confirm-down')).toMatchObject({ status: 1, stderr: expect.stringMatching(/cannot be failed over to itself/) });
    expect(await t.run('failover', 'x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no DC "x"/) });
    expect(await t.run('failover')).toMatchObject({ status: 2, stderr: expect.stringMatching(/failover needs: <dc>/) });
    expect(await t.run('start', 'a', '--confirm-down')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--confirm-down goes with failover only/) });
    expect(await gslb('b')).toMatch(/^PASS/);
    expect(await query('b', 'SELECT COUNT(*) AS n FROM dc_fence')).toEqual([{ n: 0 }]);

    const started = Date.now();
    const done = await t.run('failover', 'a', '--confirm-down');
    expect(done).toMatchObject({ status: 0 });
    expect(done.stdout).toMatch(/^DC a failed over to DC b \(epoch 1\)\n/);
    expect(done.stdout).toMatch(/fence: DC a's aggregators answer FAIL \(failed over to b\); its database: down/);
    expect(done.stdout).toMatch(/replication from a stopped at every survivor; a's last GTID position each holds: b 1-1-\d+\n/);
    expect(done.stdout).toMatch(/accounts moved: 3 \(homed in DC b now/); // the admin and the two shoppers
    expect(done.stdout).toMatch(/stock taken over: \d+ units of \d+ SKUs onto DC b's allocation \(DC a's rows are 0\)/);
    expect(done.stdout).toMatch(/guest carts of DC a: 2 active/); // b never saw the second one ordered

    // within seconds: the shopper, still logged in with its cookie, has its cart at b, adds to it and checks out
    const cart = await atB.get('/api/cart');
    expect(cart.status).toBe(200);
    expect(lines(cart)).toEqual([[v2!.variantId, 2]]);
    expect((await atB.post('/api/cart/items', { variantId: v3!.variantId, quantity: 1 })).status).toBe(200);
    const after = await order(atB, 'after-the-failover');
    expect(after.status).toBe(201);
    expect(lines(after)).toEqual([[v2!.variantId, 2], [v3!.variantId, 1]]);
    expect((await atB.get('/api/orders')).body.total).toBe(2);
    const shoppingAgainMs = Date.now() - started;
    // a new log-in of the account works at b, and its home is b
    const again = new Shopper(entry.b);
    expect((await again.post('/api/accounts/login', { email: shopper.email, password: shopper.password })).body).toMatchObject({ homeDc: 'b' });
    // the guest's cart of a is adopted at b with its line, and sells
    const guestAtB = movedTo(guest, 'b');
    expect(lines(await guestAtB.get('/api/cart'))).toEqual([[v3!.variantId, 1]]);
    expect((await order(guestAtB, 'guest-after-the-failover', true)).status).toBe(201);
    // a's stock is b's now: a's rows 0, the units recorded once; the sum of b's is what both had less what sold since
    const stock = await query<{ dc: string; available: number }>('b', 'SELECT dc, available FROM stock_allocation WHERE variant_id = ? ORDER BY dc', [v3!.variantId]);
    expect(stock).toEqual([{ dc: 'a', available: 0 }, { dc: 'b', available: 50 + 50 - 2 }]);
    expect(await query('b', 'SELECT units FROM stock_takeover WHERE variant_id = ?', [v3!.variantId])).toEqual([{ units: 50 }]);
    // the geo-DNS names b for a's clients; status says a is failed over and b's channel from a stopped by it, not broken
    await waitFor('ns1 to name b for a\'s clients', async () => (await resolvedFor('a')).join() === `A 127.0.41.1`, 10000, 100);
    const human = (await t.run('status')).stdout;
    expect(human).toMatch(/FAILED OVER to DC b \(epoch 1\) since \S+: fenced \(read-only, no replication\) until regionctl failback a/);
    expect(human).toMatch(/replication from_a: stopped by the failover of DC a \(io No, sql No\); failback starts it\n/);
    expect(await t.run('failover', 'a', '--confirm-down')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC a was failed over to DC b already \(epoch 1/) });
    load.stop = true;
    await load.done;
    expect(load.seen.slice(0, 3)).toEqual([]); // b took every order it was sent; a's entry refused its share
    expect(load.acknowledged.length).toBeGreaterThan(0);
    expect(load.refused).toBeGreaterThan(0);
    process.stdout.write(`failover: shopping again at b ${shoppingAgainMs} ms after failover began; under load: `
      + `${load.acknowledged.length} orders acknowledged, ${load.refused} refused (a's entry, down)\n`);
  }, 180000);

  it('a comes back by itself: fenced (read-only, no replication, its aggregators FAIL), its old sessions can read there but not write', async () => {
    const t = topo!;
    const back = await t.run('start', 'a');
    expect(back).toMatchObject({ status: 0, stdout: expect.stringMatching(/started mariadb-a \(read-only: fenced\), redis-a, api-a-1, haproxy-a, healthcheck-a-1, healthcheck-a-2\n/) });
    expect(back.stdout).toMatch(/DC a is fenced: failed over to DC b \(epoch 1\); it takes no writes and replicates nothing until regionctl failback a/);
    expect(await gslb('a')).toBe('FAIL: failed over to b (epoch 1)\n');
    // the shopper's old browser at a: reads answer, writes do not (nor log-in), whatever a's stale rows say of the home
    const atA = movedTo(shopper.browser!, 'a');
    expect((await atA.get('/api/orders')).status).toBe(200);
    const write = await atA.post('/api/cart/items', { variantId: variants[0]!.variantId, quantity: 1 });
    expect(write.body).toMatchObject({ statusCode: 503, error: 'FAILED_OVER' });
    expect((await new Shopper(entry.a).post('/api/accounts/login', { email: shopper.email, password: shopper.password })).body).toMatchObject({ error: 'FAILED_OVER' });
    expect(await query('a', 'SELECT @@global.read_only AS ro')).toEqual([{ ro: 1 }]);
    // no write reaches it or leaves it, and no channel has an error
    const ordersAtA = await query('a', 'SELECT COUNT(*) AS n FROM orders');
    const s2 = movedTo(shopper.browser!, 'b');
    expect((await s2.post('/api/cart/items', { variantId: variants[0]!.variantId, quantity: 1 })).status).toBe(200);
    expect((await order(s2, 'while-a-is-fenced')).status).toBe(201);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await query('a', 'SELECT COUNT(*) AS n FROM orders')).toEqual(ordersAtA);
    expect(await query('a', 'SELECT COUNT(*) AS n FROM dc_fence')).toEqual([{ n: 0 }]); // b's fence row never reached a
    const { dcs } = await statusOf(t);
    for (const d of dcs) {
      expect(d.channels).toEqual([expect.objectContaining({ io: 'No', sql: false, error: '', fenced: true })]);
    }
    // the DNS still names only b
    await new Promise((r) => setTimeout(r, 1000));
    expect(await resolvedFor('a')).toEqual(['A 127.0.41.1']);
  }, 120000);

  it('failback a: every order a acknowledged alone is recovered at b once (same number and key), a is rebuilt, every table equal, replication healthy', async () => {
    const t = topo!;
    const before = await query<{ number: string }>('b', 'SELECT number FROM orders WHERE number IN (?)', [errant.map((e) => e.number)]);
    expect(before).toEqual([]); // b never got them
    const back = await t.run('failback', 'a');
    expect(back).toMatchObject({ status: 0 });
    expect(back.stdout).toMatch(/^DC a failed back \(epoch 2\): it takes writes again and replicates both ways\n/);
    expect(back.stdout).toMatch(new RegExp(`orders recovered at DC b \\(same number and Idempotency-Key, a recovered event\\): 2 \\((${errant.map((e) => e.number).join('|')}), (${errant.map((e) => e.number).join('|')})\\)`));
    expect(back.stdout).toMatch(/other errant changes, not replayed \(listed in the report\): none\n/);
    expect(back.stdout).toMatch(/stock given back to DC a: \d+ units of \d+ SKUs \(what DC b had not sold of what it took over\)/);
    expect(back.stdout).toMatch(/database rebuilt from DC b's snapshot at \S+; channels started both ways/);
    expect(back.stdout).toMatch(/healthcheck 1 PASS: .*healthcheck 2 PASS/);
    const report = JSON.parse(readFileSync(/report: (\S+)/.exec(back.stdout)![1]!, 'utf8')) as { orders: { number: string; outcome: string }[] };
    expect(report.orders.map((o) => `${o.number} ${o.outcome}`).sort()).toEqual(errant.map((e) => `${e.number} recovered`).sort());
    await caughtUpEverywhere(t);
    // once each, everywhere, with a recovered event; the same Idempotency-Key answers the same order
    for (const dc of ['a', 'b'] as const) {
      expect(await query(dc, 'SELECT number FROM orders WHERE number IN (?) ORDER BY number', [errant.map((e) => e.number)]))
        .toEqual(errant.map((e) => ({ number: e.number })).sort((x, y) => x.number.localeCompare(y.number)));
      expect(await query(dc, `SELECT COUNT(*) AS n FROM order_event e JOIN orders o ON o.id = e.order_id WHERE o.number IN (?) AND e.actor = 'recovered at the failback of DC a'`,
        [errant.map((e) => e.number)])).toEqual([{ n: 2 }]);
    }
    for (const e of errant) {
      const retried = await order(movedTo(e.shopper, e.guest ? 'a' : 'b'), e.key, e.guest);
      // a repeat: the order it made, not a new one
      expect([retried.status, retried.body.number, retried.headers.get('idempotent-replayed')]).toEqual([200, e.number, 'true']);
    }
    expect(await differingTables(['a', 'b'], query)).toEqual([]);
    // every order the load was told succeeded is there, once, in both databases
    for (const dc of ['a', 'b'] as const) {
      expect(await query(dc, 'SELECT COUNT(*) AS n, COUNT(DISTINCT number) AS d FROM orders WHERE number IN (?)', [load.acknowledged]))
        .toEqual([{ n: load.acknowledged.length, d: load.acknowledged.length }]);
    }
    // a sells from its own allocation again: what b took over and did not sell (v3: 50 taken, b had 98 left) came back
    expect(await query('a', 'SELECT dc, available FROM stock_allocation WHERE variant_id = ? ORDER BY dc', [variants[2]!.variantId]))
      .toEqual([{ dc: 'a', available: 50 }, { dc: 'b', available: 48 }]);
    const { dcs } = await statusOf(t);
    for (const d of dcs) {
      expect(d.failedOver).toBeUndefined();
      expect(d.channels).toEqual([expect.objectContaining({ io: 'Yes', sql: true, error: '' })]);
    }
    // a takes writes again and the geo-DNS names it for its clients
    expect(await query('a', 'SELECT @@global.read_only AS ro')).toEqual([{ ro: 0 }]);
    expect(await gslb('a')).toMatch(/^PASS/);
    await waitFor('ns1 to name a for its clients again', async () => (await resolvedFor('a'))[0] === 'A 127.0.40.1', 10000, 100);
    const newcomer = await new Factory(entry.a).shopper();
    expect((await newcomer.s.post('/api/cart/items', { variantId: variants[0]!.variantId, quantity: 1 })).status).toBe(200);
    newcomerAtA = newcomer;
    // a second failback, or one of a DC that was never failed over, is refused
    expect(await t.run('failback', 'a')).toMatchObject({ status: 1, stderr: expect.stringMatching(/DC a is not failed over: nothing to fail back/) });
    expect(await t.run('failback', 'x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no DC "x"/) });
    expect(await t.run('failover', 'a', '--rehome')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--rehome goes with failback only/) });
  }, 180000);

  it('a DC that lost its disk: failover, start it empty (fenced, nothing to serve), failback rebuilds it from the survivor', async () => {
    const t = topo!;
    const s = newcomerAtA!.s;
    const placed = await order(s, 'before-the-disk-was-lost');
    expect(placed.status).toBe(201);
    await caughtUpEverywhere(t);
    expect((await t.run('kill', 'a')).status).toBe(0);
    for (const folder of ['mariadb', 'mariadb-tmp']) rmSync(join(data, 'a', folder), { recursive: true, force: true });
    const over = await t.run('failover', 'a', '--confirm-down');
    expect(over).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC a failed over to DC b \(epoch 3\)\n/) });
    const back = await t.run('start', 'a');
    expect(back).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC a: started mariadb-a \(read-only: fenced\), redis-a, healthcheck-a-1, healthcheck-a-2\n/) });
    expect(back.stdout).toMatch(/DC a's database is empty \(a lost disk\?\)/);
    const failback = await t.run('failback', 'a', '--rehome');
    expect(failback).toMatchObject({ status: 0, stderr: '' });
    expect(failback.stdout).toMatch(/accounts moved back to DC a \(--rehome\): \d+ \(epoch \+ 1 each/);
    expect(failback.stdout).toMatch(/^DC a failed back \(epoch 4\)/);
    expect(failback.stdout).toMatch(/errant transactions \(committed at a, never received by a survivor: past 1-1-\d+\): 0\n/);
    expect(failback.stdout).toMatch(/healthcheck 1 PASS: .*healthcheck 2 PASS/);
    await caughtUpEverywhere(t);
    expect(await differingTables(['a', 'b'], query)).toEqual([]);
    expect(await query('a', 'SELECT number FROM orders WHERE number = ?', [placed.body.number])).toEqual([{ number: placed.body.number }]);
    // --rehome: the account the failover moved is homed in a again, everywhere
    for (const dc of ['a', 'b'] as const) {
      expect(await query(dc, 'SELECT home_dc FROM account WHERE email = ?', [newcomerAtA!.email])).toEqual([{ home_dc: 'a' }]);
    }
    // shopping at a again: the account logs in there and orders
    const again = new Shopper(entry.a);
    expect((await again.post('/api/accounts/login', { email: newcomerAtA!.email, password: shopper.password })).status).toBe(200);
    expect((await again.post('/api/cart/items', { variantId: variants[1]!.variantId, quantity: 1 })).status).toBe(200);
    expect((await order(again, 'after-the-disk-was-replaced')).status).toBe(201);
  }, 180000);

  it('failover --force fences a DC that still runs; failback refuses while its database is down, then brings it back', async () => {
    const t = topo!;
    expect(await t.run('failover', 'a', '--confirm-down')).toMatchObject({ status: 1,
      stderr: expect.stringMatching(/^DC a still answers \(its database 127\.0\.40\.2:\d+, api-a-1\): failing it over now would leave two DCs writing its accounts/) });
    const forced = await t.run('failover', 'a', '--force');
    expect(forced).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC a failed over to DC b \(epoch 5\)\n/) });
    expect(forced.stdout).toMatch(/its database: set read-only, its replication stopped/);
    expect(await query('a', 'SELECT @@global.read_only AS ro')).toEqual([{ ro: 1 }]);
    // its commerce-api, still running, learns it within a second: writes refused, reads served
    const s = new Shopper(entry.a);
    await waitFor('a to refuse writes', async () => (await s.post('/api/cart/items', { variantId: variants[0]!.variantId, quantity: 1 })).status === 503, 5000, 100);
    expect((await s.get('/api/products?pageSize=1')).status).toBe(200);
    expect((await t.run('kill', 'a', '--what', 'db')).status).toBe(0);
    expect(await t.run('failback', 'a')).toMatchObject({ status: 1, stderr: expect.stringMatching(/the database of DC a does not answer: start it first/) });
    expect((await t.run('start', 'a')).stdout).toMatch(/started mariadb-a \(read-only: fenced\)/);
    expect(await t.run('failback', 'a')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC a failed back \(epoch 6\)/) });
    await caughtUpEverywhere(t);
    expect(await differingTables(['a', 'b'], query)).toEqual([]);
  }, 120000);
});
