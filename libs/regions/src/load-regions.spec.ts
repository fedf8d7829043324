import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology, RegionConfigError } from './load-regions';

const region = (code: string, n: number, others: Record<string, number>, extra = '') => `
code: ${code}
name: DC ${code}
serverId: ${n}
gtidDomainId: ${n}
addressBlock: 127.0.${n}.0/24
wanLatencyMs: ${JSON.stringify(others)}
geography:
  countries: [DE]
  subnets: [10.${n}.0.0/16]
${extra}`;

describe('loadTopology', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'regions-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);
  const problems = () => {
    try {
      loadTopology(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(RegionConfigError);
      return (e as RegionConfigError).problems;
    }
    throw new Error('the topology was accepted');
  };

  it('loads the two DCs shipped in regions/ with their defaults', () => {
    const t = loadTopology(join(__dirname, '../../../regions'));
    expect(t.regions.map((r) => r.code)).toEqual(['a', 'b']);
    expect(t.byCode.get('a')).toMatchObject({ serverId: 1, gtidDomainId: 1, apiProcesses: 2, durability: 'async', wanLatencyMs: { b: 20 } });
  });

  it('loads three DCs, JSON as well as YAML, and fills defaults', () => {
    write('a.yaml', region('a', 1, { b: 20, c: 40 }));
    write('b.yml', region('b', 2, { a: 20, c: 30 }, 'durability: semi-sync\nsemiSyncTimeoutMs: 800'));
    write('c.json', JSON.stringify({ code: 'c', name: 'C', serverId: 3, gtidDomainId: 3, addressBlock: '127.0.3.0/24',
      wanLatencyMs: { a: 40, b: 30 }, geography: { countries: [], subnets: [] } }));
    write('README.md', 'not a region');
    const t = loadTopology(dir);
    expect(t.regions.map((r) => [r.code, r.durability, r.semiSyncTimeoutMs, r.apiProcesses]))
      .toEqual([['a', 'async', 500, 2], ['b', 'semi-sync', 800, 2], ['c', 'async', 500, 2]]);
  });

  it('refuses DCs sharing a server_id or a gtid_domain_id, saying why', () => {
    write('a.yaml', region('a', 1, { b: 20 }));
    write('b.yaml', region('b', 2, { a: 20 }).replace('serverId: 2', 'serverId: 1').replace('gtidDomainId: 2', 'gtidDomainId: 1'));
    const p = problems();
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/DCs a and b share server_id 1: every DC database needs its own/),
      expect.stringMatching(/DCs a and b share gtid_domain_id 1: .*1943\/1950/),
    ]));
  });

  it('names every bad field with its file', () => {
    write('a.yaml', region('a', 1, { b: -5 }).replace('127.0.1.0/24', '10.0.0.0/8').replace('[DE]', '[Germany]') + 'durability: sometimes\nreplicas: 3\n');
    write('b.yaml', region('x', 2, { a: 20 }));
    const p = problems();
    expect(p).toEqual(expect.arrayContaining([
      expect.stringMatching(/^a\.yaml: addressBlock must be a loopback block/),
      expect.stringMatching(/^a\.yaml: geography\.countries must be ISO 3166/),
      expect.stringMatching(/^a\.yaml: durability must be "async" or "semi-sync"/),
      expect.stringMatching(/^a\.yaml: replicas is not a known setting/),
      expect.stringMatching(/^a\.yaml: wanLatencyMs\.b must be a whole number/),
      'b.yaml: code "x" must match the file name ("b")',
    ]));
  });

  it('needs a latency from every DC to every other, and only to DCs that exist', () => {
    write('a.yaml', region('a', 1, { b: 20 }));
    write('b.yaml', region('b', 2, { z: 20 }));
    expect(problems()).toEqual(['b: wanLatencyMs has no latency to DC a', 'b: wanLatencyMs names DC z, which has no file in regions/']);
  });

  it('refuses unparsable files and an empty folder', () => {
    expect(problems()).toEqual(['no region files found (one file per DC, e.g. regions/a.yaml)']);
    write('a.yaml', 'code: [unclosed');
    expect(problems()[0]).toMatch(/^a\.yaml: cannot be parsed/);
  });
});
