import { CountryMap } from '../zone/countries';
import { parseZoneConfig } from './zone-config';

const good = {
  zone: 'meridian.test', hostname: 'shop.meridian.test',
  nameservers: [{ name: 'ns1.meridian.test', address: '127.0.0.21' }],
  dcs: [{ code: 'a', addresses: ['127.0.1.1'], subnets: ['10.1.0.0/16'], latencyMs: {}, healthchecks: ['http://127.0.1.7:8090'] }],
};

describe('parseZoneConfig', () => {
  it('takes a good file with its defaults (TTL 5 s, one DC per answer)', () => {
    expect(parseZoneConfig(good)).toMatchObject({ ttl: 5, answers: 1, defaultOrder: [] });
  });

  it.each([
    [{ ...good, hostname: 'shop.example.com' }, /hostname: shop.example.com is not in the zone meridian.test/],
    [{ ...good, zone: 'Meridian..test' }, /zone is a lower-case DNS name/],
    [{ ...good, ttl: -1 }, /ttl/],
    [{ ...good, defaultOrder: ['z'] }, /defaultOrder: no DC z/],
    [{ ...good, dcs: [{ ...good.dcs[0], subnets: ['10.1.0.0/33'] }] }, /subnets must be IPv4 CIDR blocks/],
    [{ ...good, dcs: [{ ...good.dcs[0], latencyMs: { q: 3 } }] }, /latencyMs: no DC q/],
    [{ ...good, dcs: [good.dcs[0], good.dcs[0]] }, /two DCs share a code/],
    [{ ...good, dcs: [] }, /dcs/],
    [{ ...good, extra: 1 }, /extra/],
    [{ ...good, dcs: [{ ...good.dcs[0], countries: ['de'] }] }, /countries are ISO 3166 codes like "DE"/],
    [{ ...good, geoipDatabase: '' }, /geoipDatabase/],
    [[1], /must be a JSON object/],
  ])('refuses a bad file with the field named (%#)', (raw, message) => {
    expect(() => parseZoneConfig(raw)).toThrow(message);
  });

  it('a GeoIP database that cannot be read stops the start with its path named', () => {
    expect(() => new CountryMap('/nonexistent/countries.mmdb', [])).toThrow(/geoipDatabase \/nonexistent\/countries.mmdb cannot be read as a MaxMind DB/);
    expect(() => new CountryMap(__filename, [])).toThrow(/cannot be read as a MaxMind DB/);
  });
});
