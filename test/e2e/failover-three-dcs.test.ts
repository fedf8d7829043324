import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ADDRESS, Shopper } from '../support/client';
import { Factory, variantsEverywhere } from '../support/factories';
import { caughtUpEverywhere, differingTables, regionctl, REGIONCTL_ADMIN, regionctlUp, statusOf, tearDown, Topology, writeRegions } from '../support/regionctl';
import { waitFor } from '../support/processes';
import { one } from '../support/rows';
import { runDirFor } from '../../apps/regionctl/src/topology/plan';

/**
 * Three DCs: a partition, not a kill. A DC cut off from the two others keeps serving whoever reaches
 * it, until its lease runs out (it cannot reach a majority): then it takes no writes. `failover` needs
 * no confirmation there: it waits until the lease is past, so an account never has two homes that
 * both write; after the heal the cut-off DC stays fenced, and failback brings it back.
 */
describe('regionctl failover with three DCs: a cut-off DC fences itself by its lease, failover waits it out', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-failover3-'));
  const regions = join(dir, 'regions');
  const data = join(dir, 'data');
  const BLOCK = 42; // 127.0.42-44.0/24: no other suite uses them
  const DCS = ['a', 'b', 'c'] as const;
  type Dc = typeof DCS[number];
  const base = 20000 + Math.floor(Math.random() * 300) * 100;
  const entry = (dc: Dc) => `http://127.0.${BLOCK + DCS.indexOf(dc)}.1:${base + 80}`;
  const query = async <T = Record<string, unknown>>(dc: Dc, sql: string, params: unknown[] = []): Promise<T[]> => {
    const c = await createConnection({ host: `127.0.${BLOCK + DCS.indexOf(dc)}.2`, port: base + 306, user: 'meridian', password: 'meridian', database: 'meridian' });
    try {
      return (await one(c.query(sql, params))) as T[];
    } finally {
      await c.end();
    }
  };
  const at = (s: Shopper, dc: Dc) => {
    const moved = new Shopper(entry(dc));
    for (const [k, v] of s.cookies) moved.cookies.set(k, v);
    return moved;
  };
  let topo: Topology | undefined;

  beforeAll(async () => {
    writeRegions(regions, DCS.map((code) => ({ code })), BLOCK);
    topo = await regionctlUp(regions, data, base, '--catalog', 'bench');
  }, 240000);

  afterAll(() => tearDown(topo, dir), 60000);

  it('a cut off from b and c serves, then refuses writes past its lease; failover a --to c waits it out; after the heal one home per account', async () => {
    const t = topo!;
    const [v] = await variantsEverywhere(DCS.map((dc) => new Factory(entry(dc), REGIONCTL_ADMIN)), 1);
    const { s, email } = await new Factory(entry('a')).shopper(); // homed in a
    const add = (who: Shopper) => who.post('/api/cart/items', { variantId: v!.variantId, quantity: 1 });
    expect((await add(s)).status).toBe(200);
    await caughtUpEverywhere(t);
    // not lost while the others reach it
    expect(await t.run('failover', 'a', '--to', 'c')).toMatchObject({ status: 1, stderr: expect.stringMatching(/DC a answers DC b, c over the WAN: it is not lost/) });

    for (const other of ['b', 'c']) expect((await t.run('wan', 'cut', 'a', other)).status).toBe(0);
    const cutAt = Date.now();
    // cut off is not dead: a keeps serving the shoppers who reach it, its own accounts' writes too
    expect((await add(s)).status).toBe(200);
    // until its lease runs out: then it answers reads and refuses writes, and its aggregators fail it
    let refused: Awaited<ReturnType<typeof add>> | undefined;
    await waitFor('a to refuse writes once its lease is out', async () => (refused = await add(s)).status === 503, 20000, 250);
    const leaseMs = Date.now() - cutAt;
    expect(refused!.body).toMatchObject({ error: 'FAILED_OVER',
      message: expect.stringMatching(/^DC a cannot reach a majority of the DCs \(0 of the 2 others answer\) for more than 10 s: it takes no writes/) });
    expect((await s.get('/api/cart')).status).toBe(200);
    const gslbA = async () => (await fetch(`http://127.0.${BLOCK}.7:${base + 90}/dc/a`)).text();
    await waitFor('a\'s aggregator to answer FAIL', async () => (await gslbA()).startsWith('FAIL'), 10000, 200);

    // the automatic policy is off by default: a stays as it is until the operator acts
    expect((await statusOf(t)).dcs[0]!.failedOver).toBeUndefined();
    // failover: no confirmation asked, it waits past the lease while no survivor reaches a
    const started = Date.now();
    const over = await t.run('failover', 'a', '--to', 'c');
    expect(over).toMatchObject({ status: 0 });
    expect(over.stdout).toMatch(/DC a is out of reach of b, c \(it answers here: cut off\): waiting 13 s, past its lease of 10 s/);
    expect(over.stdout).toMatch(/^DC a failed over to DC c \(epoch 1\)$/m);
    expect(over.stdout).toMatch(/its database: set read-only, its replication stopped/);
    const failoverMs = Date.now() - started;
    expect(failoverMs).toBeGreaterThanOrEqual(13000);
    // the account shops at c: log-in homes it there, its cart as c saw it, a checkout
    const atC = new Shopper(entry('c'));
    expect((await atC.post('/api/accounts/login', { email, password: 'correct horse battery' })).body).toMatchObject({ homeDc: 'c' });
    expect((await add(atC)).status).toBe(200);
    expect((await atC.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'after-the-partition' })).status).toBe(201);

    // healed: a stays fenced (a survivor's fence row names a newer epoch of it than its own database has)
    for (const other of ['b', 'c']) expect((await t.run('wan', 'heal', 'a', other)).status).toBe(0);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await add(at(s, 'a'))).body).toMatchObject({ error: 'FAILED_OVER' });
    // one home: b and c say c; a, which still says a, takes no writes
    const id = (await query<{ id: string }>('c', 'SELECT id FROM account WHERE email = ?', [email]))[0]!.id;
    const homes = async () => Promise.all(DCS.map(async (dc) => (await query<{ home_dc: string }>(dc, 'SELECT home_dc FROM account WHERE id = ?', [id]))[0]?.home_dc));
    expect(await homes()).toEqual(['a', 'c', 'c']);
    expect(await query('a', 'SELECT @@global.read_only AS ro')).toEqual([{ ro: 1 }]);

    // a survivor's replication broken: failback refuses (a snapshot of it would miss what it has not applied), and works once it is fixed
    const rootB = await createConnection({ socketPath: join(runDirFor(data), 'db-b.sock'), user: 'root' });
    try {
      await rootB.query("STOP SLAVE 'from_c'");
      expect(await t.run('failback', 'a')).toMatchObject({ status: 1, stderr: expect.stringMatching(/^DC b's replication is not healthy \(from_c: io No\)/) });
      await rootB.query("START SLAVE 'from_c'");
    } finally {
      await rootB.end();
    }
    await waitFor('b\'s channel from c to run again', async () => ((await statusOf(t)).dcs[1]!.channels as { channel: string; io: string }[])
      .find((c) => c.channel === 'from_c')?.io === 'Yes', 10000, 200);
    const back = await t.run('failback', 'a');
    expect(back).toMatchObject({ status: 0, stderr: '' });
    expect(back.stdout).toMatch(/^DC a failed back \(epoch 2\)/);
    await caughtUpEverywhere(t);
    expect(await homes()).toEqual(['c', 'c', 'c']);
    expect(await differingTables([...DCS], query)).toEqual([]);
    process.stdout.write(`lease: a refused writes ${leaseMs} ms after the cut; failover took ${failoverMs} ms\n`);
  }, 240000);

  it('with up --auto-failover, a killed DC is failed over by itself once it failed long enough and nobody reaches it; failback brings it back', async () => {
    let t = topo!;
    expect(await t.run('down')).toMatchObject({ status: 0 });
    await t.exited;
    t = topo = await regionctlUp(regions, data, base, '--auto-failover', '2');
    expect(t.lines.join('\n')).toMatch(/automatic failover on: a DC that fails its health checks for 2 s, out of reach of the others, is failed over/);
    expect((await t.run('kill', 'b')).status).toBe(0);
    await waitFor('the policy to fail b over', async () => t.lines.some((l) => /auto-failover: DC b failed over to DC a \(epoch 1\)/.test(l)), 60000, 500);
    expect(t.lines.join('\n')).toMatch(/auto-failover: DC b has failed its health checks for \d+ s and 2 of 2 other DCs cannot reach its database: failing it over/);
    expect((await statusOf(t)).dcs[1]!.failedOver).toMatchObject({ movedTo: 'a', epoch: 1 });
    expect((await t.run('start', 'b')).stdout).toMatch(/DC b is fenced/);
    expect(await t.run('failback', 'b')).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC b failed back \(epoch 2\)/) });
    await caughtUpEverywhere(t);
    expect(await differingTables([...DCS], query)).toEqual([]);
    // two DCs cannot vote: the option is refused there
    const two = join(dir, 'two');
    writeRegions(two, [{ code: 'x' }, { code: 'y' }], BLOCK + 10);
    expect(await regionctl(['--regions', two, '--data', join(dir, 'two-data'), '--port-base', String(base)], 'up', '--auto-failover', '2')).toMatchObject({ status: 2,
      stderr: expect.stringMatching(/--auto-failover needs three DCs or more: two cannot vote/) });
  }, 240000);
});
