import { DomainError, ErrorCode } from '../common/domain-error';

// MariaDB's and mysql2's errors as the shop answers them: lock conflicts retried or busy, a database that cannot be reached 503.

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;
const MAX_ATTEMPTS = 5;

const errnoOf = (err: unknown) => (err as { errno?: number }).errno;

/** InnoDB chose this statement's transaction as a deadlock victim, or its lock wait timed out. */
export function isLockConflict(err: unknown): boolean {
  return errnoOf(err) === DEADLOCK || errnoOf(err) === LOCK_WAIT_TIMEOUT;
}

/**
 * A deadlock victim was rolled back at once and runs again; a lock wait that timed out has already
 * waited innodb_lock_wait_timeout, so it answers busy instead of waiting that long again.
 */
const retryable = (err: unknown, attempt: number) => errnoOf(err) === DEADLOCK && attempt < MAX_ATTEMPTS;

/** Returns when `err` is a deadlock worth another attempt; any other lock conflict answers 503 (busy); the rest is thrown as it is. */
export function throwUnlessRetried(dc: string, err: unknown, attempt: number): void {
  if (!isLockConflict(err)) throw err;
  if (!retryable(err, attempt)) throw busy(dc, err);
}

/** A few ms, growing with the attempt and jittered, so that the transactions that collided do not collide again. */
export const backOff = (attempt: number) => new Promise((r) => setTimeout(r, Math.random() * 5 * 2 ** attempt));

/** Conflicts that outlasted every attempt: a 503 the client may repeat (nothing was kept), never a 500. */
export function busy(dc: string, err: unknown): DomainError {
  return new DomainError(ErrorCode.Unavailable, `the database of DC ${dc} is too busy to take this write now (${(err as Error).message}); try again`, undefined, 1);
}

/** UnreachableError's code for a DC that was failed over: its database is not asked at all (it may be back, fenced). */
export const FAILED_OVER = 'FAILED_OVER';

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'ENOENT',
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT']);

/** No connection could be opened (or none was tried: FAILED_OVER): nothing of the statements reached the server. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENOTFOUND', 'ENOENT', FAILED_OVER]);

/** ER_OPTION_PREVENTS_STATEMENT (--read-only), ER_READ_ONLY_MODE: a fenced DC's database refusing a write */
const READ_ONLY_ERRNOS = new Set([1290, 1836]);

/** mysql2's code for a statement that got no answer within its deadline. */
const DEADLINE_PASSED = 'PROTOCOL_SEQUENCE_TIMEOUT';

/** The SIGNAL of a transaction that reached its COMMIT after the sender's deadline (see commitGuard). */
export const TOO_LATE_SIGNAL = 'meridian:too_late';

function unreachableMessage(dc: string, networkCode: string, outcomeUnknown: boolean): string {
  if (!outcomeUnknown) return `the database of DC ${dc} cannot be reached (${networkCode}); try again shortly`;
  const what = networkCode === DEADLINE_PASSED ? 'did not answer in time' : `cannot be reached (${networkCode})`;
  return `the database of DC ${dc} ${what}: a write on its way may have been done; `
    + 'repeating it is safe (a checkout with the same Idempotency-Key answers the order if it was placed)';
}

/** A database that cannot be reached: answered 503 naming its DC, never 500, so the shopper may retry. */
export class UnreachableError extends DomainError {
  /** the connection broke while statements were on their way: the server may have run (and committed) them */
  readonly outcomeUnknown: boolean;

  constructor(readonly dc: string, readonly networkCode: string, whileSending = true, message?: string) {
    const outcomeUnknown = whileSending && !NEVER_SENT.has(networkCode);
    super(ErrorCode.Unavailable, message ?? unreachableMessage(dc, networkCode, outcomeUnknown), undefined, 5);
    this.outcomeUnknown = outcomeUnknown;
  }
}

export const isConnectionError = (err: unknown) => CONNECTION_ERRORS.has((err as { code?: string }).code ?? '') || Boolean((err as { fatal?: boolean }).fatal);

/** `whileSending` false: the error came while opening a connection, before any statement was sent */
export function unreachable(dc: string, err: unknown, whileSending = true): unknown {
  if (READ_ONLY_ERRNOS.has(errnoOf(err) ?? 0)) {
    return new DomainError(ErrorCode.FailedOver, `the database of DC ${dc} takes no writes (it is read-only: fenced after a failover, until failback)`,
      { dc }, 30);
  }
  if (isSignal(err, TOO_LATE_SIGNAL)) {
    return new DomainError(ErrorCode.Unavailable, `the database of DC ${dc} got this write after its deadline and did not do it; try again`, undefined, 1);
  }
  if (!isConnectionError(err)) return err;
  return new UnreachableError(dc, (err as { code?: string }).code ?? 'connection lost', whileSending);
}

export async function reachable<T>(dc: string, work: Promise<T>, whileSending = true): Promise<T> {
  try {
    return await work;
  } catch (err) {
    throw unreachable(dc, err, whileSending);
  }
}

/** A SIGNAL raised by our own SQL (errno 1644) carrying `signal` as its message. */
export function isSignal(err: unknown, signal: string): boolean {
  return errnoOf(err) === 1644 && String((err as Error).message).includes(signal);
}

/** A unique key refused a row: any, or (`key`) the one of that name ("Duplicate entry '…' for key 'key'"). */
export function isDuplicateKey(err: unknown, key?: string): boolean {
  if (errnoOf(err) !== 1062) return false;
  return key === undefined || String((err as Error).message).includes(`for key '${key}'`);
}
