import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DcState } from './dc-state';

/** The last known state of every DC, kept on disk so a restarted server answers at once. */
export interface SavedHealth {
  savedAt: number;
  dcs: Record<string, DcState>;
}

const fileOf = (dir: string, instance: string) => join(dir, `gslb-dns-${instance}.json`);

export function readSavedHealth(dir: string, instance: string): SavedHealth | undefined {
  try {
    const s = JSON.parse(readFileSync(fileOf(dir, instance), 'utf8')) as SavedHealth;
    if (typeof s !== 'object' || s === null || typeof s.dcs !== 'object' || s.dcs === null) return undefined;
    const dcs: Record<string, DcState> = {};
    for (const [dc, v] of Object.entries(s.dcs)) {
      if (v && (v.state === 'PASS' || v.state === 'FAIL')) dcs[dc] = { state: v.state, since: Number(v.since) || 0, reason: String(v.reason ?? ''), cause: v.cause };
    }
    return { savedAt: Number(s.savedAt) || 0, dcs };
  } catch {
    return undefined;
  }
}

export function saveHealth(dir: string, instance: string, s: SavedHealth): void {
  mkdirSync(dir, { recursive: true });
  const tmp = `${fileOf(dir, instance)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(s)}\n`);
  renameSync(tmp, fileOf(dir, instance));
}
