import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { ADDRESS } from '../support/client';
import { Factory, variantsEverywhere } from '../support/factories';
import { caughtUpEverywhere, differingTables, REGIONCTL_ADMIN, regionctlUp, tearDown, Topology, writeRegions } from '../support/regionctl';
import { runDirFor } from '../../apps/regionctl/src/topology/plan';
import { one } from '../support/rows';

/**
 * RPO 0 with semi-sync (docs/runbooks/lost-disk.md): an order DC a acknowledged had reached b's relay
 * log, not b's tables (b's applier held back). Failover applies the relay log before it stops the
 * channel, so the order is at b when failover answers, and failback finds nothing a alone had.
 */
describe('regionctl failover of a semi-sync DC: what it acknowledged is at the survivor when failover answers', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-failover-ss-'));
  const regions = join(dir, 'regions');
  const data = join(dir, 'data');
  const BLOCK = 46; // 127.0.46-47.0/24: no other suite uses them
  const base = 20000 + Math.floor(Math.random() * 300) * 100;
  const entry = { a: `http://127.0.46.1:${base + 80}`, b: `http://127.0.47.1:${base + 80}` };
  const query = async (dc: 'a' | 'b', sql: string, params: unknown[] = []) => {
    const c = await createConnection({ host: `127.0.${dc === 'a' ? 46 : 47}.2`, port: base + 306, user: 'meridian', password: 'meridian', database: 'meridian' });
    try {
      return (await one(c.query(sql, params))) as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  const asRoot = async (dc: 'a' | 'b', sql: string) => {
    const c = await createConnection({ socketPath: join(runDirFor(data), `db-${dc}.sock`), user: 'root' });
    try {
      return await one(c.query(sql));
    } finally {
      await c.end();
    }
  };
  let topo: Topology | undefined;

  beforeAll(async () => {
    writeRegions(regions, [{ code: 'a', durability: 'semi-sync' }, { code: 'b' }], BLOCK);
    topo = await regionctlUp(regions, data, base, '--catalog', 'bench');
  }, 180000);

  afterAll(() => tearDown(topo, dir), 60000);

  it('an order acknowledged at a, in b\'s relay log only when a dies, is at b once failover answers; failback has nothing to recover', async () => {
    const t = topo!;
    const [v] = await variantsEverywhere([new Factory(entry.a, REGIONCTL_ADMIN), new Factory(entry.b, REGIONCTL_ADMIN)], 1);
    const { s } = await new Factory(entry.a).shopper();
    expect((await s.post('/api/cart/items', { variantId: v!.variantId, quantity: 1 })).status).toBe(200);
    await caughtUpEverywhere(t);
    await asRoot('b', "STOP SLAVE 'from_a' SQL_THREAD"); // b receives (and acknowledges) a's commits, applies none
    const placed = await s.post('/api/checkout', { shippingMethod: 'standard', shippingAddress: ADDRESS }, { 'Idempotency-Key': 'semi-sync-order-1' });
    expect(placed.status).toBe(201);
    expect(await query('b', 'SELECT COUNT(*) AS n FROM orders WHERE number = ?', [placed.body.number])).toEqual([{ n: 0 }]);
    const [semi] = await asRoot('a', "SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_status'") as { Value: string }[];
    expect(semi?.Value).toBe('ON'); // the commit waited for b's acknowledgement

    expect((await t.run('kill', 'a')).status).toBe(0);
    const over = await t.run('failover', 'a', '--confirm-down');
    expect(over).toMatchObject({ status: 0, stdout: expect.stringMatching(/^DC a failed over to DC b \(epoch 1\)\n/) });
    expect(over.stdout).not.toMatch(/WARNING/);
    expect(await query('b', 'SELECT COUNT(*) AS n FROM orders WHERE number = ?', [placed.body.number])).toEqual([{ n: 1 }]);

    expect((await t.run('start', 'a')).status).toBe(0);
    const back = await t.run('failback', 'a');
    expect(back).toMatchObject({ status: 0 });
    expect(back.stdout).toMatch(/errant transactions \(committed at a, never received by a survivor: past 1-1-\d+\): 0\n/);
    await caughtUpEverywhere(t);
    expect(await differingTables(['a', 'b'], query)).toEqual([]);
    for (const dc of ['a', 'b'] as const) expect(await query(dc, 'SELECT COUNT(*) AS n FROM orders WHERE number = ?', [placed.body.number])).toEqual([{ n: 1 }]);
  }, 180000);
});
