/** Every error the shop raises on purpose; mapped to HTTP in one place (problem.filter.ts). */
export enum ErrorCode {
  NotFound = 'NOT_FOUND',
  InvalidInput = 'INVALID_INPUT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  EmailTaken = 'EMAIL_TAKEN',
  OutOfStock = 'OUT_OF_STOCK',
  IllegalTransition = 'ILLEGAL_TRANSITION',
  CartEmpty = 'CART_EMPTY',
  CartClosed = 'CART_CLOSED',
  IdempotencyKeyReused = 'IDEMPOTENCY_KEY_REUSED',
  Conflict = 'CONFLICT',
  RateLimited = 'RATE_LIMITED',
  Unavailable = 'UNAVAILABLE',
  /** relocate mode: the account's home is another DC; the answer says which and where to repeat the request */
  WrongDc = 'WRONG_DC',
  /** the DC (details.dc) was failed over: it takes no writes until failback; details.movedTo took its accounts */
  FailedOver = 'FAILED_OVER',
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** seconds, for RATE_LIMITED / UNAVAILABLE */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export const notFound = (what: string, id?: string) =>
  new DomainError(ErrorCode.NotFound, id ? `${what} ${id} not found` : `${what} not found`);
export const invalidInput = (message: string, details?: unknown) =>
  new DomainError(ErrorCode.InvalidInput, message, details);
export const unauthenticated = (message = 'log in first') => new DomainError(ErrorCode.Unauthenticated, message);
export const forbidden = (message = 'not allowed') => new DomainError(ErrorCode.Forbidden, message);

export function assertUnreachable(value: never): never {
  throw new Error(`unhandled value ${String(value)}`);
}
