import { invalidInput } from './domain-error';

const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,100}$/;

/** An Idempotency-Key header as given: 8 to 100 letters, digits or . _ : - (undefined when absent and optional). */
export function idempotencyKey(value: string | undefined, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (!value || !KEY_PATTERN.test(value)) {
    throw invalidInput(`the Idempotency-Key header ${required ? 'is required' : 'must be'}: 8 to 100 letters, digits or . _ : -`);
  }
  return value;
}
