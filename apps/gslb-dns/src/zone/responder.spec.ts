import * as dnsPacket from 'dns-packet';
import fc from 'fast-check';
import { parseZoneConfig, ZoneConfig } from '../config/zone-config';
import { ProximityOrdering } from './answer-ordering';
import { CountryMap } from './countries';
import { HealthView, Responder } from './responder';

const config = (over: Record<string, unknown> = {}): ZoneConfig => parseZoneConfig({
  zone: 'meridian.test', hostname: 'shop.meridian.test', ttl: 5,
  nameservers: [{ name: 'ns1.meridian.test', address: '127.0.0.21' }, { name: 'ns2.meridian.test', address: '127.0.0.22' }],
  defaultOrder: ['b', 'a', 'c'],
  dcs: [
    { code: 'a', addresses: ['127.0.1.1'], subnets: ['10.1.0.0/16', '127.0.1.0/24'], countries: ['GB', 'FR'], latencyMs: { b: 20, c: 40 }, healthchecks: ['http://127.0.1.7:8090'] },
    { code: 'b', addresses: ['127.0.2.1'], subnets: ['10.2.0.0/16'], countries: ['DE'], latencyMs: { a: 20, c: 5 }, healthchecks: ['http://127.0.2.7:8090'] },
    { code: 'c', addresses: ['127.0.3.1'], addresses6: ['fd00::3:1'], subnets: ['10.3.0.0/16', '10.3.7.0/24', '193.99.144.0/24'], latencyMs: { a: 40, b: 5 }, healthchecks: ['http://127.0.3.7:8090'] },
  ],
  ...over,
});

class FakeHealth implements HealthView {
  version = 0;
  failed = new Set<string>();
  healthy(dc: string) {
    return !this.failed.has(dc);
  }
  fail(...dcs: string[]) {
    this.failed = new Set(dcs);
    this.version++;
  }
}

type Ecs = { family: number; sourcePrefixLength: number; scopePrefixLength?: number; ip: string };
/** a real country database (ip-location-db, CC0), the MaxMind DB format the server reads */
const GEO = require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country-ipv4.mmdb');
const query = (name: string, type = 'A', o: { ecs?: Ecs; edns?: boolean; id?: number } = {}) => dnsPacket.encode({
  type: 'query', id: o.id ?? 4242, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as 'A', name, class: 'IN' }],
  additionals: o.edns || o.ecs ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: o.ecs ? [{ code: 8, ...o.ecs }] : [] } as dnsPacket.Answer] : [],
});
/** an ECS option written byte by byte, for shapes dns-packet would not write */
const rawEcs = (family: number, source: number, address: number[]) => {
  const q = query('shop.meridian.test', 'A', { edns: true });
  const data = Buffer.from([family >> 8, family & 255, source, 0, ...address]);
  const option = Buffer.concat([Buffer.from([0, 8, 0, data.length]), data]);
  const out = Buffer.concat([q.subarray(0, q.length - 2), Buffer.from([0, option.length]), option]); // the OPT's RDLENGTH is its last 2 bytes
  return out;
};

describe('Responder', () => {
  const health = new FakeHealth();
  let r: Responder;
  beforeEach(() => {
    health.fail();
    r = new Responder(config(), new ProximityOrdering(config()), health);
  });
  /** the decoded answer, loosely typed: the tests read whatever dns-packet gives */
  type Decoded = Record<string, any> & { answers?: any[]; authorities?: any[]; additionals?: any[] };
  const ask = (q: Buffer, from = '192.0.2.1', transport: 'udp' | 'tcp' = 'udp') => {
    const res = r.respond(q, from, transport);
    return { ...res, decoded: res.packet ? (dnsPacket.decode(res.packet) as Decoded) : undefined };
  };
  const addresses = (q: Buffer, from?: string) => (ask(q, from).decoded?.answers ?? []).map((a) => `${a.type} ${String(a.data)}`);

  it('answers the shop\'s name with the DC nearest the client by its source address, else the configured order', () => {
    expect(addresses(query('shop.meridian.test'), '10.1.2.3')).toEqual(['A 127.0.1.1']);
    expect(addresses(query('shop.meridian.test'), '127.0.1.200')).toEqual(['A 127.0.1.1']);
    expect(addresses(query('shop.meridian.test'), '10.2.200.1')).toEqual(['A 127.0.2.1']);
    expect(addresses(query('shop.meridian.test'), '192.0.2.1')).toEqual(['A 127.0.2.1']); // unknown: b, a, c
    expect(addresses(query('SHOP.Meridian.TEST.'), '::ffff:10.3.0.9')).toEqual(['A 127.0.3.1']);
    const res = ask(query('Shop.Meridian.Test'), '10.1.0.1');
    expect(res.decoded).toMatchObject({ id: 4242, flag_aa: true, flag_rd: true, rcode: 'NOERROR', questions: [{ name: 'Shop.Meridian.Test' }] });
    expect(res.decoded?.answers?.[0]).toMatchObject({ ttl: 5 });
    expect(res).toMatchObject({ outcome: 'answer', region: 'a', firstDc: 'a', failOpen: false });
  });

  it('with ECS answers by the subnet, echoes it with the scope of the block that placed it', () => {
    const res = ask(query('shop.meridian.test', 'A', { ecs: { family: 1, sourcePrefixLength: 24, ip: '10.2.5.0' } }), '10.1.0.1');
    expect(res.decoded?.answers?.map((a) => a.data)).toEqual(['127.0.2.1']);
    const opt = res.decoded?.additionals?.find((a) => a.type === 'OPT') as dnsPacket.OptAnswer;
    expect(opt.options).toEqual([expect.objectContaining({ code: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 16, ip: '10.2.5.0' })]);
    // the most specific block wins
    expect(ask(query('shop.meridian.test', 'A', { ecs: { family: 1, sourcePrefixLength: 24, ip: '10.3.7.0' } })).decoded?.additionals?.find((a) => a.type === 'OPT'))
      .toMatchObject({ options: [expect.objectContaining({ scopePrefixLength: 24 })] });
    // a client of no DC: the default order, valid for what was given only
    const unknown = ask(query('shop.meridian.test', 'A', { ecs: { family: 1, sourcePrefixLength: 20, ip: '192.0.16.0' } }), '10.1.0.1');
    expect(unknown.decoded?.answers?.map((a) => a.data)).toEqual(['127.0.2.1']);
    expect(unknown.decoded?.additionals?.find((a) => a.type === 'OPT')).toMatchObject({ options: [expect.objectContaining({ scopePrefixLength: 20 })] });
    // /0: "do not use my address": the default order too, not the source address's DC
    expect(addresses(query('shop.meridian.test', 'A', { ecs: { family: 1, sourcePrefixLength: 0, ip: '0.0.0.0' } }), '10.1.0.1')).toEqual(['A 127.0.2.1']);
    // IPv6 ECS: no DC has IPv6 client subnets, so the default order
    expect(addresses(query('shop.meridian.test', 'A', { ecs: { family: 2, sourcePrefixLength: 56, ip: '2001:db8::' } }), '10.1.0.1')).toEqual(['A 127.0.2.1']);
  });

  it('a malformed ECS option is a FORMERR: bits past the prefix, a wrong family, too many or too few address bytes, a prefix too long', () => {
    expect(ask(rawEcs(1, 24, [10, 1, 0])).decoded?.rcode).toBe('NOERROR'); // the well-formed shape, written by hand
    for (const [family, source, address] of [[1, 16, [10, 1, 1]], [1, 24, [10, 1, 0, 0]], [1, 24, [10, 1]], [1, 23, [10, 1, 1]], [3, 8, [10]],
      [1, 33, [10, 1, 0, 0, 0]], [2, 129, Array(17).fill(0)]] as [number, number, number[]][]) {
      const res = ask(rawEcs(family, source, address));
      expect([family, source, address, res.outcome, res.decoded?.rcode, res.decoded?.id]).toEqual([family, source, address, 'formerr', 'FORMERR', 4242]);
    }
  });

  it('leaves failed DCs out, nearest healthy first; with every DC failing answers nearest first anyway (fail open)', () => {
    health.fail('a');
    expect(addresses(query('shop.meridian.test'), '10.1.0.1')).toEqual(['A 127.0.2.1']);
    health.fail('a', 'b');
    expect(addresses(query('shop.meridian.test'), '10.1.0.1')).toEqual(['A 127.0.3.1']);
    health.fail('a', 'b', 'c');
    const res = ask(query('shop.meridian.test'), '10.2.0.1');
    expect(res.decoded?.answers?.map((a) => a.data)).toEqual(['127.0.2.1']);
    expect(res).toMatchObject({ failOpen: true, firstDc: 'b' });
  });

  it('names the first N healthy DCs when configured, in order', () => {
    const c = config({ answers: 2 });
    r = new Responder(c, new ProximityOrdering(c), health);
    expect(addresses(query('shop.meridian.test'), '10.1.0.1')).toEqual(['A 127.0.1.1', 'A 127.0.2.1']);
    expect(addresses(query('shop.meridian.test'), '10.3.0.1')).toEqual(['A 127.0.3.1', 'A 127.0.2.1']);
    health.fail('b');
    expect(addresses(query('shop.meridian.test'), '10.3.0.1')).toEqual(['A 127.0.3.1', 'A 127.0.1.1']);
  });

  it('serves SOA and NS (with glue) at the apex, the name servers\' addresses, AAAA where configured', () => {
    const soa = ask(query('meridian.test', 'SOA')).decoded!;
    expect(soa.answers).toEqual([expect.objectContaining({ type: 'SOA', data: expect.objectContaining({ mname: 'ns1.meridian.test', rname: 'hostmaster.meridian.test', minimum: 5 }) })]);
    const ns = ask(query('meridian.test', 'NS')).decoded!;
    expect(ns.answers?.map((a) => a.data)).toEqual(['ns1.meridian.test', 'ns2.meridian.test']);
    expect(ns.additionals?.map((a) => `${a.name} ${String(a.data)}`)).toEqual(['ns1.meridian.test 127.0.0.21', 'ns2.meridian.test 127.0.0.22']);
    expect(addresses(query('ns2.meridian.test'))).toEqual(['A 127.0.0.22']);
    expect(addresses(query('shop.meridian.test', 'AAAA'), '10.3.0.1')).toEqual(['AAAA fd00::3:1']);
  });

  it('no data, NXDOMAIN and REFUSED where they belong, with the SOA for negative caching', () => {
    const nodata = ask(query('shop.meridian.test', 'AAAA'), '10.1.0.1');
    expect([nodata.outcome, nodata.decoded?.rcode, nodata.decoded?.answers, nodata.decoded?.authorities?.map((a) => a.type)]).toEqual(['nodata', 'NOERROR', [], ['SOA']]);
    expect(ask(query('shop.meridian.test', 'MX')).outcome).toBe('nodata');
    const nx = ask(query('nope.meridian.test'));
    expect([nx.outcome, nx.decoded?.rcode, nx.decoded?.flag_aa, nx.decoded?.authorities?.map((a) => a.type)]).toEqual(['nxdomain', 'NXDOMAIN', true, ['SOA']]);
    expect(ask(query('x.shop.meridian.test')).decoded?.rcode).toBe('NXDOMAIN');
    const other = ask(query('example.com'));
    expect([other.outcome, other.decoded?.rcode, other.decoded?.flag_aa, other.decoded?.answers]).toEqual(['refused', 'REFUSED', false, []]);
    expect(ask(query('meridian.testing')).decoded?.rcode).toBe('REFUSED');
  });

  it('malformed or unsupported queries: FORMERR, NOTIMP or BADVERS; responses and runts are dropped', () => {
    const noQuestion = dnsPacket.encode({ type: 'query', id: 7, questions: [] });
    expect(ask(noQuestion)).toMatchObject({ outcome: 'formerr', decoded: { id: 7, rcode: 'FORMERR' } });
    const two = dnsPacket.encode({ type: 'query', id: 8, questions: [{ type: 'A', name: 'shop.meridian.test' }, { type: 'A', name: 'ns1.meridian.test' }] });
    expect(ask(two)).toMatchObject({ outcome: 'formerr', decoded: { id: 8, rcode: 'FORMERR' } });
    const notify = Buffer.from(query('meridian.test', 'SOA'));
    notify.writeUInt16BE((4 << 11) | 0x0100, 2);
    expect(ask(notify)).toMatchObject({ outcome: 'notimp', decoded: { rcode: 'NOTIMP', opcode: 'NOTIFY' } });
    const response = Buffer.from(query('shop.meridian.test'));
    response.writeUInt16BE(0x8000, 2);
    expect([ask(response).packet, ask(response).outcome]).toEqual([undefined, undefined]);
    expect(ask(Buffer.from([1, 2, 3])).packet).toBeUndefined();
    const v1 = Buffer.from(query('shop.meridian.test', 'A', { edns: true }));
    v1[v1.length - 5] = 1; // the OPT's version byte (TTL's second byte; no options follow)
    const badvers = ask(v1);
    expect(badvers.outcome).toBe('badvers');
    expect(badvers.decoded?.additionals?.[0]).toMatchObject({ type: 'OPT', extendedRcode: 1 });
    // a compression pointer to itself (a loop) and a label running past the end
    const loop = Buffer.concat([query('shop.meridian.test').subarray(0, 12), Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
    expect(ask(loop)).toMatchObject({ outcome: 'formerr' });
    const long = Buffer.concat([query('shop.meridian.test').subarray(0, 12), Buffer.from([63, 97, 98])]);
    expect(ask(long)).toMatchObject({ outcome: 'formerr' });
  });

  it('too big for UDP: truncated with TC (the whole answer over TCP)', () => {
    const many = Array.from({ length: 30 }, (_, i) => `127.0.1.${i + 1}`);
    const c = config({ dcs: [{ code: 'a', addresses: many, subnets: ['10.1.0.0/16'], latencyMs: {}, healthchecks: ['http://127.0.1.7:8090'] }], defaultOrder: [] });
    r = new Responder(c, new ProximityOrdering(c), health);
    const udp = ask(query('shop.meridian.test'));
    expect([udp.truncated, udp.decoded?.flag_tc, udp.decoded?.answers, udp.packet!.length <= 512]).toEqual([true, true, [], true]);
    const withEdns = ask(query('shop.meridian.test', 'A', { edns: true }));
    expect([withEdns.truncated, withEdns.decoded?.answers?.length]).toEqual([false, 30]);
    const tcp = ask(query('shop.meridian.test'), '192.0.2.1', 'tcp');
    expect([tcp.truncated, tcp.decoded?.answers?.length]).toEqual([false, 30]);
  });

  it('never throws on any bytes: random packets and valid queries with bytes flipped are answered with their id, or dropped', () => {
    const valid = [query('shop.meridian.test'), query('shop.meridian.test', 'A', { ecs: { family: 1, sourcePrefixLength: 24, ip: '10.1.2.0' } }),
      query('meridian.test', 'NS', { edns: true })];
    const check = (bytes: Buffer) => {
      const res = r.respond(bytes, '10.1.0.1', 'udp');
      if (!res.packet) return;
      const d = dnsPacket.decode(res.packet);
      expect(d.id).toBe(bytes.readUInt16BE(0));
      expect(d.type).toBe('response');
      expect(res.packet.length).toBeLessThanOrEqual(1232);
    };
    fc.assert(fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (a) => check(Buffer.from(a))), { numRuns: 3000 });
    const flipsOf = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(fc.constantFrom(...valid), flipsOf, (q, flips) => {
      const b = Buffer.from(q);
      for (const [at, v] of flips) b[at % b.length] = v;
      b.writeUInt16BE(b.readUInt16BE(2) & 0x7fff, 2); // keep it a query so that it is answered
      check(b);
    }), { numRuns: 5000 });
  });

  it('with a GeoIP database a client no subnet holds gets the DC of its country, the scope from the database; subnets still win', () => {
    const c = config({ geoipDatabase: GEO });
    r = new Responder(c, new ProximityOrdering(c), health, new CountryMap(GEO, c.dcs.map((d) => ({ dc: d.code, countries: d.countries }))));
    const ecs = (ip: string) => query('shop.meridian.test', 'A', { ecs: { family: 1, sourcePrefixLength: 24, ip } });
    const scope = (q: Buffer) => ask(q).decoded?.additionals?.find((a) => a.type === 'OPT')?.options?.[0]?.scopePrefixLength;
    expect([addresses(ecs('81.2.69.0')), ask(ecs('81.2.69.0')).region, scope(ecs('81.2.69.0'))]).toEqual([['A 127.0.1.1'], 'a', 18]); // GB
    expect([addresses(ecs('193.99.145.0')), scope(ecs('193.99.145.0'))]).toEqual([['A 127.0.2.1'], 21]); // DE
    expect([addresses(ecs('193.99.144.0')), scope(ecs('193.99.144.0'))]).toEqual([['A 127.0.3.1'], 24]); // DE, but c's subnet
    expect([addresses(ecs('8.8.8.0')), ask(ecs('8.8.8.0')).region, scope(ecs('8.8.8.0'))]).toEqual([['A 127.0.2.1'], 'unknown', 24]); // US: no DC's
    expect(addresses(query('shop.meridian.test'), '81.2.69.160')).toEqual(['A 127.0.1.1']); // by the source address too
    health.fail('a');
    expect(addresses(ecs('81.2.69.0'))).toEqual(['A 127.0.2.1']); // a's nearest other DC
  });

  it('an answer kept from before is the one it would make now: the same bytes with the query\'s id, for any query, source and health (property)', () => {
    const names = ['shop.meridian.test', 'SHOP.Meridian.test', 'meridian.test', 'nope.meridian.test', 'ns1.meridian.test', 'example.com'];
    const sources = ['192.0.2.1', '10.1.2.3', '10.2.9.9', '10.3.7.1', '::ffff:10.2.0.1', '127.0.1.9'];
    const step = fc.record({
      name: fc.constantFrom(...names), type: fc.constantFrom('A', 'AAAA', 'SOA', 'NS', 'TXT'), id: fc.integer({ min: 0, max: 65535 }),
      from: fc.constantFrom(...sources), tcp: fc.boolean(), ecs: fc.option(fc.constantFrom('10.1.0.0', '10.2.0.0', '10.3.7.0', '198.51.100.0')),
      fail: fc.option(fc.subarray(['a', 'b', 'c'])),
    });
    fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 40 }), (steps) => {
      health.fail();
      const kept = new Responder(config(), new ProximityOrdering(config()), health);
      for (const s of steps) {
        if (s.fail) health.fail(...s.fail);
        const q = query(s.name, s.type, { id: s.id, ecs: s.ecs ? { family: 1, sourcePrefixLength: 24, ip: s.ecs } : undefined });
        const transport = s.tcp ? 'tcp' : 'udp';
        const fresh = new Responder(config(), new ProximityOrdering(config()), health).respond(q, s.from, transport);
        expect(kept.respond(q, s.from, transport)).toEqual(fresh);
      }
    }), { numRuns: 300 });
  });
});
