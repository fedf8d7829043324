import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '@meridian/dc';
import { MariaDbNode } from '../../apps/regionctl/src/db/mariadb-node';
import { binlogStart, channels, connectChannel, ownPosition, waitForPosition } from '../../apps/regionctl/src/db/replication';
import { WanLink } from '../../apps/regionctl/src/wan/wan-link';
import { freePort, waitFor } from '../support/processes';
import { dcNode } from '../support/dc-node';
import { one } from '../support/rows';

describe('two DCs replicating both ways through WAN links (real MariaDB)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-repl-'));
  let a: MariaDbNode;
  let b: MariaDbNode;
  let aToB: WanLink; // how DC a reaches DC b's database
  let bToA: WanLink;

  const node = (dc: string, n: number) => dcNode(dir, dc, n);
  const insert = (db: MariaDbNode, dc: string, count: number) =>
    Promise.all(Array.from({ length: count }, () => db.rootQuery('INSERT INTO meridian.t (id, v) VALUES (?, 1)', [newId(dc)])));
  const countsByDc = (db: MariaDbNode) =>
    db.rootQuery<{ dc: string; n: number }>(`SELECT SUBSTRING_INDEX(id, '_', 1) AS dc, COUNT(*) AS n FROM meridian.t GROUP BY dc ORDER BY dc`);
  const caughtUp = async () => {
    expect(await waitForPosition(b, await ownPosition(a), 30)).toBe(true);
    expect(await waitForPosition(a, await ownPosition(b), 30)).toBe(true);
  };
  const noErrors = async () => {
    for (const db of [a, b]) for (const c of await channels(db)) expect({ channel: c.channel, sql: c.lastSqlError, sqlRunning: c.sqlRunning }).toEqual({ channel: c.channel, sql: '', sqlRunning: true });
  };

  beforeAll(async () => {
    [a, b] = await Promise.all([node('a', 1), node('b', 2)]);
    await Promise.all([a.start(), b.start()]);
    // the schema exists on both before replication starts, unlogged: each DC runs its own migrations
    for (const db of [a, b]) await db.rootQuery('SET sql_log_bin = 0; CREATE DATABASE meridian; CREATE TABLE meridian.t (id VARCHAR(40) PRIMARY KEY, v INT NOT NULL) ENGINE=InnoDB; SET sql_log_bin = 1');
    aToB = new WanLink({ listen: { host: '127.0.1.20', port: await freePort('127.0.1.20') }, target: { host: b.o.host, port: b.o.port }, latencyMs: 10 });
    bToA = new WanLink({ listen: { host: '127.0.2.20', port: await freePort('127.0.2.20') }, target: { host: a.o.host, port: a.o.port }, latencyMs: 10 });
    await Promise.all([aToB.start(), bToA.start()]);
    await connectChannel(a, 'b', aToB.options.listen);
    await connectChannel(b, 'a', bToA.options.listen);
  }, 120000);
  afterAll(async () => {
    await Promise.all([aToB?.close(), bToA?.close()]);
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rows written in either DC reach the other; counts by DC prefix agree; nothing loops or fails', async () => {
    await Promise.all([insert(a, 'a', 60), insert(b, 'b', 40)]);
    await caughtUp();
    const expected = [{ dc: 'a', n: 60 }, { dc: 'b', n: 40 }];
    expect(await countsByDc(a)).toEqual(expected);
    expect(await countsByDc(b)).toEqual(expected);
    expect(await a.rootQuery('CHECKSUM TABLE meridian.t')).toEqual(await b.rootQuery('CHECKSUM TABLE meridian.t'));
    expect((await channels(a)).map((c) => c.channel)).toEqual(['from_b']);
    await noErrors();
  });

  it('a cut WAN link leaves both DCs writing; after healing, replication catches up with nothing lost', async () => {
    await Promise.all([aToB.cut(), bToA.cut()]);
    await insert(a, 'a', 25);
    await insert(b, 'b', 35);
    await waitFor('the replica threads to notice the cut', async () =>
      (await one(channels(a))).ioRunning !== 'Yes' && (await one(channels(b))).ioRunning !== 'Yes', 15000, 200);
    expect(await countsByDc(b)).toEqual([{ dc: 'a', n: 60 }, { dc: 'b', n: 75 }]);

    await Promise.all([aToB.heal(), bToA.heal()]);
    await caughtUp();
    const expected = [{ dc: 'a', n: 85 }, { dc: 'b', n: 75 }];
    expect(await countsByDc(a)).toEqual(expected);
    expect(await countsByDc(b)).toEqual(expected);
    await waitFor('both replica threads connected again', async () =>
      (await one(channels(a))).ioRunning === 'Yes' && (await one(channels(b))).ioRunning === 'Yes', 15000, 200);
    await noErrors();
  });
});

describe('whether a DC\'s binlog still holds everything since it began (what a new DC replays; real MariaDB)', () => {
  it('binlogStart is empty while no binlog file was purged, and names where the oldest file starts once one was', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meridian-binlog-'));
    const x = await dcNode(dir, 'x', 3);
    try {
      await x.start();
      expect(String(await binlogStart(x))).toBe('');
      await x.rootQuery('CREATE DATABASE meridian; CREATE TABLE meridian.t (id INT PRIMARY KEY); INSERT INTO meridian.t VALUES (1)');
      await x.rootQuery('FLUSH BINARY LOGS');
      await x.rootQuery('INSERT INTO meridian.t VALUES (2)');
      expect(String(await binlogStart(x))).toBe(''); // two files, the first from the start
      const files = await x.rootQuery<{ Log_name: string }>('SHOW BINARY LOGS');
      expect(files).toHaveLength(2);
      await x.rootQuery(`PURGE BINARY LOGS TO '${files[1]!.Log_name}'`);
      expect(String(await binlogStart(x))).toBe('3-3-3'); // the database, the table and the first row are gone from the binlog
    } finally {
      await x.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60000);
});
