import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The commerce-api processes a DC runs now, as base URLs: written by regionctl to the DC's health
 * state folder when it scales, read by its aggregators every round (so scaling needs no restart).
 */
export const API_TARGETS_FILE = 'apis.json';

/** The URLs in the file; undefined when there is none (or it cannot be read: the configured list stands). */
export function readApiTargets(stateDir: string): string[] | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(stateDir, API_TARGETS_FILE), 'utf8')) as { apis?: unknown };
    const apis = parsed.apis;
    return Array.isArray(apis) && apis.length > 0 && apis.every((u) => typeof u === 'string' && /^https?:\/\/\S+$/.test(u)) ? apis as string[] : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole under a temporary name, then renamed: a reader never sees half a file. */
export function writeApiTargets(stateDir: string, urls: string[]): void {
  mkdirSync(stateDir, { recursive: true });
  const tmp = join(stateDir, `${API_TARGETS_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify({ apis: urls })}\n`);
  renameSync(tmp, join(stateDir, API_TARGETS_FILE));
}
