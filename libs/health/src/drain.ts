import { readStateFile, removeStateFile, writeStateFile } from './state-file';

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
  const file = readStateFile(stateDir, DRAIN_FILE);
  if (!file) return undefined;
  // a file that cannot be read or parsed still says the operator drained the DC
  if (!file.value) return { reason: `the drain file could not be read: ${file.unreadable}`, since: '' };
  const v = file.value;
  return { reason: typeof v.reason === 'string' ? v.reason : '', since: typeof v.since === 'string' ? v.since : '' };
}

export function writeDrain(stateDir: string, reason: string, now = new Date()): DrainState {
  const state = { reason, since: now.toISOString() };
  writeStateFile(stateDir, DRAIN_FILE, state);
  return state;
}

export function removeDrain(stateDir: string): boolean {
  return removeStateFile(stateDir, DRAIN_FILE);
}
