import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A drained DC: its aggregators answer FAIL with the reason `drained` whatever their checks say.
 * Kept as a file in the DC's health state folder, which both of its aggregators read every round:
 * `regionctl drain` writes it, `undrain` removes it, and it outlives the aggregators' restarts.
 */
export interface DrainState {
  /** the operator's words ('' when none were given) */
  reason: string;
  /** ISO 8601, UTC */
  since: string;
}

export const DRAIN_FILE = 'drain.json';

export function readDrain(stateDir: string): DrainState | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(stateDir, DRAIN_FILE), 'utf8')) as Partial<DrainState>;
    return { reason: typeof parsed.reason === 'string' ? parsed.reason : '', since: typeof parsed.since === 'string' ? parsed.since : '' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    // a file that cannot be read or parsed still says the operator drained the DC
    return { reason: `the drain file could not be read: ${(err as Error).message}`, since: '' };
  }
}

/** Written whole under a temporary name, then renamed: a reader never sees half a file. */
export function writeDrain(stateDir: string, reason: string, now = new Date()): DrainState {
  mkdirSync(stateDir, { recursive: true });
  const state = { reason, since: now.toISOString() };
  const tmp = join(stateDir, `${DRAIN_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(state)}\n`);
  renameSync(tmp, join(stateDir, DRAIN_FILE));
  return state;
}

export function removeDrain(stateDir: string): boolean {
  const had = readDrain(stateDir) !== undefined;
  rmSync(join(stateDir, DRAIN_FILE), { force: true });
  return had;
}
