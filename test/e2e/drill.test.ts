import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { regionctlUp, tearDown, Topology, writeRegions } from '../support/regionctl';
import type { OperationRecord } from '../../apps/regionctl/src/drill/history';

/**
 * An architect's DC-outage drills (issue 20: "regionctl drill" did not exist; nothing measured how long
 * shoppers could not shop, or checked what they were told against the databases). Simulated shoppers of
 * both client regions shop through the geo-DNS while DC a is killed, failed over, started and failed
 * back; then a seeded random schedule of faults. The checker must find nothing; it must find what a
 * history claims and the databases do not hold.
 */
describe('regionctl drill (two DCs as real processes, shoppers through the geo-DNS)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-drill-'));
  const regions = join(dir, 'regions');
  const data = join(dir, 'data');
  const out = join(dir, 'drills');
  const BLOCK = 50; // 127.0.50-51.0/24: no other suite uses them
  const base = 20000 + Math.floor(Math.random() * 300) * 100;
  let topo: Topology | undefined;
  const history = (folder: string) => readFileSync(join(folder, 'history.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as OperationRecord);
  const folderOf = (stdout: string) => /report: (.*)\/report\.md/.exec(stdout)?.[1] ?? '';

  beforeAll(async () => {
    writeRegions(regions, [{ code: 'a' }, { code: 'b' }], BLOCK);
    topo = await regionctlUp(regions, data, base);
  }, 180000);

  afterAll(() => tearDown(topo, dir), 60000);

  it('kill-dc a with failover and failback: shoppers of a shop at b again, every confirmed order is everywhere once, nobody logged out', async () => {
    const t = topo!;
    const r = await t.run('drill', 'kill-dc', 'a', '--shoppers', '3', '--warmup', '5', '--failover-after', '3', '--heal-after', '14', '--settle', '4', '--out', out);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^drill kill-dc a: no violations \((\d+) orders confirmed, \1 present on every DC as confirmed\)$/m);
    expect(r.stdout).toMatch(/fault: kill every process of DC a: done/);
    expect(r.stdout).toMatch(/failback: fail DC a back: done/);
    expect(r.stdout).toMatch(/sessions kept 100 %, carts kept 100 % \(\d+ stale looks at a cart\)/);
    const folder = folderOf(r.stdout);
    const ops = history(folder);
    const fault = ops.find((o) => o.dc === 'a' && o.outcome !== 'ok')!;
    expect(fault).toBeDefined(); // the kill was felt: shoppers at a were refused
    // shoppers of region a reached b after the fault, and some checked out there
    expect(ops.some((o) => o.region === 'a' && o.dc === 'b' && o.t > fault.t && o.op === 'checkout' && o.order)).toBe(true);
    expect(ops.filter((o) => o.op === 'checkout' && o.order).length).toBeGreaterThan(10);
    expect(ops.filter((o) => o.home).every((o) => o.account && ['a', 'b'].includes(o.home!.dc))).toBe(true);

    const report = readFileSync(join(folder, 'report.md'), 'utf8');
    expect(report).toMatch(/\*\*Verdict: no violations\*\*/);
    expect(report).toMatch(/\| the DC it took away from shoppers \| a \|/);
    expect(report).toMatch(/\| time until the DNS stopped naming it \| [\d.]+ s \|/);
    expect(report).toMatch(/\| acknowledged orders lost \(RPO\) \| 0 \|/);
    expect(report).toMatch(/\| accounts homed in the lost DC \(a\) \| \d+ \| \d+ \|/);
    expect(report).toMatch(/\| [\d.]+ s \| failover: fail DC a over \| [\d.]+ s \| ok: DC a failed over to DC b/);
    for (const chart of ['requests.svg', 'dns.svg', 'lag.svg']) {
      const svg = readFileSync(join(folder, chart), 'utf8');
      expect(svg).toMatch(/^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>$/);
      expect(svg).toMatch(/fault: kill every process of DC a/);
    }
    expect(readFileSync(join(folder, 'requests.svg'), 'utf8')).toMatch(/<path d="M/);
    expect(readFileSync(join(folder, 'dns.svg'), 'utf8')).toMatch(/region a/);

    // the checker again over this drill: still nothing; then over a history that claims what the databases do not hold
    expect((await t.run('check-drill', folder)).stdout).toMatch(/^check-drill .*: no violations/);
    const forged = join(dir, 'forged');
    cpSync(folder, forged, { recursive: true });
    const told = ops.find((o) => o.op === 'checkout' && o.order)!;
    writeFileSync(join(forged, 'history.jsonl'), `${readFileSync(join(forged, 'history.jsonl'), 'utf8')}${[
      { ...told, order: { ...told.order!, id: 'a_01ZZZZZZZZZZZZZZZZZZZZZZZZ', number: 'A-NEVER' }, key: 'forged-key-1' },
      { ...told, order: { ...told.order!, total: told.order!.total + 1 } },
      { ...told, op: 'cart', outcome: 'line-lost', detail: 'a_V x1 (cart has 0)', order: undefined },
    ].map((x) => JSON.stringify(x)).join('\n')}\n`);
    const bad = await t.run('check-drill', forged);
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/orders: order A-NEVER \(a_01Z+, key forged-key-1\) confirmed to \w+ is missing at DC a/);
    expect(bad.stdout).toMatch(/orders: order A-NEVER .* is missing at DC b/);
    expect(bad.stdout).toMatch(new RegExp(`orders: order ${told.order!.number} at DC a differs from its confirmation: total ${told.order!.total} .*confirmed ${told.order!.total + 1}`));
    expect(bad.stdout).toMatch(/carts: \w+'s cart at DC \w+ lost lines it was told were added: a_V x1/);
  }, 300000);

  it('random with a fixed seed: a replayable schedule of kills, partitions, latency and drains, healed, with no violation', async () => {
    const t = topo!;
    const r = await t.run('drill', 'random', '--seed', '20', '--duration', '36', '--shoppers', '2', '--warmup', '3', '--settle', '4', '--mix', 'checkout=0.8,relogin=0.3',
      '--out', out);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
    expect(r.stdout).toMatch(/^drill random: no violations/m);
    const steps = r.stdout.split('\n').filter((l) => /^ {2}at [\d.]+ s: /.test(l));
    expect(steps.length).toBeGreaterThanOrEqual(4);
    const report = readFileSync(join(folderOf(r.stdout), 'report.md'), 'utf8');
    expect(report).toMatch(/Run with `\.\/regionctl drill random --seed 20 /);
    expect(report).toMatch(/### Every fault/);
    expect(readdirSync(out).length).toBe(2);
    expect(existsSync(join(folderOf(r.stdout), 'verdict.json'))).toBe(true);
  }, 300000);

  it('refuses what it cannot run: an unknown scenario, a DC not in the topology, random without a seed, a folder that is no drill\'s', async () => {
    const t = topo!;
    const unknown = await t.run('drill', 'meteor');
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toMatch(/^drill needs a scenario: kill-dc, kill-api, kill-db, partition, slow-wan, drain, random/);
    const nodc = await t.run('drill', 'kill-dc', 'x', '--out', out);
    expect([nodc.status, nodc.stderr.split('\n')[0]]).toEqual([2, 'no DC "x" in this topology (DCs: a, b)']);
    expect((await t.run('drill', 'random', '--duration', '10')).stderr).toMatch(/^random needs --seed N/);
    expect((await t.run('drill', 'kill-dc', 'a', '--shoppers', '0')).stderr).toMatch(/^--shoppers is a whole number from 1 to 200/);
    expect((await t.run('drill', 'kill-dc', 'a', '--blackhole')).stderr).toMatch(/^--blackhole goes with the partition scenario/);
    expect((await t.run('drill', 'kill-dc', 'a', '--mix', 'fly=1')).stderr).toMatch(/^--mix takes search=F,checkout=F,relogin=F,travel=F, not "fly=1"/);
    expect((await t.run('shoppers', '--mix', 'checkout=2')).stderr).toMatch(/^--mix checkout is a number from 0 to 1/);
    expect((await t.run('status', '--seed', '1')).stderr).toMatch(/^--seed goes with drill or shoppers only/);
    const notDrill = await t.run('check-drill', dir);
    expect([notDrill.status, notDrill.stderr.trim()]).toEqual([1, `${dir} is not a drill's folder (no history.jsonl and stock-at-start.json)`]);
    const slow = await t.run('wan', 'slow', 'a', 'b', 'fast');
    expect([slow.status, slow.stderr.split('\n')[0]]).toEqual([2, 'wan slow takes a latency in ms (0 to 10000) or configured']);
    expect(readdirSync(out).length).toBe(2); // nothing was started for any of them
  }, 60000);
});
