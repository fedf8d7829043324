import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ADDRESS, Shopper } from '../support/client';
import { Factory, variantIdsEverywhere } from '../support/factories';
import { caughtUpEverywhere, differingTables, regionctl, REGIONCTL_ADMIN, regionctlUp, regionctlUpUntil, statusOf, tearDown, Topology, writeRegions } from '../support/regionctl';
import { waitFor } from '../support/processes';
import { runDirFor } from '../../apps/regionctl/src/topology/plan';
import { one } from '../support/rows';
import type { DcStatus } from '../../gslb-healthcheck/src/dc-health.service';
import { dig } from '../support/dig';
import { headlessChromium } from '../support/browser';

/**
 * The operator's view: `regionctl up` brings up two DCs (MariaDB, Redis, commerce-api processes and
 * HAProxy each, WAN links between them) from region files; status, wan cut/heal, scale and down
 * act on the running topology from other shells; up again keeps the data, --fresh does not.
 */
describe('regionctl up / status / wan / scale / down (two DCs, later a third, as real processes)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-up-'));
  const regions = join(dir, 'regions');
  const data = join(dir, 'data');
  const BLOCK = 31; // DCs on 127.0.31-33.0/24 (c joins later): no other suite uses them
  const base = 20000 + Math.floor(Math.random() * 300) * 100;
  const entry = { a: `http://127.0.31.1:${base + 80}`, b: `http://127.0.32.1:${base + 80}`, c: `http://127.0.33.1:${base + 80}` };
  type Dc = keyof typeof entry;
  /** what aggregator n (1 or 2) of a DC answers a GSLB */
  const gslb = async (dc: Dc, n: 1 | 2 = 1) => {
    const r = await fetch(`http://127.0.${BLOCK + ['a', 'b', 'c'].indexOf(dc)}.${6 + n}:${base + 90}/dc/${dc}`);
    return { status: r.status, text: await r.text() };
  };
  /** the shop's name as the geo-DNS (ns1, or ns2) answers a client bound in a DC's block, or any other */
  const resolved = async (o: { from?: Dc; subnet?: string; ns?: 1 | 2 } = {}) => (await dig(`127.0.0.${20 + (o.ns ?? 1)}`, base + 53, 'shop.meridian.test', {
    bind: o.from ? `127.0.${BLOCK + ['a', 'b', 'c'].indexOf(o.from)}.200` : '127.0.0.1', subnet: o.subnet })).answers;
  const gslbStatus = async (dc: Dc, n: 1 | 2 = 1) =>
    (await (await fetch(`http://127.0.${BLOCK + ['a', 'b', 'c'].indexOf(dc)}.${6 + n}:${base + 90}/status`)).json()) as DcStatus;
  let topo: Topology | undefined;

  const status = (t: Topology) => statusOf(t);
  const db = (dc: Dc) => createConnection({ host: `127.0.${BLOCK + ['a', 'b', 'c'].indexOf(dc)}.2`, port: base + 306, user: 'meridian', password: 'meridian', database: 'meridian' });
  const count = async (dc: Dc, sql: string) => {
    const c = await db(dc);
    try {
      const rows = await one(c.query(sql));
      return rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  const caughtUp = (t: Topology) => caughtUpEverywhere(t);
  /** ids of `count` variants of the test's own, made at the first of `dcs`, with 50 units at each */
  const fresh = <N extends number>(dcs: Dc[], count: N) => variantIdsEverywhere(dcs.map((dc) => new Factory(entry[dc], REGIONCTL_ADMIN)), count);
  const guestOrder = async (url: string, variant: string, key: string) => {
    const s = new Shopper(url);
    expect((await s.post('/api/cart/items', { variantId: variant, quantity: 1 })).status).toBe(200);
    return s.post('/api/checkout', { email: 'guest@example.com', shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': key });
  };

  beforeAll(async () => {
    // a's commerce-api processes get a setting from its region file: any variant with at most 100,000,000 units is "low"
    writeRegions(regions, [{ code: 'a', apiProcesses: 2, env: { LOW_STOCK_THRESHOLD: 100000000 } }, { code: 'b', apiProcesses: 1 }], BLOCK);
    // unsupervised: the tests below kill commerce-api processes and bring them back themselves
    topo = await regionctlUp(regions, data, base, '--catalog', 'bench', '--supervise', 'none');
  }, 180000);

  afterAll(() => tearDown(topo, dir), 60000);

  it('starts every process of both DCs, replication running both ways, and says how to reach each DC', async () => {
    const t = topo!;
    expect(t.lines.join('\n')).toContain(`DC a (Test DC a): ${entry.a}/api`);
    expect(t.lines.join('\n')).toContain(`DC b (Test DC b): ${entry.b}/api`);
    const s = await status(t);
    expect(s.processes.map((p) => `${p.name} ${p.state}`)).toEqual([
      'gslb-dns-ns1 running', 'gslb-dns-ns2 running',
      'mariadb-a running', 'redis-a running', 'api-a-1 running', 'api-a-2 running', 'haproxy-a running', 'healthcheck-a-1 running', 'healthcheck-a-2 running',
      'mariadb-b running', 'redis-b running', 'api-b-1 running', 'haproxy-b running', 'healthcheck-b-1 running', 'healthcheck-b-2 running',
    ]);
    // each DC's two aggregators check everything inside it (every commerce-api directly) and say PASS
    for (const dc of ['a', 'b'] as const) {
      for (const n of [1, 2] as const) expect(await gslb(dc, n)).toEqual({ status: 200, text: expect.stringMatching(/^PASS\n\d of \d checks passed/) });
    }
    expect((await gslbStatus('a')).checks.map((c) => `${c.name} ${c.target} ${c.ok}`)).toEqual([
      `api-1 http://127.0.31.11:${base + 100} true`, `api-2 http://127.0.31.12:${base + 100} true`, `lb ${entry.a} true`,
      `db ${join(runDirFor(data), 'db-a.sock')} true`, `redis redis://127.0.31.3:${base + 379} true`,
    ]);
    expect(s.dcs.map((d) => d.gslb.map((g) => `${g.instance} ${g.state}`))).toEqual([['1 PASS', '2 PASS'], ['1 PASS', '2 PASS']]);
    expect(t.lines.join('\n')).toContain(`its health: http://127.0.31.7:${base + 90}/dc/a  http://127.0.31.8:${base + 90}/dc/a`);
    // the geo-DNS: each DC's clients get that DC's entry, by source address or ECS, from both servers; up printed dig commands that work
    expect(await resolved({ from: 'a' })).toEqual(['A 127.0.31.1']);
    expect(await resolved({ from: 'b' })).toEqual(['A 127.0.32.1']);
    expect(await resolved({ subnet: '10.32.5.0/24' })).toEqual(['A 127.0.32.1']);
    expect(await resolved({ subnet: '10.31.5.0/24', ns: 2 })).toEqual(['A 127.0.31.1']);
    expect(await resolved()).toEqual(['A 127.0.31.1']); // an unknown client: the DCs in code order
    expect(t.lines.join('\n')).toContain(`dig @127.0.0.21 -p ${base + 53} shop.meridian.test +short +subnet=10.32.0.0/16   # a client of DC b`);
    expect(s.dns.map((d) => `${d.instance} ${d.dcs?.map((x) => `${x.dc} ${x.state}`).join(' ')}`)).toEqual(['ns1 a PASS b PASS', 'ns2 a PASS b PASS']);
    for (const d of s.dcs) {
      expect(d.lb).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'UP' })]));
      expect(d.channels).toEqual([expect.objectContaining({ io: 'Yes', sql: true, error: '' })]);
    }
    expect(s.links.map((l) => `${l.from}->${l.to} ${l.latencyMs} ${l.cut}`)).toEqual(['a->b 10 false', 'b->a 10 false']);
    const human = await t.run('status');
    expect(human.stdout).toMatch(/replication from_b: running/);
    expect(human.stdout).toMatch(/all processes running, replication healthy/);
    expect(human.stdout).toMatch(/gslb-dns-ns2 +127\.0\.0\.22:\d+ +\d+ +running +a PASS, b PASS +a: a, b: b, unknown: a/);
    expect(human.stdout).toMatch(new RegExp(`gslb-healthcheck 2 \\(127\\.0\\.32\\.8:${base + 90}\\): PASS since \\S+: 4 of 4 checks passed`));
    // replication has been flowing through both links: each says how late it delivered
    for (const l of s.links) expect(l.late.chunks).toBeGreaterThan(0);
    expect(human.stdout).toMatch(/delivered late p50 \/ p99 \/ max/);
    expect(human.stdout).toMatch(/a -> b .* up .* \d+(\.\d)? \/ \d+(\.\d)? \/ \d+(\.\d)? ms/);
    // each DC's entry is its HAProxy, which says which DC answered
    for (const dc of ['a', 'b'] as const) {
      const r = await fetch(`${entry[dc]}/api/products?pageSize=1`);
      expect(r.status).toBe(200);
      expect(r.headers.get('x-meridian-edge-dc')).toBe(dc);
    }
    // the env: of a's region file reached a's processes only
    const stockStatus = async (dc: 'a' | 'b') => ((await (await fetch(`${entry[dc]}/api/products?pageSize=1`)).json()) as { items: { variants: { stockStatus: string }[] }[] }).items[0]?.variants[0]?.stockStatus;
    expect([await stockStatus('a'), await stockStatus('b')]).toEqual(['low_stock', 'in_stock']);
  });

  it('shoppers of both DCs order at the same time: every order reaches both databases, no duplicate keys, no replication error', async () => {
    const t = topo!;
    const [variant] = await fresh(['a', 'b'], 1);
    const orders = await Promise.all(Array.from({ length: 24 }, (_, i) => guestOrder(i % 2 ? entry.a : entry.b, variant, `both-dcs-${i}`)));
    expect(orders.map((o) => o.status)).toEqual(Array(24).fill(201));
    const ids = orders.map((o) => o.body.id as string);
    expect(new Set(ids).size).toBe(24);
    expect(ids.filter((id) => id.startsWith('a_'))).toHaveLength(12);
    await caughtUp(t);
    const byPrefix = `SELECT LEFT(id, 2) AS dc, COUNT(*) AS n FROM orders GROUP BY LEFT(id, 2) ORDER BY dc`;
    const [inA, inB] = [await count('a', byPrefix), await count('b', byPrefix)];
    expect(inA).toEqual(inB);
    expect(inA.map((r) => Number(r.n))).toEqual([12, 12]);
    // stock: each DC sold from its own allocation rows only
    const sold = `SELECT dc, SUM(available) AS units FROM stock_allocation GROUP BY dc ORDER BY dc`;
    expect(await count('a', sold)).toEqual(await count('b', sold));
  });

  it('a commerce-api process that dies is reported, not restarted (--supervise none), and the DC keeps serving through HAProxy', async () => {
    const t = topo!;
    const victim = (await status(t)).processes.find((p) => p.name === 'api-a-2')!;
    process.kill(victim.pid!, 'SIGKILL');
    await waitFor('regionctl to report the death', async () => t.lines.some((l) => /!! api-a-2 .* exited with signal SIGKILL; not restarted/.test(l)), 10000);
    const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${entry.a}/api/products?pageSize=1`).then((r) => r.status)));
    expect(answers).toEqual(Array(20).fill(200));
    await waitFor('HAProxy to take api2 out', async () => {
      const s = await status(t);
      const lb = s.dcs[0]?.lb as { name: string; status: string }[];
      return lb.find((x) => x.name === 'api2')?.status.startsWith('DOWN') ?? false;
    }, 10000);
    const s = await status(t);
    expect(s.processes.find((p) => p.name === 'api-a-2')).toMatchObject({ state: 'exited', exit: 'signal SIGKILL' });
    expect((await t.run('status')).stdout).toMatch(/api-a-2 .*EXITED \(signal SIGKILL\)/);
    // one of five checks fails: the DC still passes (75 % needed), and says which failed
    await waitFor('the aggregator to see api-2 gone', async () => (await gslbStatus('a')).checks.find((c) => c.name === 'api-2')?.ok === false, 5000, 50);
    expect(await gslb('a')).toEqual({ status: 200, text: expect.stringMatching(/^PASS\n4 of 5 checks passed \(75 % needed\); failing: api-2: ECONNREFUSED/) });
  });

  it('wan cut: both DCs keep taking orders on their own; a write for the other DC\'s account fails with 503; heal catches up with nothing lost; a blackhole answers 503 at the deadline', async () => {
    const t = topo!;
    const homedInA = new Shopper(entry.a);
    expect((await homedInA.post('/api/accounts/register', { email: 'cut@example.com', password: 'a long password', name: 'Cut' })).status).toBe(201);
    await caughtUp(t);
    const atB = new Shopper(entry.b);
    expect((await atB.post('/api/accounts/login', { email: 'cut@example.com', password: 'a long password' })).body.homeDc).toBe('a');
    const [variant] = await fresh(['a', 'b'], 1);

    const cutAt = Date.now();
    const cut = await t.run('wan', 'cut', 'a', 'b');
    expect(cut).toMatchObject({ status: 0, stdout: 'WAN a <-> b: cut\n' });
    expect((await status(t)).links.every((l) => l.cut)).toBe(true);
    const remote = await atB.post('/api/cart/items', { variantId: variant, quantity: 1 });
    expect(remote.status).toBe(503);
    expect(remote.body.message).toMatch(/DC a/);
    const during = await Promise.all([guestOrder(entry.a, variant, 'during-cut-a-1'), guestOrder(entry.b, variant, 'during-cut-b-1'),
      guestOrder(entry.a, variant, 'during-cut-a-2')]);
    expect(during.map((o) => o.status)).toEqual([201, 201, 201]);
    // a WAN cut fails neither DC: only what is inside a DC counts; the channel is shown, not counted
    await waitFor('a\'s aggregator to see its channel from b broken', async () =>
      (await gslbStatus('a')).replication?.channels.some((c) => c.channel === 'from_b' && c.io !== 'Yes') ?? false, 30000, 100);
    const roundsSinceCut = async (dc: Dc) => (await gslbStatus(dc)).history.filter((h) => h.t >= cutAt);
    await waitFor('three rounds in each DC since the cut', async () => (await roundsSinceCut('a')).length >= 3 && (await roundsSinceCut('b')).length >= 3, 10000, 50);
    for (const dc of ['a', 'b'] as const) {
      expect((await roundsSinceCut(dc)).map((h) => h.state)).not.toContain('FAIL');
      expect((await gslb(dc)).status).toBe(200);
      expect(await resolved({ from: dc })).toEqual([`A 127.0.${BLOCK + ['a', 'b'].indexOf(dc)}.1`]);
    }

    expect((await t.run('wan', 'heal', 'a', 'b')).status).toBe(0);
    await caughtUp(t);
    for (const o of during) {
      for (const dc of ['a', 'b'] as const) expect(await count(dc, `SELECT id FROM orders WHERE id = '${o.body.id}'`)).toHaveLength(1);
    }
    expect(await count('a', 'SELECT COUNT(*) AS n FROM orders')).toEqual(await count('b', 'SELECT COUNT(*) AS n FROM orders'));

    // a blackhole: nothing arrives and nobody is told; a write of a's account at b answers 503 at its deadline (2 s),
    // and the write the link delivers to a at the heal, after that deadline, is refused there
    expect(await t.run('wan', 'blackhole', 'a', 'b')).toMatchObject({ status: 0, stdout: 'WAN a <-> b: blackholed (held back silently until healed)\n' });
    expect((await status(t)).links.map((l) => l.blackhole)).toEqual([true, true]);
    expect((await t.run('status')).stdout).toMatch(/a -> b .* BLACKHOLE/);
    const held = await atB.post('/api/cart/items', { variantId: variant, quantity: 1 });
    expect([held.status, held.body.message]).toEqual([503, expect.stringMatching(/DC a (did not answer in time|cannot be reached)/)]);
    expect((await t.run('wan', 'heal', 'a', 'b')).status).toBe(0);
    await caughtUp(t);
    expect((await atB.get('/api/cart')).body.lines).toEqual([]);
  });

  it('scale adds commerce-api processes to a DC at run time and removes them again; bad requests are refused', async () => {
    const t = topo!;
    expect(await t.run('scale', 'b', '3')).toMatchObject({ status: 0, stdout: 'DC b: 3 commerce-api processes (was 1)\n' });
    let s = await status(t);
    expect(s.processes.filter((p) => p.dc === 'b' && p.role === 'api').map((p) => `${p.name} ${p.state}`)).toEqual(['api-b-1 running', 'api-b-2 running', 'api-b-3 running']);
    expect((s.dcs[1]?.lb as { status: string }[]).filter((x) => x.status === 'UP')).toHaveLength(3);
    // both aggregators check the new processes too, without a restart
    for (const n of [1, 2] as const) {
      await waitFor(`aggregator ${n} of b to check three commerce-api`, async () =>
        (await gslbStatus('b', n)).checks.filter((c) => c.kind === 'api' && c.ok).length === 3, 5000, 50);
    }
    expect(await t.run('scale', 'b', '1')).toMatchObject({ status: 0, stdout: 'DC b: 1 commerce-api processes (was 3)\n' });
    s = await status(t);
    expect(s.processes.filter((p) => p.dc === 'b' && p.role === 'api').map((p) => p.name)).toEqual(['api-b-1']);
    expect((await fetch(`${entry.b}/api/products?pageSize=1`)).status).toBe(200);
    // the removed processes left the aggregators' checks (a round begun before the scale may still list them, or be decided without api-1)
    await waitFor('a round of b with api-1 alone', async () =>
      (await gslbStatus('b')).checks.filter((c) => c.kind === 'api').map((c) => `${c.name} ${c.ok}`).join() === 'api-1 true', 5000, 50);
    const after = await gslbStatus('b');
    expect(after.state).toBe('PASS');

    expect(await t.run('scale', 'b', '99')).toMatchObject({ status: 1, stderr: expect.stringMatching(/1 to 16 commerce-api processes/) });
    expect(await t.run('scale', 'x', '2')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no DC "x"/) });
    expect(await t.run('wan', 'cut', 'a', 'a')).toMatchObject({ status: 1, stderr: expect.stringMatching(/two different DCs/) });
    expect(await t.run('wan', 'sever', 'a', 'b')).toMatchObject({ status: 2, stderr: expect.stringMatching(/usage: regionctl/) });
  });

  it('replication start restarts a DC\'s stopped channel without a full up; channels never give up reconnecting; bad requests are refused', async () => {
    const t = topo!;
    const rootAt = (dc: Dc) => createConnection({ socketPath: join(runDirFor(data), `db-${dc}.sock`), user: 'root' });
    // MariaDB's default gave up after 100,000 tries (28 hours at one a second); 10.11 has the option, not a variable to read
    const mariadbB = (await status(t)).processes.find((p) => p.name === 'mariadb-b')!;
    expect(readFileSync(`/proc/${mariadbB.pid}/cmdline`, 'utf8').split('\0')).toContain('--master-retry-count=4294967295');
    const b = await rootAt('b');
    try {
      await b.query("STOP SLAVE 'from_a'");
    } finally {
      await b.end();
    }
    const stopped = await t.run('status');
    expect(stopped.stdout).toMatch(/replication from_a: NOT RUNNING \(io No, sql No\).*\(once the cause is fixed: regionctl replication start b\)/);
    const email = 'while-b-stopped@example.com';
    expect((await new Shopper(entry.a).post('/api/accounts/register', { email, password: 'a long password', name: 'S' })).status).toBe(201);
    expect(await t.run('replication', 'start', 'b')).toMatchObject({ status: 0, stdout: 'DC b: from_a started: io Yes, sql Yes\n' });
    await caughtUp(t);
    expect(await count('b', `SELECT email FROM account WHERE email = '${email}'`)).toEqual([{ email }]);
    expect((await t.run('status')).stdout).toMatch(/replication from_a: running/);

    expect(await t.run('replication', 'start', 'x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no DC "x"/) });
    for (const args of [['replication', 'start'], ['replication', 'stop', 'b'], ['replication', 'start', 'a', 'b'], ['replication']]) {
      expect(await t.run(...args)).toMatchObject({ status: 2, stderr: expect.stringMatching(/replication needs: start <dc>/) });
    }
  });

  it('drain and undrain: both aggregators of the DC answer FAIL: drained while it still serves; bad requests are refused', async () => {
    const t = topo!;
    expect(await t.run('drain', 'b', '--reason', 'maintenance window')).toMatchObject({ status: 0,
      stdout: 'DC b drained (maintenance window): healthcheck 1 FAIL: drained: maintenance window; healthcheck 2 FAIL: drained: maintenance window\n' });
    for (const n of [1, 2] as const) expect(await gslb('b', n)).toEqual({ status: 503, text: 'FAIL: drained: maintenance window\n' });
    for (const ns of [1, 2] as const) await waitFor(`ns${ns} to send b's clients to a`, async () => (await resolved({ from: 'b', ns }))[0] === 'A 127.0.31.1', 5000, 50);
    const human = (await t.run('status')).stdout;
    expect(human).toMatch(/gslb-healthcheck 1 \(127\.0\.32\.7:\d+\): FAIL since \S+: drained: maintenance window/);
    expect(human).toMatch(/ATTENTION/);
    expect((await fetch(`${entry.b}/api/products?pageSize=1`)).status).toBe(200); // drained is not stopped
    expect(await t.run('undrain', 'b')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC b undrained: healthcheck 1 PASS: 4 of 4 checks passed .*; healthcheck 2 PASS: /) });
    expect((await gslb('b')).status).toBe(200);
    await waitFor('b\'s clients back at b', async () => (await resolved({ from: 'b' }))[0] === 'A 127.0.32.1', 5000, 50);
    expect(await t.run('undrain', 'b')).toMatchObject({ status: 0, stdout: 'DC b was not drained\n' });

    expect(await t.run('drain', 'x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no DC "x"/) });
    expect(await t.run('drain', 'b', '--reason', 'x'.repeat(201))).toMatchObject({ status: 1, stderr: expect.stringMatching(/at most 200 characters/) });
    for (const args of [['drain'], ['undrain'], ['drain', 'a', 'b']]) {
      expect(await t.run(...args)).toMatchObject({ status: 2, stderr: expect.stringMatching(/drain needs: <dc>/) });
    }
    expect(await t.run('scale', 'b', '1', '--reason', 'x')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--reason goes with drain only/) });
    expect((await gslb('b')).status).toBe(200);
  });

  it('the dashboard (headless Chromium) shows every DC, its checks and channels, the DNS answers; a drained DC turns FAIL on it by itself', async () => {
    const t = topo!;
    const browser = await headlessChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      expect((await page.goto(`http://127.0.${BLOCK}.7:${base + 90}/dashboard`))?.status()).toBe(200);
      const text = async (selector: string) => (await page.locator(selector).allTextContents()).join(' | ');
      await waitFor('both DCs PASS on the page', async () => await text('[data-dc] h2 .state') === 'PASS | PASS', 10000, 100);
      expect(await text('[data-dc="a"] [data-check] td:first-child')).toBe('api-1 | api-2 | lb | db | redis');
      expect(await text('[data-dc="b"] [data-channel] td:first-child')).toBe('from_a');
      expect(await text('[data-dc="a"] [data-channel] td:first-child')).toBe('from_b');
      expect(await page.locator('[data-dc="a"] svg.history polyline').count()).toBe(1);
      expect(await text('[data-dns] [data-region="b"] .dcs')).toBe('b (127.0.32.1) | b (127.0.32.1)');

      // an operator's reason is shown as text, never as markup
      expect((await t.run('drain', 'b', '--reason', '<b>disk</b> swap')).status).toBe(0);
      await waitFor('b FAIL on the page', async () => await text('[data-dc="b"] h2 .state') === 'FAIL', 5000, 100);
      expect(await text('[data-dc="b"] .reason')).toBe('drained: <b>disk</b> swap');
      expect(await page.locator('[data-dc="b"] .reason b').count()).toBe(0);
      await waitFor('the DNS answers for b\'s clients to name a on the page', async () => await text('[data-dns] [data-region="b"] .dcs') === 'a (127.0.31.1) | a (127.0.31.1)', 5000, 100);
      expect(await text('[data-dc="a"] h2 .state')).toBe('PASS');
      if (process.env.DASHBOARD_SCREENSHOT) await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT, fullPage: true });

      expect((await t.run('undrain', 'b')).status).toBe(0);
      await waitFor('b PASS again on the page', async () => await text('[data-dc="b"] h2 .state') === 'PASS', 5000, 100);
      expect(pageErrors).toEqual([]);
    } finally {
      await browser.close();
    }
    const data = await (await fetch(`http://127.0.${BLOCK}.8:${base + 90}/dashboard/data`)).json() as { dcs: { dc: string; from: string }[]; dns: unknown[] };
    expect(data.dcs.map((d) => d.dc)).toEqual(['a', 'b']);
    expect(data.dcs[0]!.from).toBe('this aggregator');
    expect(data.dns).toHaveLength(2);
  }, 60000);

  it('every commerce-api of a killed: a FAILs after two failed rounds, at both aggregators; b stays PASS', async () => {
    const t = topo!;
    const running = (await status(t)).processes.filter((p) => p.dc === 'a' && p.role === 'api' && p.state === 'running');
    expect(running.map((p) => p.name)).toEqual(['api-a-1']); // api-a-2 was killed above
    const killedAt = Date.now();
    process.kill(running[0]!.pid!, 'SIGKILL');
    for (const n of [1, 2] as const) await waitFor(`aggregator ${n} of a to answer FAIL`, async () => (await gslb('a', n)).status === 503, 10000, 20);
    expect((await gslb('a')).text).toMatch(/^FAIL: no commerce-api passed; 2 of 5 checks passed \(75 % needed\); failing: api-1: ECONNREFUSED, api-2: ECONNREFUSED, lb: (503|no answer when the round)/);
    // hysteresis: the first round that failed still answered PASS (it may have begun just before the kill, hence the second)
    const history = (await gslbStatus('a')).history;
    const firstFailed = history.findIndex((h) => h.t >= killedAt - 1000 && h.state === 'FAIL');
    expect(history.slice(firstFailed - 1, firstFailed + 1).map((h) => `${h.raw}/${h.state}`)).toEqual(['FAIL/PASS', 'FAIL/FAIL']);
    expect(await gslb('b')).toEqual({ status: 200, text: expect.stringMatching(/^PASS\n/) });
    // the geo-DNS stops naming a: a's clients get b (an unknown client too), from both servers
    for (const ns of [1, 2] as const) await waitFor(`ns${ns} to stop naming a`, async () => (await resolved({ from: 'a', ns }))[0] === 'A 127.0.32.1', 5000, 20);
    expect(await resolved()).toEqual(['A 127.0.32.1']);
    const human = (await t.run('status')).stdout;
    expect(human).toMatch(/gslb-healthcheck 2 \(127\.0\.31\.8:\d+\): FAIL since \S+: no commerce-api passed/);
    expect(human).toMatch(/gslb-dns-ns1 .* a FAIL, b PASS +a: b, b: b, unknown: b/);

    // restarted: a is PASS again only after three passed rounds, and the DNS names it again
    expect(await t.run('restart', 'api-a-1')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^api-a-1 restarted \(was exited, signal SIGKILL\): pid \d+, ready\n$/) });
    for (const ns of [1, 2] as const) await waitFor(`ns${ns} to name a again`, async () => (await resolved({ from: 'a', ns }))[0] === 'A 127.0.31.1', 10000, 20);
    // the DNS takes either aggregator's PASS: the history read is aggregator 1's, once it says PASS too
    await waitFor('aggregator 1 of a to answer PASS', async () => (await gslbStatus('a')).state === 'PASS', 5000, 20);
    const rounds = (await gslbStatus('a')).history.filter((h) => h.t >= killedAt);
    const firstPass = rounds.findIndex((h) => h.raw === 'PASS');
    expect(rounds.slice(firstPass, firstPass + 3).map((h) => `${h.raw}/${h.state}`)).toEqual(['PASS/FAIL', 'PASS/FAIL', 'PASS/PASS']);
    expect(await t.run('restart', 'api-a-2')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^api-a-2 restarted \(was exited, signal SIGKILL\)/) });
    expect(await t.run('restart', 'api-a-9')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no process "api-a-9"; regionctl status lists them/) });
    for (const args of [['restart'], ['restart', 'api-a-1', 'api-a-2']]) {
      expect(await t.run(...args)).toMatchObject({ status: 2, stderr: expect.stringMatching(/restart needs: <process>/) });
    }
  }, 60000);

  it('down stops every process; up again resumes with the data, and a drain', async () => {
    let t = topo!;
    expect((await t.run('drain', 'b')).status).toBe(0);
    const pids = (await status(t)).processes.filter((p) => p.state === 'running').map((p) => p.pid!);
    expect(await t.run('down')).toMatchObject({ status: 0 });
    expect(await t.exited).toBe(0);
    const alive = pids.filter((pid) => { try { process.kill(pid, 0); return true; } catch { return false; } });
    expect(alive).toEqual([]);
    expect(await t.run('status')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no topology is up/) });

    t = topo = await regionctlUp(regions, data, base);
    expect(t.lines.join('\n')).toMatch(/DC b: gslb-healthcheck says FAIL \(drained\); drained since \S+: regionctl undrain b ends it/);
    expect(await gslb('b', 2)).toEqual({ status: 503, text: 'FAIL: drained\n' });
    expect(await gslb('a')).toEqual({ status: 200, text: expect.stringMatching(/^PASS\n5 of 5 checks passed/) }); // a's processes are back
    expect((await t.run('undrain', 'b')).status).toBe(0);
    const back = new Shopper(entry.b);
    expect((await back.post('/api/accounts/login', { email: 'cut@example.com', password: 'a long password' })).status).toBe(200);
    expect(Number((await one(count('b', 'SELECT COUNT(*) AS n FROM orders'))).n)).toBe(27);
    expect(await t.run('down')).toMatchObject({ status: 0 });
    await t.exited;
  }, 180000);

  it('regionctl kill a (database, Redis, HAProxy, APIs, both aggregators): the DNS stops naming it, b stays PASS; start a brings it back with its data', async () => {
    const t = topo = await regionctlUp(regions, data, base);
    for (const ns of [1, 2] as const) await waitFor(`ns${ns} to name a for a's clients`, async () => (await resolved({ from: 'a', ns }))[0] === 'A 127.0.31.1', 15000, 50);
    const victims = (await status(t)).processes.filter((p) => p.dc === 'a' && p.state === 'running' && p.role !== 'edge');
    expect([...new Set(victims.map((p) => p.role))].sort()).toEqual(['api', 'haproxy', 'healthcheck', 'mariadb', 'redis']);
    const [v] = await fresh(['a', 'b'], 1); // made before: the admin is homed in a
    const killed = await t.run('kill', 'a');
    expect(killed).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC a: killed \(SIGKILL\) mariadb-a \(pid \d+\), redis-a \(pid \d+\), api-a-1 .*healthcheck-a-2 \(pid \d+\)\n$/) });
    const gone = victims.filter((p) => { try { process.kill(p.pid!, 0); return true; } catch { return false; } });
    expect(gone).toEqual([]);
    // none of a's aggregators answers: two failed polls (200 ms apart) and a is gone from both servers' answers
    for (const ns of [1, 2] as const) await waitFor(`ns${ns} to stop naming a`, async () => (await resolved({ from: 'a', ns })).join() === 'A 127.0.32.1', 5000, 20);
    expect(await resolved({ from: 'b' })).toEqual(['A 127.0.32.1']);
    expect(await resolved({ subnet: '10.31.0.0/16' })).toEqual(['A 127.0.32.1']);
    const seen = await status(t);
    expect(seen.processes.filter((p) => p.dc === 'a' && p.role !== 'edge').map((p) => `${p.name} ${p.state}`)).toEqual(victims.map((p) => `${p.name} exited`));
    for (const report of seen.dns) {
      expect(report.cutOff).toBe(false);
      expect(report.dcs).toEqual([{ dc: 'a', state: 'FAIL', reason: expect.stringMatching(/^no aggregator answers \(.*ECONNREFUSED/) },
        { dc: 'b', state: 'PASS', reason: expect.any(String) }]);
    }
    // only b's own checks count: its replication channel from a's dead database fails nothing
    expect(await gslb('b')).toEqual({ status: 200, text: expect.stringMatching(/^PASS\n/) });
    // b keeps selling while a is down; what it sells reaches a once a is back
    expect((await guestOrder(entry.b, v!, 'while-a-was-killed-1')).status).toBe(201);
    expect(await t.run('kill', 'a')).toMatchObject({ status: 0, stdout: 'DC a: no process is running\n' });

    expect(await t.run('start', 'a')).toMatchObject({ status: 0,
      stdout: 'DC a: started mariadb-a, redis-a, api-a-1, api-a-2, haproxy-a, healthcheck-a-1, healthcheck-a-2\n' });
    expect((await status(t)).processes.filter((p) => p.dc === 'a' && p.role !== 'edge').every((p) => p.state === 'running')).toBe(true);
    for (const ns of [1, 2] as const) await waitFor(`ns${ns} to name a again`, async () => (await resolved({ from: 'a', ns }))[0] === 'A 127.0.31.1', 15000, 50);
    await caughtUp(t);
    expect(await differingTables(['a', 'b'], count)).toEqual([]);
    expect((await fetch(`${entry.a}/api/products?pageSize=1`)).status).toBe(200);
    expect(await t.run('start', 'a')).toMatchObject({ status: 0, stdout: 'DC a: every process is running\n' });

    // bad requests are refused, and change nothing
    expect(await t.run('kill', 'x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no DC "x"/) });
    expect(await t.run('start', 'x')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no DC "x"/) });
    expect(await t.run('kill', 'a', '--what', 'disk')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--what is one of all, api, db, redis, lb, healthcheck/) });
    expect(await t.run('start', 'a', '--what', 'api')).toMatchObject({ status: 2, stderr: expect.stringMatching(/--what goes with kill only/) });
    for (const args of [['kill'], ['start'], ['kill', 'a', 'b']]) {
      expect(await t.run(...args)).toMatchObject({ status: 2, stderr: expect.stringMatching(/(kill|start) needs: <dc>/) });
    }
    expect((await status(t)).processes.filter((p) => p.dc === 'a' && p.role !== 'edge').every((p) => p.state === 'running')).toBe(true);
    expect(await t.run('down')).toMatchObject({ status: 0 });
    await t.exited;
  }, 240000);

  it('a DC added to a topology with data replays what the others wrote before it serves, then sells like them; one that lost its data is rebuilt', async () => {
    writeRegions(regions, [{ code: 'a', apiProcesses: 2 }, { code: 'b', apiProcesses: 1 }, { code: 'c', apiProcesses: 1 }], BLOCK);
    // the first up of c is stopped (Ctrl-C) as soon as its join begins: c's database is then neither empty nor complete
    const cut = await regionctlUpUntil(/DC c: new in a topology with data; replaying what a, b wrote \(\d+ transactions\)/, regions, data, base);
    // once c has applied something (stopped before that, c would still be empty, and an empty DC joins from the start anyway)
    await waitFor('c to apply the first of the others\' writes', async () => String((await one(count('c', 'SELECT @@gtid_slave_pos AS p'))).p) !== '', 10000, 20);
    cut.child.kill('SIGINT');
    await cut.exited;
    expect(cut.lines.join('\n')).toMatch(/regionctl: stopped/);
    expect(cut.lines.join('\n')).not.toMatch(/topology is up/);
    // before: the next up took c for a DC with data, and served it as it was
    let t = topo = await regionctlUp(regions, data, base);
    expect(t.lines.join('\n')).toMatch(/DC c: its join did not finish \(an earlier up stopped before the topology was up\): resuming it, until it has what a, b hold/);
    expect(t.lines.join('\n')).toMatch(/DC c: has everything the other DCs hold/);
    expect(t.lines.join('\n')).toMatch(/DC a: catalog: already has/); // not a second catalog
    // before c served anything it had every row: the same tables everywhere, orders of a and b included
    for (const table of ['orders', 'account', 'product', 'product_variant']) {
      const sum = `CHECKSUM TABLE ${table}`;
      expect(await count('c', sum)).toEqual(await count('a', sum));
    }
    expect(Number((await one(count('c', 'SELECT COUNT(*) AS n FROM orders'))).n)).toBe(28); // the 27 before, and the one b sold while a was killed
    expect((await new Shopper(entry.c).post('/api/accounts/login', { email: 'cut@example.com', password: 'a long password' })).status).toBe(200);
    // its join gave c an allocation row of its own for every variant the others had
    const withoutC = "SELECT COUNT(*) AS n FROM variant v LEFT JOIN stock_allocation s ON s.variant_id = v.id AND s.dc = 'c' WHERE s.id IS NULL";
    expect(await count('c', withoutC)).toEqual([{ n: 0 }]);
    // c sells from allocation rows of its own, and its orders reach a and b
    const [variant] = await fresh(['a', 'b', 'c'], 1);
    const sellsAtC = async (key: string) => {
      const order = await guestOrder(entry.c, variant, key);
      expect(order.status).toBe(201);
      expect(order.body.id).toMatch(/^c_/);
      await caughtUp(t);
      for (const dc of ['a', 'b'] as const) expect(await count(dc, `SELECT id FROM orders WHERE id = '${order.body.id}'`)).toHaveLength(1);
      return order.body.id as string;
    };
    const first = await sellsAtC('joined-c-1');
    const allocationOfC = "SELECT COUNT(*) AS n, SUM(available) AS units FROM stock_allocation WHERE dc = 'c'";
    expect(Number((await one(count('a', allocationOfC))).n)).toBeGreaterThan(0);
    const channelsOf = async () => (await status(t)).dcs.map((d) => `${d.dc}: ${(d.channels as { channel: string; io: string; sql: boolean; error: string }[])
      .map((c) => `${c.channel} ${c.io} ${c.sql} ${c.error}`).join(', ')}`);
    const healthy = ['a: from_b Yes true , from_c Yes true ', 'b: from_a Yes true , from_c Yes true ', 'c: from_a Yes true , from_b Yes true '];
    expect(await channelsOf()).toEqual(healthy);
    // an account moves a → b → c → a, and at each new home changes the cart the last one made and orders it: c's rebuild
    // below replays writes whose dependencies are in other GTID domains
    const email = 'moves-around@example.com';
    expect((await new Shopper(entry.a).post('/api/accounts/register', { email, password: 'a long password', name: 'M' })).status).toBe(201);
    const products = await fresh(['a', 'b', 'c'], 4);
    let at = new Shopper(entry.a);
    expect((await at.post('/api/accounts/login', { email, password: 'a long password' })).body.homeDc).toBe('a');
    expect((await at.post('/api/cart/items', { variantId: products[0], quantity: 1 })).status).toBe(200);
    for (const [i, dc] of (['b', 'c', 'a'] as const).entries()) {
      await caughtUp(t);
      await count(dc === 'b' ? 'a' : dc === 'c' ? 'b' : 'c', `UPDATE account SET last_login_at = UTC_TIMESTAMP(3) - INTERVAL 2 HOUR WHERE email = '${email}'`);
      at = new Shopper(entry[dc]);
      expect((await at.post('/api/accounts/login', { email, password: 'a long password' })).body.homeDc).toBe(dc);
      expect((await at.post('/api/cart/items', { variantId: products[i + 1], quantity: 1 })).status).toBe(200);
      const placed = await at.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': `moves-around-${dc}` });
      expect(placed.status).toBe(201);
      expect((await at.post('/api/cart/items', { variantId: products[0], quantity: 2 })).status).toBe(200); // the next home's cart
    }
    await caughtUp(t);
    expect(await t.run('down')).toMatchObject({ status: 0 });
    await t.exited;

    // c loses its data: it is rebuilt from a's and b's binlogs, its own writes that had reached them included, before it
    // writes anything (its own GTID domain must go on from where it was)
    rmSync(join(data, 'c'), { recursive: true, force: true });
    t = topo = await regionctlUp(regions, data, base);
    expect(t.lines.join('\n')).toMatch(/DC c: its database is empty, but the other DCs hold its writes up to 3-3-\d+: it lost its data; rebuilding it from a, b/);
    expect(t.lines.join('\n')).toMatch(/DC c: stock: 0 allocation rows added/); // its own came back
    expect(await count('c', `SELECT id FROM orders WHERE id = '${first}'`)).toHaveLength(1);
    expect(await count('c', allocationOfC)).toEqual(await count('a', allocationOfC));
    await sellsAtC('rebuilt-c-1');
    expect(await channelsOf()).toEqual(healthy);
    expect(await differingTables(['a', 'b', 'c'], count)).toEqual([]);

    // a's older binlog files purged (by hand, as root): an empty c could no longer get everything, so up refuses
    const root = await createConnection({ socketPath: join(runDirFor(data), 'db-a.sock'), user: 'root' });
    try {
      await root.query('FLUSH BINARY LOGS');
      const files = await one(root.query('SHOW BINARY LOGS') as unknown as [{ Log_name: string }[]]);
      await waitFor('a\'s older binlog files to be purged (once no replica reads them)', async () => {
        await root.query(`PURGE BINARY LOGS TO '${files[files.length - 1]!.Log_name}'`);
        const left = await one(root.query('SHOW BINARY LOGS') as unknown as [unknown[]]);
        return left.length === 1;
      }, 10000, 200);
    } finally {
      await root.end();
    }
    expect(await t.run('down')).toMatchObject({ status: 0 });
    await t.exited;
    rmSync(join(data, 'c'), { recursive: true, force: true });
    await expect(regionctlUp(regions, data, base)).rejects.toThrow(/DC c has an empty database .* but DC a's oldest binlog file starts at 1-1-\d+.* \(older files were purged\)/);
    expect(await regionctl(['--regions', regions, '--data', data], 'status')).toMatchObject({ status: 1, stderr: expect.stringMatching(/no topology is up/) });
  }, 300000);

  it('up --fresh starts empty', async () => {
    rmSync(join(regions, 'c.yaml'));
    writeRegions(regions, [{ code: 'a', apiProcesses: 2 }, { code: 'b', apiProcesses: 1 }], BLOCK);
    const t = topo = await regionctlUp(regions, data, base, '--fresh', '--catalog', 'bench');
    expect(t.lines.some((l) => /fresh start/.test(l))).toBe(true);
    expect(Number((await one(count('a', 'SELECT COUNT(*) AS n FROM orders'))).n)).toBe(0);
    expect((await new Shopper(entry.a).post('/api/accounts/login', { email: 'cut@example.com', password: 'a long password' })).status).toBe(401);
  }, 180000);
});
