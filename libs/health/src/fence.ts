import { readStateFile, removeStateFile, writeStateFile } from './state-file';

/**
 * A DC failed over and not yet failed back: its aggregators answer `FAIL: failed over to <dc>`
 * whatever their checks say, and regionctl starts its database read-only with no replication. Kept in
 * the DC's health state folder beside the drain file; `regionctl failover` writes it (and `start`
 * again when a survivor's fence row says so), `failback` removes it.
 */
export interface FenceState {
  /** the DC that took its accounts */
  movedTo: string;
  /** the fencing epoch of the failover */
  epoch: number;
  /** ISO 8601, UTC */
  since: string;
}

export const FENCE_FILE = 'fence.json';

export function readFence(stateDir: string): FenceState | undefined {
  const file = readStateFile(stateDir, FENCE_FILE);
  if (!file) return undefined;
  // unreadable, it still says the DC was failed over: fenced it stays
  const v = file.value ?? {};
  return { movedTo: typeof v.movedTo === 'string' ? v.movedTo : '?', epoch: Number.isInteger(v.epoch) ? Number(v.epoch) : 0,
    since: typeof v.since === 'string' ? v.since : '' };
}

export function writeFence(stateDir: string, fence: Omit<FenceState, 'since'>, now = new Date()): FenceState {
  const state = { ...fence, since: now.toISOString() };
  writeStateFile(stateDir, FENCE_FILE, state);
  return state;
}

export function removeFence(stateDir: string): boolean {
  return removeStateFile(stateDir, FENCE_FILE);
}

/** What a fenced DC's aggregators say as their reason. */
export const fenceReason = (f: FenceState) => `failed over to ${f.movedTo} (epoch ${f.epoch})`;
