import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { parse } from 'yaml';
import { RegionConfig } from './region.config';

export class RegionConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`the topology in regions/ is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export interface Topology {
  regions: RegionConfig[];
  byCode: Map<string, RegionConfig>;
}

const FILE = /\.(ya?ml|json)$/;

function describe(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((c) =>
      (c.startsWith(`${e.property} `) ? `${field} ${c.slice(e.property.length + 1)}` : `${field}: ${c}`));
    return [...own, ...describe(e.children ?? [], field)];
  });
}

/** One region file: parsed, converted and validated; problems name the file and the field. */
export function parseRegion(file: string, text: string): { region?: RegionConfig; problems: string[] } {
  let raw: unknown;
  try {
    raw = extname(file) === '.json' ? JSON.parse(text) : parse(text);
  } catch (err) {
    return { problems: [`${file}: cannot be parsed: ${(err as Error).message.split('\n')[0]}`] };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { problems: [`${file}: must hold one mapping of settings`] };
  const region = plainToInstance(RegionConfig, raw, { exposeDefaultValues: true });
  const problems = describe(validateSync(region, { whitelist: true, forbidNonWhitelisted: true }))
    .map((p) => `${file}: ${p.replace(/^(\w+): property (\w+) should not exist$/, '$2 is not a known setting')}`);
  const stem = basename(file).replace(FILE, '');
  if (problems.length === 0 && region.code !== stem) problems.push(`${file}: code "${region.code}" must match the file name ("${stem}")`);
  for (const [dc, ms] of Object.entries(region.wanLatencyMs ?? {})) {
    if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0 || ms > 5000) problems.push(`${file}: wanLatencyMs.${dc} must be a whole number of ms from 0 to 5000`);
  }
  return { region: problems.length ? undefined : region, problems };
}

/** Checks across files: unique identities, and a WAN latency from every DC to every other. */
export function checkTopology(regions: RegionConfig[]): string[] {
  const problems: string[] = [];
  if (regions.length === 0) problems.push('no region files found (one file per DC, e.g. regions/a.yaml)');
  const unique = (what: string, key: (r: RegionConfig) => string | number, why = '') => {
    const seen = new Map<string | number, string>();
    for (const r of regions) {
      const k = key(r);
      if (seen.has(k)) problems.push(`DCs ${seen.get(k)} and ${r.code} share ${what} ${k}${why}`);
      else seen.set(k, r.code);
    }
  };
  unique('the code', (r) => r.code);
  unique('server_id', (r) => r.serverId, ': every DC database needs its own, or replication drops the other\'s events');
  unique('gtid_domain_id', (r) => r.gtidDomainId, ': every writing DC needs its own GTID domain, or replication fails (errors 1943/1950) and loops');
  unique('the address block', (r) => r.addressBlock);
  const codes = new Set(regions.map((r) => r.code));
  for (const r of regions) {
    for (const other of codes) {
      if (other !== r.code && r.wanLatencyMs[other] === undefined) problems.push(`${r.code}: wanLatencyMs has no latency to DC ${other}`);
    }
    for (const named of Object.keys(r.wanLatencyMs)) {
      if (named === r.code) problems.push(`${r.code}: wanLatencyMs names the DC itself`);
      else if (!codes.has(named)) problems.push(`${r.code}: wanLatencyMs names DC ${named}, which has no file in regions/`);
    }
  }
  return problems;
}

/** Every region file of a folder, validated alone and together; throws with every problem found. */
export function loadTopology(dir: string): Topology {
  const files = readdirSync(dir).filter((f) => FILE.test(f)).sort();
  const problems: string[] = [];
  const regions: RegionConfig[] = [];
  for (const f of files) {
    const r = parseRegion(f, readFileSync(join(dir, f), 'utf8'));
    problems.push(...r.problems);
    if (r.region) regions.push(r.region);
  }
  if (problems.length === 0) problems.push(...checkTopology(regions));
  if (problems.length > 0) throw new RegionConfigError(problems);
  return { regions, byCode: new Map(regions.map((r) => [r.code, r])) };
}
