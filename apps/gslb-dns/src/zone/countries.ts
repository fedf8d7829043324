import { readFileSync } from 'node:fs';
import { Reader } from 'maxmind';
import { ConfigError } from '@meridian/config';

/** A country record as GeoIP2/GeoLite2 Country (`country.iso_code`) or the ip-location-db files (`country_code`) have it. */
interface CountryRecord {
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  country_code?: string;
}

/** what is used of maxmind's Reader (its record types are MaxMind's own; other country files differ) */
interface CountryReader {
  getWithPrefixLength(ip: string): [CountryRecord | null, number];
  metadata: { ipVersion: number };
}

const intToIpv4 = (n: number) => `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;

/**
 * Places a client by its country, from a MaxMind DB file (read once at start), for DCs that list
 * countries in regions/: a client no DC's subnets hold gets the DC of its country first.
 */
export class CountryMap {
  private readonly reader: CountryReader;
  private readonly dcOf = new Map<string, string>();

  constructor(path: string, byDc: { dc: string; countries: string[] }[]) {
    try {
      this.reader = new Reader(readFileSync(path)) as unknown as CountryReader;
    } catch (err) {
      throw new ConfigError(`geoipDatabase ${path} cannot be read as a MaxMind DB: ${(err as Error).message}`);
    }
    for (const d of byDc) for (const c of d.countries) if (!this.dcOf.has(c)) this.dcOf.set(c, d.dc);
  }

  /** The DC of the address's country, and the prefix of the network the database places it in (the ECS scope). */
  match(address: number): { dc: string; prefix: number } | undefined {
    const [record, prefix] = this.reader.getWithPrefixLength(intToIpv4(address));
    const country = record?.country?.iso_code ?? record?.country_code ?? record?.registered_country?.iso_code;
    const dc = country === undefined ? undefined : this.dcOf.get(country.toUpperCase());
    // an IPv6 database holds IPv4 under ::/96: its prefix counts the 96 bits before the address
    return dc === undefined ? undefined : { dc, prefix: this.reader.metadata.ipVersion === 6 && prefix > 32 ? prefix - 96 : prefix };
  }
}
