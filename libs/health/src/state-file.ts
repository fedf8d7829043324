import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * An operator's decision about a DC kept as a small JSON file in the DC's health state folder, which
 * its aggregators read every round; it outlives their restarts and regionctl's. undefined: no file;
 * `unreadable`: a file that cannot be read or parsed (it still says the operator decided something).
 */
export function readStateFile(stateDir: string, name: string): { value?: Record<string, unknown>; unreadable?: string } | undefined {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(stateDir, name), 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? { value: parsed as Record<string, unknown> } : { unreadable: 'not a JSON object' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { unreadable: (err as Error).message };
  }
}

/** Written whole under a temporary name, then renamed: a reader never sees half a file. */
export function writeStateFile(stateDir: string, name: string, value: object): void {
  mkdirSync(stateDir, { recursive: true });
  const tmp = join(stateDir, `${name}.${process.pid}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(value)}\n`);
  renameSync(tmp, join(stateDir, name));
}

/** Whether there was a file. */
export function removeStateFile(stateDir: string, name: string): boolean {
  const had = readStateFile(stateDir, name) !== undefined;
  rmSync(join(stateDir, name), { force: true });
  return had;
}
