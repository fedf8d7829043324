import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@meridian/dc';
import { MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { connectChannel, ownPosition, semiSyncStatus, waitForPosition } from '../../apps/regionctl/src/db/replication';
import { WanLink } from '../../apps/regionctl/src/wan/wan-link';
import { freePort, waitFor } from '../support/processes';
import { dcNode } from '../support/dc-node';
import { one } from '../support/rows';

describe('semi-sync durability of one DC and its fallback to async (real MariaDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-semisync-'));
  const LATENCY = 15;
  const TIMEOUT = 500;
  let a: MariaDbNode;
  let b: MariaDbNode;
  let bToA: WanLink;

  // a's durability is semi-sync, b's async (as a topology may mix them): b still acknowledges what a sends
  const node = (dc: string, n: number) => dcNode(dir, dc, n, dc === 'a' ? { semiSync: { timeoutMs: TIMEOUT } } : {});
  const timedCommit = async () => {
    const t0 = performance.now();
    await a.rootQuery('INSERT INTO meridian.t (id) VALUES (?)', [newId('a')]);
    return performance.now() - t0;
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([node('a', 1), node('b', 2)]);
    await Promise.all([a.start(), b.start()]);
    for (const db of [a, b]) await db.rootQuery('SET sql_log_bin = 0; CREATE DATABASE meridian; CREATE TABLE meridian.t (id VARCHAR(40) PRIMARY KEY) ENGINE=InnoDB; SET sql_log_bin = 1');
    bToA = new WanLink({ listen: { host: '127.0.2.20', port: await freePort('127.0.2.20') }, target: { host: a.o.host, port: a.o.port }, latencyMs: LATENCY });
    await bToA.start();
    await connectChannel(b, 'a', bToA.options.listen);
    await waitFor('b to be a semi-sync replica of a', async () =>
      Number((await one(a.rootQuery<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_master_clients'"))).Value) === 1, 20000, 100);
  }, 120000);
  afterAll(async () => {
    await bToA?.close();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a commit returns only after the other DC acknowledged it: at least one WAN round trip', async () => {
    const ms = await timedCommit();
    expect(ms).toBeGreaterThanOrEqual(2 * LATENCY - 2);
    expect(await semiSyncStatus(a)).toMatchObject({ enabled: true, active: true, yesTx: expect.any(Number) });
    expect((await semiSyncStatus(a)).yesTx).toBeGreaterThanOrEqual(1);
  });

  it('with the link cut one commit waits for the timeout, then the DC says it fell back to async; healing restores semi-sync', async () => {
    await bToA.cut();
    const stalled = await timedCommit();
    expect(stalled).toBeGreaterThanOrEqual(TIMEOUT - 10);
    const fallen = await semiSyncStatus(a);
    expect(fallen).toMatchObject({ enabled: true, active: false });
    expect(fallen.noTx).toBeGreaterThanOrEqual(1);

    await bToA.heal();
    await waitFor('semi-sync to be active again', async () => {
      await timedCommit(); // the status turns ON again when a replica acknowledges a commit
      return (await semiSyncStatus(a)).active;
    }, 20000, 200);
    // an ack means b received the events; wait until it applied them before comparing
    expect(await waitForPosition(b, await ownPosition(a), 30)).toBe(true);
    expect(await b.rootQuery('SELECT COUNT(*) AS n FROM meridian.t')).toEqual(await a.rootQuery('SELECT COUNT(*) AS n FROM meridian.t'));
  });
});
