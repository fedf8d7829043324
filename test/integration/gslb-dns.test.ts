import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadDnsEnv } from '../../apps/gslb-dns/src/config/dns-env';
import { DnsServer } from '../../apps/gslb-dns/src/dns/dns-server.service';
import type { DnsStatus } from '../../apps/gslb-dns/src/gslb-dns.controller';
import { createGslbDns } from '../../apps/gslb-dns/src/main';
import { dig } from '../support/dig';
import { FakeAggregator } from '../support/fake-aggregator';
import { freePort, waitFor } from '../support/processes';

/**
 * Two gslb-dns servers against stand-in aggregators of two DCs, asked with the real dig: answers
 * by client subnet (source address or ECS), DCs leaving and coming back, fail-open, a server that
 * is cut off, a restart from the state on disk, and hostile packets over UDP and TCP.
 */
describe('gslb-dns: the shop\'s name answered with the nearest healthy DC', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meridian-dns-'));
  const configFile = join(dir, 'gslb-dns.json');
  const NAME = 'shop.meridian.test';
  const A = '127.0.51.1';
  const B = '127.0.52.1';
  let aggregators: Record<'a' | 'b', FakeAggregator[]>;
  const servers: Record<string, { app: NestFastifyApplication; port: number; http: string }> = {};

  const start = async (instance: 'ns1' | 'ns2', host: string) => {
    const env = loadDnsEnv({ DNS_INSTANCE: instance, DNS_CONFIG: configFile, DNS_STATE_DIR: join(dir, 'state'), DNS_HOST: host, DNS_PORT: '0',
      HTTP_HOST: host, HTTP_PORT: '0', DNS_POLL_MS: '50', DNS_POLL_TIMEOUT_MS: '300', LOG_LEVEL: 'error' });
    const app = await createGslbDns(env);
    await app.listen(0, host);
    servers[instance] = { app, port: app.get(DnsServer).port(), http: `http://${host}:${(app.getHttpServer().address() as { port: number }).port}` };
  };
  const ask = (o: Parameters<typeof dig>[3] = {}, instance = 'ns1', name = NAME) =>
    dig(instance === 'ns1' ? '127.0.0.61' : '127.0.0.62', servers[instance]!.port, name, o);
  const first = async (o: Parameters<typeof dig>[3] = {}, instance = 'ns1') => (await ask(o, instance)).answers;
  const status = async (instance = 'ns1') => (await (await fetch(`${servers[instance]!.http}/status`)).json()) as DnsStatus;
  const metrics = async (instance = 'ns1') => (await fetch(`${servers[instance]!.http}/metrics`)).text();
  const fromA = { bind: '127.0.51.200' };
  const fromB = { bind: '127.0.52.200' };

  beforeAll(async () => {
    const port = await freePort('127.0.51.7');
    aggregators = {
      a: [new FakeAggregator('a', '127.0.51.7', port), new FakeAggregator('a', '127.0.51.8', port)],
      b: [new FakeAggregator('b', '127.0.52.7', port), new FakeAggregator('b', '127.0.52.8', port)],
    };
    for (const g of [...aggregators.a, ...aggregators.b]) await g.start();
    writeFileSync(configFile, JSON.stringify({
      zone: 'meridian.test', hostname: NAME, ttl: 5,
      nameservers: [{ name: 'ns1.meridian.test', address: '127.0.0.61' }, { name: 'ns2.meridian.test', address: '127.0.0.62' }],
      defaultOrder: ['b', 'a'],
      geoipDatabase: require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country-ipv4.mmdb'),
      dcs: [
        { code: 'a', addresses: [A], subnets: ['10.1.0.0/16', '127.0.51.0/24'], countries: ['GB'], latencyMs: { b: 20 }, healthchecks: aggregators.a.map((g) => g.url) },
        { code: 'b', addresses: [B], subnets: ['10.2.0.0/16', '127.0.52.0/24'], latencyMs: { a: 20 }, healthchecks: aggregators.b.map((g) => g.url) },
      ],
    }));
    await start('ns1', '127.0.0.61');
    await start('ns2', '127.0.0.62');
  });

  afterAll(async () => {
    for (const s of Object.values(servers)) await s.app.close();
    for (const g of [...(aggregators?.a ?? []), ...(aggregators?.b ?? [])]) await g.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const bothSay = async (state: 'PASS' | 'FAIL', dc: 'a' | 'b', reason = 'test') => {
    for (const g of aggregators[dc]) Object.assign(g, { state, reason });
  };
  const statesAt = async (instance = 'ns1') => (await status(instance)).dcs.map((d) => `${d.dc} ${d.state}`).join(', ');

  it('dig from a\'s subnet or with an ECS option of it gets a; b\'s gets b; an unknown client the configured order; the same over TCP and from ns2', async () => {
    expect(await ask(fromA)).toMatchObject({ status: 'NOERROR', answers: [`A ${A}`] });
    expect((await ask(fromA)).flags).toContain('aa');
    expect(await first(fromB)).toEqual([`A ${B}`]);
    expect(await first({ bind: '127.0.0.1' })).toEqual([`A ${B}`]); // default order: b, a
    const ecs = await ask({ subnet: '10.1.7.0/24', bind: '127.0.52.200' });
    expect([ecs.answers, ecs.clientSubnet]).toEqual([[`A ${A}`], '10.1.7.0/24/16']);
    expect(await first({ subnet: '10.2.0.0/24', tcp: true })).toEqual([`A ${B}`]);
    // placed by country (a lists GB; the GeoIP file says 81.2.64.0/18 is GB): the scope is the database's network
    const gb = await ask({ subnet: '81.2.69.0/24', bind: '127.0.52.200' });
    expect([gb.answers, gb.clientSubnet]).toEqual([[`A ${A}`], '81.2.69.0/24/18']);
    expect(await first({ subnet: '8.8.8.0/24' })).toEqual([`A ${B}`]); // US: no DC lists it, the default order
    for (const o of [fromA, fromB, { subnet: '10.1.0.0/24' }, { subnet: '192.0.2.0/24' }, { subnet: '81.2.69.0/24' }]) expect(await first(o, 'ns2')).toEqual(await first(o, 'ns1'));
    expect((await ask({ type: 'NS' }, 'ns1', 'meridian.test')).answers).toEqual(['NS ns1.meridian.test.', 'NS ns2.meridian.test.']);
    expect(await ask({}, 'ns1', 'nope.meridian.test')).toMatchObject({ status: 'NXDOMAIN', authority: [expect.stringMatching(/^SOA ns1\.meridian\.test\. hostmaster\.meridian\.test\. 1 /)] });
    expect((await ask({}, 'ns1', 'example.com')).status).toBe('REFUSED');
    expect((await ask({ type: 'AAAA' })).answers).toEqual([]);
  });

  it('a DC whose aggregators say FAIL leaves the answers at once, at both servers; PASS brings it back', async () => {
    await bothSay('FAIL', 'a', 'no commerce-api passed');
    for (const ns of ['ns1', 'ns2']) await waitFor(`${ns} to stop naming a`, async () => (await first(fromA, ns))[0] === `A ${B}`, 5000, 20);
    expect((await status()).dcs[0]).toMatchObject({ dc: 'a', state: 'FAIL', reason: 'no commerce-api passed', cause: 'aggregators' });
    expect((await status()).answers).toEqual([
      { region: 'a', dcs: ['b'], addresses: [B], failOpen: false }, { region: 'b', dcs: ['b'], addresses: [B], failOpen: false },
      { region: 'unknown', dcs: ['b'], addresses: [B], failOpen: false },
    ]);
    expect(await metrics()).toMatch(/dns_dc_healthy\{dc="a"\} 0/);
    await bothSay('PASS', 'a');
    for (const ns of ['ns1', 'ns2']) await waitFor(`${ns} to name a again`, async () => (await first(fromA, ns))[0] === `A ${A}`, 5000, 20);
  });

  it('one aggregator of a DC gone is enough: the other answers for it', async () => {
    await aggregators.a[0]!.stop();
    await new Promise((r) => setTimeout(r, 300)); // six polls
    expect(await first(fromA)).toEqual([`A ${A}`]);
    expect((await status()).dcs[0]?.aggregators.map((g) => g.said)).toEqual(['unreachable', 'PASS']);
    await aggregators.a[0]!.start();
  });

  it('a dead DC (none of its aggregators answers) fails after two polls, and is back three polls after they answer PASS', async () => {
    for (const g of aggregators.a) await g.stop();
    await waitFor('a to fail', async () => (await status()).dcs[0]?.state === 'FAIL', 5000, 10);
    expect((await status()).dcs[0]).toMatchObject({ cause: 'unreachable', reason: expect.stringMatching(/^no aggregator answers \(ECONNREFUSED; ECONNREFUSED\)/) });
    expect(await first(fromA)).toEqual([`A ${B}`]);
    for (const g of aggregators.a) await g.start();
    const back = Date.now();
    await waitFor('a to pass', async () => (await status()).dcs[0]?.state === 'PASS', 5000, 10);
    expect(Date.now() - back).toBeGreaterThanOrEqual(100); // three polls of 50 ms at the least, not the first PASS
    expect(await first(fromA)).toEqual([`A ${A}`]);
  });

  it('every DC failing: every client still gets its nearest DC (fail open), counted', async () => {
    await bothSay('FAIL', 'a');
    await bothSay('FAIL', 'b');
    await waitFor('both to fail', async () => (await statesAt()) === 'a FAIL, b FAIL', 5000, 20);
    expect(await first(fromA)).toEqual([`A ${A}`]);
    expect(await first(fromB)).toEqual([`A ${B}`]);
    expect(await first({ bind: '127.0.0.1' })).toEqual([`A ${B}`]);
    expect((await status()).answers.map((x) => x.failOpen)).toEqual([true, true, true]);
    expect(await metrics()).toMatch(/dns_fail_open_total\{region="a"\} [1-9]/);
    await bothSay('PASS', 'a');
    await bothSay('PASS', 'b');
    await waitFor('both to pass', async () => (await statesAt()) === 'a PASS, b PASS', 5000, 20);
  });

  it('no aggregator of any DC answers: the server is the one cut off and keeps the last state; a restart answers at once from disk', async () => {
    await bothSay('FAIL', 'b', 'drained');
    await waitFor('b to fail', async () => (await statesAt()) === 'a PASS, b FAIL', 5000, 20);
    for (const g of [...aggregators.a, ...aggregators.b]) await g.stop();
    await waitFor('the cut-off to be seen', async () => (await status()).cutOff, 5000, 20);
    await new Promise((r) => setTimeout(r, 300));
    expect(await statesAt()).toBe('a PASS, b FAIL');
    expect(await first(fromB)).toEqual([`A ${A}`]);
    expect(await metrics()).toMatch(/dns_cut_off 1/);

    // restarted while nothing answers: the state on disk, at once
    await servers.ns1!.app.close();
    const started = Date.now();
    await start('ns1', '127.0.0.61');
    expect(Date.now() - started).toBeLessThan(2500); // not the cold start's wait (3 s)
    expect(await first(fromB)).toEqual([`A ${A}`]);
    expect(await status()).toMatchObject({ coldStart: 'state on disk', dcs: [{ dc: 'a', state: 'PASS' }, { dc: 'b', state: 'FAIL', reason: 'drained' }] });
    for (const g of [...aggregators.a, ...aggregators.b]) await g.start();
    await bothSay('PASS', 'b');
    await waitFor('b back', async () => (await statesAt()) === 'a PASS, b PASS' && !(await status()).cutOff, 5000, 20);
  });

  it('hostile packets over UDP and TCP are answered FORMERR or dropped; the server keeps answering', async () => {
    const port = servers.ns1!.port;
    const host = '127.0.0.61';
    const valid = dnsPacket.encode({ type: 'query', id: 1, questions: [{ type: 'A', name: NAME }],
      additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [{ code: 8, family: 1, sourcePrefixLength: 24, ip: '10.1.2.0' }] } as dnsPacket.Answer] });
    const udp = createSocket('udp4');
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    let answered = 0;
    udp.on('message', () => { answered++; });
    const packets = fc.sample(fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 700 }).map((a) => Buffer.from(a)),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((flips) => {
        const b = Buffer.from(valid);
        for (const [at, v] of flips) b[at % b.length] = v;
        return b;
      }),
    ), { numRuns: 3000, seed: 42 });
    for (let i = 0; i < packets.length; i += 100) {
      await Promise.all(packets.slice(i, i + 100).map((p) => new Promise<void>((r) => udp.send(p, port, host, () => r()))));
      await new Promise((r) => setTimeout(r, 5));
    }
    // over TCP: frames of random bytes, a length that lies, then a frame cut in the middle
    const tcpGarbage = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 300 }), { numRuns: 200, seed: 7 });
    await new Promise<void>((resolve) => {
      const s = connect(port, host, () => {
        for (const g of tcpGarbage) s.write(Buffer.concat([Buffer.from([g.length >> 8, g.length & 255]), Buffer.from(g)]));
        s.end(Buffer.from([0xff, 0xff, 1, 2, 3]));
      });
      s.on('data', () => undefined);
      s.on('error', () => resolve());
      s.on('close', () => resolve());
    });
    udp.close();
    expect(answered).toBeGreaterThan(100); // the mutated queries were answered (FORMERR or not), the rest dropped
    expect(await first(fromA)).toEqual([`A ${A}`]);
    expect(await first({ ...fromB, tcp: true })).toEqual([`A ${B}`]);
    expect(await metrics()).toMatch(/dns_formerr_total\{transport="udp"\} [1-9]/);
    expect(await metrics()).toMatch(/dns_queries_total\{transport="udp",outcome="answer",first_dc="a",region="a"\} [1-9]/);
  }, 60000);
});
