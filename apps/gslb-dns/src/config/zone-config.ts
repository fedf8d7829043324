import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { plainToInstance, Type } from 'class-transformer';
import {
  ArrayMinSize, IsArray, IsInt, IsIP, IsObject, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateNested, validateSync, ValidationError,
} from 'class-validator';
import { ConfigError } from '@meridian/config';
import { DC_CODE_PATTERN } from '@meridian/dc';

const IPV4_CIDR = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\/([0-9]|[12]\d|3[0-2])$/;
const DNS_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export class NameServer {
  @Matches(DNS_NAME, { message: 'a name server\'s name is a lower-case DNS name like "ns1.meridian.test"' }) name: string;
  @IsIP(4) address: string;
}

/** One DC as the DNS answers it. */
export class DnsDc {
  @Matches(DC_CODE_PATTERN) code: string;
  @IsOptional() @IsString() name = '';
  /** what the shop's name resolves to when this DC is chosen: its entry */
  @IsArray() @ArrayMinSize(1) @IsIP(4, { each: true }) addresses: string[];
  @IsOptional() @IsArray() @IsIP(6, { each: true }) addresses6: string[] = [];
  /** clients in these blocks get this DC first (the most specific block wins) */
  @IsArray() @Matches(IPV4_CIDR, { each: true, message: 'subnets must be IPv4 CIDR blocks like "10.1.0.0/16"' }) subnets: string[];
  /** clients placed in these countries (ISO 3166 codes, from geoipDatabase) get this DC first when no subnet holds them */
  @IsOptional() @IsArray() @Matches(/^[A-Z]{2}$/, { each: true, message: 'countries are ISO 3166 codes like "DE"' }) countries: string[] = [];
  /** one-way latency to each other DC: after the nearest DC, the others come in this order */
  @IsObject() latencyMs: Record<string, number>;
  /** the DC's aggregators, as base URLs; their GET /dc/<code> is asked */
  @IsArray() @ArrayMinSize(1) @Matches(/^https?:\/\/\S+$/, { each: true }) healthchecks: string[];
}

/** The zone the server is authoritative for, the shop's name in it, and the DCs it answers with. */
export class ZoneConfig {
  @Matches(DNS_NAME, { message: 'zone is a lower-case DNS name like "meridian.test"' }) zone: string;
  /** the shop's name: the zone itself or a name in it */
  @Matches(DNS_NAME) hostname: string;
  @IsOptional() @IsInt() @Min(0) @Max(86400) ttl = 5;
  /** how many healthy DCs an answer names, nearest first */
  @IsOptional() @IsInt() @Min(1) @Max(16) answers = 1;
  @IsOptional() @IsInt() @Min(1) @Max(4294967295) serial = 1;
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => NameServer) nameservers: NameServer[];
  /** a MaxMind DB country file (GeoIP2/GeoLite2 Country, or another with the same records): places clients by country */
  @IsOptional() @IsString() @MinLength(1) geoipDatabase?: string;
  /** the order for clients no DC's subnets or countries hold (default: the DCs' order in this file) */
  @IsOptional() @IsArray() @Matches(DC_CODE_PATTERN, { each: true }) defaultOrder: string[] = [];
  @IsArray() @ArrayMinSize(1) @ValidateNested({ each: true }) @Type(() => DnsDc) dcs: DnsDc[];
}

const inZone = (name: string, zone: string) => name === zone || name.endsWith(`.${zone}`);

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    return [...Object.values(e.constraints ?? {}).map((c) => `${field}: ${c}`), ...describe(e.children ?? [], field)];
  });
}

export function parseZoneConfig(raw: unknown): ZoneConfig {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError('the DNS configuration must be a JSON object');
  const c = plainToInstance(ZoneConfig, raw, { exposeDefaultValues: true });
  const problems = describe(validateSync(c, { whitelist: true, forbidNonWhitelisted: true }));
  if (problems.length === 0) {
    const codes = new Set(c.dcs.map((d) => d.code));
    if (codes.size !== c.dcs.length) problems.push('dcs: two DCs share a code');
    if (!inZone(c.hostname, c.zone)) problems.push(`hostname: ${c.hostname} is not in the zone ${c.zone}`);
    for (const d of c.defaultOrder) if (!codes.has(d)) problems.push(`defaultOrder: no DC ${d}`);
    for (const d of c.dcs) {
      for (const [to, ms] of Object.entries(d.latencyMs)) {
        if (!codes.has(to)) problems.push(`dcs.${d.code}.latencyMs: no DC ${to}`);
        if (typeof ms !== 'number' || !(ms >= 0)) problems.push(`dcs.${d.code}.latencyMs.${to}: a number of ms`);
      }
    }
  }
  if (problems.length) throw new ConfigError(`invalid DNS configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  return c;
}

export function loadZoneConfig(file: string): ZoneConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`the DNS configuration ${file} cannot be read: ${(err as Error).message}`);
  }
  return parseZoneConfig(raw);
}
