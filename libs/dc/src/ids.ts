import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulid';

/** A DC code: lower-case letter first, then letters/digits, at most 8 characters (e.g. `a`, `eu1`). */
export const DC_CODE_PATTERN = /^[a-z][a-z0-9]{0,7}$/;
/** A primary key: `<dc>_<ULID>`. */
export const ID_PATTERN = /^([a-z][a-z0-9]{0,7})_([0-9A-HJKMNP-TV-Z]{26})$/;

/**
 * ulid's own PRNG asks the OS for one byte per character; this draws the same cryptographic
 * bytes from a pool refilled 4 KiB at a time (one syscall per ~250 ids).
 */
const pool = Buffer.alloc(4096);
let poolIndex = pool.length;
function pooledRandom(): number {
  if (poolIndex >= pool.length) {
    randomFillSync(pool);
    poolIndex = 0;
  }
  return (pool[poolIndex++] ?? 0) / 256;
}

const nextUlid = monotonicFactory(pooledRandom);

export function isDcCode(value: unknown): value is string {
  return typeof value === 'string' && DC_CODE_PATTERN.test(value);
}

export function assertDcCode(value: unknown): string {
  if (!isDcCode(value)) {
    throw new Error(`invalid DC code ${JSON.stringify(value)}: expected ${DC_CODE_PATTERN}`);
  }
  return value;
}

/** A new primary key `<dc>_<ULID>`: unique across DCs, time-ordered within one process. */
export function newId(dc: string): string {
  return `${dc}_${nextUlid()}`;
}

export function isId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** The DC that created a row, read from its key; undefined for something that is not an ID. */
export function dcOfId(id: string): string | undefined {
  return ID_PATTERN.exec(id)?.[1];
}
