import { RegionConfig, RegionConfigError } from '@meridian/regions';
import { runApiCli } from '../runtime/commands';

/** What regionctl itself sets for every commerce-api process: a DC's `env:` may not set these. */
const SET_BY_REGIONCTL = new Set(['DC_ID', 'DB_HOST', 'DB_PORT', 'DB_SOCKET', 'DB_USER', 'DB_PASSWORD', 'DB_NAME', 'HOST', 'PORT',
  'JWT_SECRET', 'REMOTE_DBS', 'REDIS_URL', 'ROUTING_MODE', 'LEASE_SECONDS']);

/** A DC's commerce-api settings from its region file, as environment variables. */
export function settingsOf(region: RegionConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(region.env ?? {}).map(([k, v]) => [k, String(v)]));
}

/**
 * Checks every DC's `env:` before anything starts: names regionctl sets itself, then commerce-api's
 * own rules (its CLI's check-env: the validation it runs at boot, and no name it does not read).
 * Throws with every problem, by file, like the other topology checks.
 */
export async function checkSettings(regions: RegionConfig[], path: string): Promise<void> {
  const found = await Promise.all(regions.map(async (r) => {
    const settings = settingsOf(r);
    const own = [
      ...Object.keys(settings).filter((k) => SET_BY_REGIONCTL.has(k)).map((k) => `  ${k}: set by regionctl, not in regions/`),
      ...Object.entries(r.env ?? {}).filter(([, v]) => v === null || typeof v === 'object').map(([k]) => `  ${k}: must be a string, a number or true/false`),
    ];
    const rest = Object.entries(settings).filter(([k]) => !SET_BY_REGIONCTL.has(k));
    const theirs = rest.length === 0 ? [] : await runApiCli(['check-env', ...rest.map(([k, v]) => `${k}=${v}`)], { PATH: path, DC_ID: r.code })
      .then(() => [], (err: Error) => err.message.split('\n').filter((l) => l.startsWith('  ')));
    return [...own, ...theirs].map((line) => `${r.code}.yaml: env.${line.trim()}`);
  }));
  if (found.flat().length) throw new RegionConfigError(found.flat());
}
