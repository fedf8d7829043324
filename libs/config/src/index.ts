import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';

/** class-transformer helpers for settings read from the environment (strings) */
export const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
export const toNumber = toInt;
export const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : value === true || value === 'true' || value === '1';

export class ConfigError extends Error {}

/** Parses and validates the environment; a bad value stops the boot with every bad field named. */
export function loadEnv<T extends object>(cls: new () => T, env: NodeJS.ProcessEnv = process.env): T {
  const parsed = plainToInstance(cls, { ...env }, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { whitelist: false, forbidUnknownValues: false });
  if (errors.length > 0) {
    const lines = errors.map((e) => `  ${e.property}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed;
}
